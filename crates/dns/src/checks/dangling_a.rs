use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::End;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.dangling_a",
    agent: "dns",
    title: "An address record points outside the product's inventory",
    severity: Severity::High,
    what: "Collects the A and AAAA addresses the apex, the configured hosts and the tenant wildcard \
           resolve to, and fails on any address outside `[dns].inventory`. Skipped when no inventory is \
           declared: without one, no tool can tell a released cloud address from a live one.",
    why: "A record left pointing at a released cloud IP lets whoever is assigned that IP next serve the \
          product's hostname, with valid certificates obtained through HTTP validation.",
    fix: "Delete or update the record, or add the address to the inventory if the product owns it.",
    references: &["https://www.rfc-editor.org/rfc/rfc1034"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    if j.inventory.is_empty() {
        return j.skipped(&CHECK, "no [dns].inventory declared");
    }
    let mut outside = Vec::new();
    let mut checked = 0u64;
    for chain in j.view.names.iter().chain(&j.view.wildcard_probes) {
        if let Ok(End::Addresses(addresses)) = &chain.end {
            for address in addresses {
                checked += 1;
                if !j.inventory.contains(*address) {
                    outside.push(format!("{} = {address}", chain.shown));
                }
            }
        }
    }
    let unresolved = j
        .view
        .names
        .iter()
        .chain(&j.view.wildcard_probes)
        .find(|c| c.end.is_err());
    if let (true, Some(chain)) = (outside.is_empty(), unresolved) {
        return j.error(&CHECK, format!("not verified: {}", chain.describe()));
    }
    if outside.is_empty() {
        j.pass(
            &CHECK,
            format!("all {checked} addresses are in the inventory"),
        )
    } else {
        j.fail(
            &CHECK,
            format!("outside the inventory: {}", outside.join(", ")),
        )
        .with_evidence("addresses", outside.clone())
        .with_stable_key(&outside.join("\n"))
    }
}
