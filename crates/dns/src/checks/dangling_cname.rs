use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::{End, show};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.dangling_cname",
    agent: "dns",
    title: "A CNAME points at a name that does not resolve",
    severity: Severity::High,
    what: "Follows the apex and every configured host through their CNAMEs. Fails when a chain ends in \
           NXDOMAIN or in a name without addresses; critical when it is the apex. A CNAME loop or a chain \
           that cannot be followed is an error that says where it stopped. (Tenant wildcards are \
           dns.wildcard.dangling.)",
    why: "A CNAME to a deleted resource (a cloud app, a bucket, a CDN endpoint) is how subdomain takeovers \
          happen: whoever creates a resource with that name serves content, sets cookies and gets \
          certificates for the product's hostname.",
    fix: "Delete the CNAME, or recreate the resource it points at. Remove DNS records before deleting the \
          resources they point to.",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/Security/Subdomain_takeovers",
        "https://learn.microsoft.com/en-us/azure/security/fundamentals/subdomain-takeover",
    ],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let mut dangling = Vec::new();
    let mut unresolved = Vec::new();
    let mut apex_dangles = false;
    for (index, chain) in j.view.names.iter().enumerate() {
        if chain.dangles() {
            apex_dangles |= index == 0;
            dangling.push(chain.describe());
        } else if matches!(chain.end, Ok(End::Loop) | Err(_)) {
            unresolved.push(chain.describe());
        }
    }
    if !dangling.is_empty() {
        let finding = j
            .fail(&CHECK, format!("dangling CNAME: {}", dangling.join("; ")))
            .with_evidence("chains", dangling.clone())
            .with_stable_key(&dangling.join("\n"));
        return if apex_dangles {
            finding.with_severity(Severity::Critical)
        } else {
            finding
        };
    }
    if !unresolved.is_empty() {
        return j
            .error(&CHECK, format!("not verified: {}", unresolved.join("; ")))
            .with_evidence("chains", unresolved);
    }
    let names: Vec<String> = j.view.names.iter().map(|c| show(&c.name)).collect();
    j.pass(
        &CHECK,
        format!("every CNAME of {} resolves", names.join(", ")),
    )
    .with_evidence(
        "chains",
        j.view
            .names
            .iter()
            .map(|c| c.describe())
            .collect::<Vec<_>>(),
    )
}
