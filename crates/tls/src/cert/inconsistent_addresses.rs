use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain};
use crate::chain::format_time;
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.inconsistent_addresses",
    agent: "tls",
    title: "Addresses of one hostname serve different certificates",
    severity: Severity::Medium,
    what: "When a hostname has several addresses (DNS A/AAAA records, up to 8, or the target's \
           `addresses`), the first is examined fully and every other one completes one handshake. Fails \
           when another address serves a different leaf certificate or no handshake at all; the evidence \
           names each address with the certificate it served. Skipped for a hostname with one address.",
    why: "A CDN edge, a load-balancer node or the IPv6 front end that missed the last renewal serves an old \
          or wrong certificate to a share of the users, and an audit that looks at one address never sees \
          it: a classic partial outage.",
    fix: "Deploy the current certificate to every node behind the name (and restart or reload each), or \
          remove the stale address from DNS.",
    references: &["https://www.rfc-editor.org/rfc/rfc6125"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let target = obs.host.target.clone();
    if obs.other_addresses.is_empty() {
        return Finding::skipped(
            &CHECK,
            target,
            "does not apply: the hostname has one address",
        );
    }
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let leaf = &chain[0];
    let mut differing = Vec::new();
    let mut seen = Vec::new();
    for (addr, served) in &obs.other_addresses {
        match served {
            Ok(other) if other.sha256 == leaf.sha256 => {
                seen.push(format!("{addr}: the same certificate"))
            }
            Ok(other) => {
                let expired = if obs.now > other.not_after {
                    ", expired"
                } else {
                    ""
                };
                let line = format!(
                    "{addr} serves {} (not_after {}{expired}, sha256 {})",
                    other.subject,
                    format_time(other.not_after),
                    other.sha256
                );
                seen.push(line.clone());
                differing.push(line);
            }
            Err(reason) => {
                let line = format!("{addr}: no handshake ({reason})");
                seen.push(line.clone());
                differing.push(line);
            }
        }
    }
    let finding = if differing.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!(
                "all {} addresses serve the same certificate",
                obs.other_addresses.len() + 1
            ),
        )
    } else {
        Finding::fail(
            &CHECK,
            target,
            format!(
                "{} of {} addresses differ from the first ({}): {}",
                differing.len(),
                obs.other_addresses.len() + 1,
                leaf.subject,
                differing.join("; ")
            ),
        )
    };
    about_chain(finding, obs, chain).with_evidence("other_addresses", seen.join("; "))
}
