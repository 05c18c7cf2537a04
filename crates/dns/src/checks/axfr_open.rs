use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::wire::Transfer;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.axfr_open",
    agent: "dns",
    title: "A nameserver serves the whole zone to anyone (AXFR)",
    severity: Severity::High,
    what: "Requests a zone transfer (AXFR over TCP) of the apex from every nameserver address. Fails when \
           one sends records; a refusal (REFUSED, NOTAUTH, or an empty answer) passes. The records are \
           counted, never stored.",
    why: "An open transfer lists every name in the zone: internal hosts, staging environments, tenant \
          names and forgotten records, the map an attacker needs for takeovers and targeted attacks.",
    fix: "Restrict transfers to the secondary servers' addresses, preferably with TSIG keys \
          (`allow-transfer`, Knot `acl`, or the provider's setting).",
    references: &["https://www.rfc-editor.org/rfc/rfc5936#section-6"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let servers = match j.servers(&CHECK) {
        Ok(servers) => servers,
        Err(finding) => return *finding,
    };
    let mut open = Vec::new();
    let mut unknown = Vec::new();
    for server in servers {
        match &server.transfer {
            Ok(Transfer::Served { records }) => {
                open.push(format!("{} sent {records} records", server.address));
            }
            Ok(Transfer::Refused(_)) => {}
            Err(reason) => unknown.push(format!("{}: {reason}", server.address)),
        }
    }
    if !open.is_empty() {
        return j
            .fail(&CHECK, format!("zone transfer served: {}", open.join("; ")))
            .with_evidence("servers", open);
    }
    if !unknown.is_empty() {
        return j.error(&CHECK, format!("not verified: {}", unknown.join("; ")));
    }
    j.pass(
        &CHECK,
        format!(
            "all {} nameserver addresses refuse transfers",
            servers.len()
        ),
    )
}
