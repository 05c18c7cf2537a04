use std::collections::BTreeSet;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RData;
use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.ns.inconsistent",
    agent: "dns",
    title: "Nameservers disagree on the NS set or the SOA serial",
    severity: Severity::Medium,
    what: "Compares, across the nameservers that answer authoritatively, the NS set each serves for the \
           apex (and the NS set the resolver sees) and the SOA serial. Fails on any difference.",
    why: "Different NS sets mean the delegation and the zone disagree (a server left out, or one still \
          listed after a provider change); different serials mean a server stopped receiving updates and \
          serves stale records.",
    fix: "Make the NS records in the zone match the delegation at the registrar, and fix zone transfers \
          (NOTIFY, allow-transfer, TSIG) to the server with the old serial.",
    references: &["https://www.rfc-editor.org/rfc/rfc1034#section-4.2.2"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let delegated: BTreeSet<String> = match j.need(&CHECK, &j.view.ns_names) {
        Ok(names) => names.iter().map(|n| show(&n.name)).collect(),
        Err(finding) => return *finding,
    };
    let mut ns_sets: Vec<(String, BTreeSet<String>)> = Vec::new();
    let mut serials: Vec<(String, u32)> = Vec::new();
    let servers = match j.servers(&CHECK) {
        Ok(servers) => servers,
        Err(finding) => return *finding,
    };
    for server in servers {
        let who = server.address.to_string();
        if let Ok(answer) = &server.soa
            && answer.authoritative
            && answer.rcode == ResponseCode::NoError
        {
            for record in &answer.answers {
                if let RData::SOA(soa) = &record.data {
                    serials.push((who.clone(), soa.serial));
                }
            }
            if let Ok(ns) = &server.ns {
                let set: BTreeSet<String> = ns
                    .answers
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::NS(name) => Some(show(&name.0)),
                        _ => None,
                    })
                    .collect();
                ns_sets.push((who, set));
            }
        }
    }
    if serials.is_empty() {
        return j.error(
            &CHECK,
            "not verified: no nameserver answered authoritatively",
        );
    }
    let mut differences = Vec::new();
    let show_set = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(" ");
    for (who, set) in &ns_sets {
        if *set != delegated {
            differences.push(format!(
                "{who} serves NS {{{}}}, the resolver sees {{{}}}",
                show_set(set),
                show_set(&delegated)
            ));
        }
    }
    let distinct: BTreeSet<u32> = serials.iter().map(|(_, s)| *s).collect();
    if distinct.len() > 1 {
        let list: Vec<String> = serials
            .iter()
            .map(|(who, s)| format!("{who}={s}"))
            .collect();
        differences.push(format!("SOA serials differ: {}", list.join(", ")));
    }
    if differences.is_empty() {
        j.pass(
            &CHECK,
            format!(
                "{} nameserver address(es) agree (serial {})",
                serials.len(),
                serials[0].1
            ),
        )
    } else {
        j.fail(&CHECK, differences.join("; "))
            .with_evidence("differences", differences.clone())
    }
}
