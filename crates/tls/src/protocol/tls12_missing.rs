use launchguard_core::{CheckDef, Finding, Severity};

use super::negotiated;
use crate::hello::{self, Probe};
use crate::observe::Observation;
use crate::suites;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.protocol.tls12_missing",
    agent: "tls",
    title: "TLS 1.2 not offered",
    severity: Severity::High,
    what: "Sends a TLS 1.2 ClientHello (without the supported_versions extension, so a TLS 1.3 server must \
           answer at 1.2 or refuse) and fails when the server does not answer with a TLS 1.2 ServerHello.",
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
    let finding = match obs.version(hello::TLS12) {
        Some(Probe::Accepted { suite }) => Finding::pass(
            &CHECK,
            target,
            format!("TLS 1.2 accepted (with {})", suites::name(*suite)),
        ),
        Some(Probe::Refused(how)) => {
            Finding::fail(&CHECK, target, format!("TLS 1.2 refused: {how}"))
        }
        Some(Probe::Inconclusive(why)) => {
            Finding::error(&CHECK, target, format!("not verified: {why}"))
        }
        None => Finding::error(&CHECK, target, "not verified: not probed"),
    };
    negotiated(finding, obs)
}
