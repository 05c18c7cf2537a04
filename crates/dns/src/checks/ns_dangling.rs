use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::End;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.ns.dangling",
    agent: "dns",
    title: "A nameserver's name does not resolve",
    severity: Severity::Critical,
    what: "Resolves every NS name of the apex. Fails when one is NXDOMAIN or has no address.",
    why: "An NS name that does not exist can often be registered by anyone (an expired domain, a deleted \
          hosted zone at a DNS provider): whoever does answers for the whole zone, a takeover of every \
          name in it.",
    fix: "Remove the NS record at the registrar and in the zone, or restore the nameserver's name.",
    references: &["https://www.rfc-editor.org/rfc/rfc1034#section-4.2.2"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let names = match j.need(&CHECK, &j.view.ns_names) {
        Ok(names) => names,
        Err(finding) => return *finding,
    };
    if names.is_empty() {
        return j.skipped(&CHECK, "no NS names (see dns.ns.single)");
    }
    let dangling: Vec<String> = names
        .iter()
        .filter(|n| matches!(n.chain.end, Ok(End::NxDomain | End::NoData)))
        .map(|n| n.chain.describe())
        .collect();
    if !dangling.is_empty() {
        return j
            .fail(
                &CHECK,
                format!("NS name does not resolve: {}", dangling.join("; ")),
            )
            .with_evidence("ns", dangling.clone())
            .with_stable_key(&dangling.join("\n"));
    }
    if let Some(unresolved) = names
        .iter()
        .find(|n| !matches!(n.chain.end, Ok(End::Addresses(_))))
    {
        return j.error(
            &CHECK,
            format!("not verified: {}", unresolved.chain.describe()),
        );
    }
    j.pass(&CHECK, "every NS name resolves").with_evidence(
        "ns",
        names.iter().map(|n| n.chain.describe()).collect::<Vec<_>>(),
    )
}
