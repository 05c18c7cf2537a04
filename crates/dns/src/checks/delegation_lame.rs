use hickory_proto::op::ResponseCode;
use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.delegation.lame",
    agent: "dns",
    title: "A nameserver is not authoritative for the zone (lame delegation)",
    severity: Severity::Medium,
    what: "Asks every nameserver address directly (recursion off) for the apex's SOA. Fails when one \
           answers without the AA bit or with an error code (REFUSED, SERVFAIL, NOTAUTH); errors when one \
           does not answer at all.",
    why: "Resolvers that pick the lame server get errors or stale data: intermittent resolution failures \
          that are hard to trace. A lame server at a shared DNS provider can also be claimed: whoever \
          creates the zone there answers for it.",
    fix: "Load the zone on every listed nameserver, or remove the server from the NS set at the registrar \
          and in the zone.",
    references: &["https://www.rfc-editor.org/rfc/rfc1912#section-2.8"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let servers = match j.servers(&CHECK) {
        Ok(servers) => servers,
        Err(finding) => return *finding,
    };
    let mut lame = Vec::new();
    let mut silent = Vec::new();
    for server in servers {
        let names: Vec<String> = server.names.iter().map(show).collect();
        let who = format!("{} ({})", server.address, names.join(", "));
        match &server.soa {
            Ok(answer) if answer.rcode != ResponseCode::NoError => {
                lame.push(format!("{who} answered {}", answer.rcode));
            }
            Ok(answer) if !answer.authoritative => {
                lame.push(format!("{who} answered without AA"));
            }
            Ok(answer)
                if !answer
                    .answers
                    .iter()
                    .any(|r| r.record_type() == hickory_proto::rr::RecordType::SOA) =>
            {
                lame.push(format!("{who} answered AA without the SOA"));
            }
            Ok(_) => {}
            Err(reason) => silent.push(format!("{who}: {reason}")),
        }
    }
    if !lame.is_empty() {
        return j
            .fail(&CHECK, format!("lame: {}", lame.join("; ")))
            .with_evidence("servers", lame);
    }
    if !silent.is_empty() {
        return j.error(&CHECK, format!("not verified: {}", silent.join("; ")));
    }
    j.pass(
        &CHECK,
        format!(
            "all {} nameserver addresses answer authoritatively",
            servers.len()
        ),
    )
}
