use launchguard_core::{CheckDef, Finding, Severity};

use super::negotiated;
use crate::hello::{self, Probe, version_name};
use crate::observe::Observation;
use crate::suites;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.protocol.legacy",
    agent: "tls",
    title: "Legacy protocol accepted (SSLv3, TLS 1.0 or 1.1)",
    severity: Severity::Medium,
    what: "Sends one ClientHello for each of SSLv3, TLS 1.0 and TLS 1.1 (built by launchguard, offering a \
           wide list of suites) and fails when the server answers with a ServerHello at that version. An \
           alert, a lower version or a closed connection means refused; a timeout or garbage makes the \
           check `error`. Severity is high when SSLv3 is accepted.",
    why: "TLS 1.0 and 1.1 were deprecated by RFC 8996 (no modern AEAD suites, weak hashes in the handshake); \
          SSLv3 is broken by POODLE. PCI DSS forbids them, and SSL Labs caps the grade at B.",
    fix: "Allow TLS 1.2 and 1.3 only (nginx: ssl_protocols TLSv1.2 TLSv1.3; see Mozilla's intermediate \
          configuration).",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc8996",
        "https://ssl-config.mozilla.org/",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let target = obs.host.target.clone();
    let mut accepted = Vec::new();
    let mut unknown = Vec::new();
    let mut evidence = Vec::new();
    for version in [hello::SSL3, hello::TLS10, hello::TLS11] {
        let Some(probe) = obs.version(version) else {
            unknown.push(format!("{}: not probed", version_name(version)));
            continue;
        };
        match probe {
            Probe::Accepted { suite } => {
                accepted.push(format!(
                    "{} (with {})",
                    version_name(version),
                    suites::name(*suite)
                ));
            }
            Probe::Refused(how) => {
                evidence.push(format!("{}: refused, {how}", version_name(version)))
            }
            Probe::Inconclusive(why) => unknown.push(format!("{}: {why}", version_name(version))),
        }
    }
    evidence.extend(accepted.iter().map(|a| format!("accepted {a}")));
    let finding = if !accepted.is_empty() {
        let finding = Finding::fail(
            &CHECK,
            target,
            format!("the server accepts {}", accepted.join(", ")),
        );
        if matches!(obs.version(hello::SSL3), Some(Probe::Accepted { .. })) {
            finding.with_severity(Severity::High)
        } else {
            finding
        }
    } else if !unknown.is_empty() {
        Finding::error(
            &CHECK,
            target,
            format!("not verified: {}", unknown.join("; ")),
        )
    } else {
        Finding::pass(&CHECK, target, "SSLv3, TLS 1.0 and TLS 1.1 are refused")
    };
    negotiated(finding, obs).with_evidence("probes", evidence.join("; "))
}
