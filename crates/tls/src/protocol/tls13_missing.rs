use launchguard_core::{CheckDef, Finding, Severity};

use super::negotiated;
use crate::handshake::HandshakeFailure;
use crate::hello::{TLS13, version_name};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.protocol.tls13_missing",
    agent: "tls",
    title: "TLS 1.3 not offered",
    severity: Severity::Low,
    what: "Attempts a handshake that allows TLS 1.3 only (rustls) and fails when the server refuses it.",
    why: "TLS 1.3 removes every legacy option, encrypts the certificate and saves a round trip. Mozilla's \
          intermediate and modern profiles require it.",
    fix: "Enable TLS 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3 with OpenSSL 1.1.1 or later).",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc8446",
        "https://ssl-config.mozilla.org/",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let target = obs.host.target.clone();
    let negotiated_tls13 = obs
        .inspection
        .as_ref()
        .is_ok_and(|i| i.version == version_name(TLS13));
    let finding = match &obs.tls13 {
        Ok(()) => Finding::pass(&CHECK, target, "TLS 1.3 handshake completed"),
        // The inspection handshake (TLS 1.2 or 1.3) chose TLS 1.3: that proves it as well.
        Err(failure) if negotiated_tls13 => Finding::pass(
            &CHECK,
            target,
            format!(
                "TLS 1.3 negotiated by the inspection handshake (the TLS 1.3-only handshake did not complete: {})",
                failure.reason()
            ),
        ),
        Err(HandshakeFailure::Refused(how)) => {
            Finding::fail(&CHECK, target, format!("TLS 1.3 refused: {how}"))
        }
        Err(HandshakeFailure::Failed(why) | HandshakeFailure::TimedOut(why)) => {
            Finding::error(&CHECK, target, format!("not verified: {why}"))
        }
    };
    negotiated(finding, obs)
}
