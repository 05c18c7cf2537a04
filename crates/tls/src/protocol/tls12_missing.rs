use launchguard_core::{CheckDef, Finding, Severity};

use super::{describe_seen, negotiated, seen_accepted};
use crate::hello::{self, Probe, version_name};
use crate::observe::Observation;
use crate::suites;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.protocol.tls12_missing",
    agent: "tls",
    title: "TLS 1.2 not offered",
    severity: Severity::High,
    what: "Sends a TLS 1.2 ClientHello (without the supported_versions extension, so a TLS 1.3 server must \
           answer at 1.2 or refuse) and fails when the server does not answer with a TLS 1.2 ServerHello. It passes when any probe of \
           the run (or the inspection handshake) saw TLS 1.2 accepted.",
    why: "TLS 1.2 is still what many clients speak: older Android and Java, embedded devices, some \
          corporate proxies, many webhook senders. Without it they cannot connect at all; SSL Labs caps at C.",
    fix: "Enable TLS 1.2 alongside 1.3 with forward-secret AEAD suites (Mozilla's intermediate profile).",
    references: &[
        "https://ssl-config.mozilla.org/",
        "https://www.rfc-editor.org/rfc/rfc9325",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let target = obs.host.target.clone();
    let seen = seen_accepted(obs);
    let tls12 = describe_seen(seen.iter().filter(|s| s.version == hello::TLS12));
    let finding = if !tls12.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!("TLS 1.2 accepted: {}", tls12.join("; ")),
        )
    } else {
        match obs.version(hello::TLS12) {
            Some(Probe::Refused(how)) => {
                Finding::fail(&CHECK, target, format!("TLS 1.2 refused: {how}"))
            }
            Some(Probe::Older { version, suite }) => Finding::fail(
                &CHECK,
                target,
                format!(
                    "TLS 1.2 refused: the server answered with the older {} (choosing {})",
                    version_name(*version),
                    suites::name(*suite)
                ),
            ),
            Some(Probe::Inconclusive(why)) => {
                Finding::error(&CHECK, target, format!("not verified: {why}"))
            }
            Some(Probe::Accepted { .. }) | None => {
                Finding::error(&CHECK, target, "not verified: not probed")
            }
        }
    };
    negotiated(finding, obs)
}
