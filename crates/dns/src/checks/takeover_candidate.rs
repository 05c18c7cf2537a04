use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;
use crate::takeover::{FINGERPRINTS_VERSION, Sign, service_of};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.takeover.candidate",
    agent: "dns",
    title: "A name points at a service known for subdomain takeovers",
    severity: Severity::High,
    what: "Matches every CNAME target of the apex, the configured hosts and the tenant wildcard against a \
           versioned list of services where deleted resources can be claimed by others (the version is in \
           the evidence). Fails when a target dangles (high), or when it belongs to such a service and \
           still resolves (medium): then only an HTTP fingerprint of the service's \"no such app\" page can \
           decide, and the finding is a candidate, never a confirmed takeover.",
    why: "These services hand out a resource name to whoever asks first. A CNAME that outlives its \
          resource gives an attacker the product's hostname.",
    fix: "Confirm the resource exists and belongs to the product (and keep it while the CNAME exists), or \
          delete the CNAME. Prefer provider features that verify domain ownership (TXT verification).",
    references: &["https://developer.mozilla.org/en-US/docs/Web/Security/Subdomain_takeovers"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let mut dangling = Vec::new();
    let mut live = Vec::new();
    for chain in j.view.names.iter().chain(&j.view.wildcard_probes) {
        for target in &chain.cnames {
            let Some(fp) = service_of(&target.to_ascii()) else {
                continue;
            };
            let line = format!("{} -> {} ({})", chain.shown, show(target), fp.service);
            if chain.dangles() {
                dangling.push(format!("{line}: the target does not resolve"));
            } else {
                let how = match fp.sign {
                    Sign::NxDomain => {
                        "the target resolves, so the resource exists; an HTTP fingerprint must confirm it belongs to the product"
                    }
                    Sign::HttpBody => {
                        "the service's names always resolve; an HTTP fingerprint must decide"
                    }
                };
                live.push(format!("{line}: {how}"));
            }
        }
    }
    dangling.dedup();
    live.dedup();
    let finding = if !dangling.is_empty() {
        j.fail(
            &CHECK,
            format!("takeover candidate: {}", dangling.join("; ")),
        )
    } else if !live.is_empty() {
        j.fail(
            &CHECK,
            format!("takeover candidate, not confirmed: {}", live.join("; ")),
        )
        .with_severity(Severity::Medium)
    } else if let Some(chain) = j
        .view
        .names
        .iter()
        .chain(&j.view.wildcard_probes)
        .find(|c| c.end.is_err())
    {
        return j.error(&CHECK, format!("not verified: {}", chain.describe()));
    } else {
        return j
            .pass(&CHECK, "no name points at a service on the takeover list")
            .with_evidence("fingerprints_version", FINGERPRINTS_VERSION);
    };
    let all: Vec<String> = dangling.into_iter().chain(live).collect();
    finding
        .with_stable_key(&all.join("\n"))
        .with_evidence("candidates", all)
        .with_evidence("fingerprints_version", FINGERPRINTS_VERSION)
}
