use std::collections::BTreeSet;

use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::{End, show};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.ns.single",
    agent: "dns",
    title: "Fewer than two nameservers",
    severity: Severity::Medium,
    what: "Fails when the apex has fewer than two NS names, or when its NS names resolve to fewer than two \
           distinct addresses (not judged on addresses under a nameserver override).",
    why: "One nameserver is a single point of failure: when it is down or unreachable, the whole product \
          stops resolving (RFC 1034 asks for at least two, on separate networks).",
    fix: "Delegate to at least two nameservers on different networks; DNS providers give two to four.",
    references: &["https://www.rfc-editor.org/rfc/rfc1034#section-4.1"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let names = match j.need(&CHECK, &j.view.ns_names) {
        Ok(names) => names,
        Err(finding) => return *finding,
    };
    let listed: Vec<String> = names.iter().map(|n| show(&n.name)).collect();
    if names.len() < 2 {
        return j
            .fail(
                &CHECK,
                format!("{} NS name(s): {}", names.len(), listed.join(", ")),
            )
            .with_evidence("ns", listed);
    }
    let addresses: BTreeSet<String> = names
        .iter()
        .filter_map(|n| match &n.chain.end {
            Ok(End::Addresses(a)) => Some(a.iter().map(|ip| ip.to_string()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    if addresses.len() < 2 && !j.view.nameserver_overridden {
        return j
            .fail(
                &CHECK,
                format!("the NS names share {} address(es)", addresses.len()),
            )
            .with_evidence("ns", listed)
            .with_evidence("addresses", addresses.into_iter().collect::<Vec<_>>());
    }
    j.pass(&CHECK, format!("{} nameservers", names.len()))
        .with_evidence("ns", listed)
}
