use launchguard_core::{CheckDef, Finding, Severity};

use super::{Seen, describe_seen, negotiated, seen_accepted};
use crate::hello::{self, Probe, version_name};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.protocol.legacy",
    agent: "tls",
    title: "Legacy protocol accepted (SSLv3, TLS 1.0 or 1.1)",
    severity: Severity::Medium,
    what: "Sends one ClientHello for each of SSLv3, TLS 1.0 and TLS 1.1 (built by launchguard, offering a \
           wide list of suites) and fails when any probe of the run sees the server choose one of them (a \
           TLS 1.2 ClientHello answered at TLS 1.0 counts too). An alert or a closed connection means \
           refused; a timeout, garbage or a ServerHello choosing what was never offered makes the check \
           `error`. Severity is high when SSLv3 is accepted.",
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
    let legacy = [hello::SSL3, hello::TLS10, hello::TLS11];
    let seen = seen_accepted(obs);
    let accepted: Vec<&Seen> = seen
        .iter()
        .filter(|s| legacy.contains(&s.version))
        .collect();
    let mut unknown = Vec::new();
    let mut evidence = Vec::new();
    for version in legacy {
        match obs.version(version) {
            None => unknown.push(format!("{}: not probed", version_name(version))),
            Some(Probe::Refused(how)) => {
                evidence.push(format!("{}: refused, {how}", version_name(version)))
            }
            Some(Probe::Inconclusive(why)) => {
                unknown.push(format!("{}: {why}", version_name(version)))
            }
            Some(Probe::Accepted { .. } | Probe::Older { .. }) => {}
        }
    }
    let described = describe_seen(accepted.iter().copied());
    evidence.extend(described.iter().map(|a| format!("accepted {a}")));
    let finding = if !accepted.is_empty() {
        let mut versions: Vec<u16> = accepted.iter().map(|s| s.version).collect();
        versions.sort_unstable();
        versions.dedup();
        let versions: Vec<String> = versions.into_iter().map(version_name).collect();
        let finding = Finding::fail(
            &CHECK,
            target,
            format!(
                "the server accepts {}: {}",
                versions.join(", "),
                described.join("; ")
            ),
        );
        if accepted.iter().any(|s| s.version == hello::SSL3) {
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
