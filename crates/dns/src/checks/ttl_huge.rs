use hickory_proto::rr::RecordType;
use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.ttl.huge",
    agent: "dns",
    title: "Records cached for too long",
    severity: Severity::Low,
    what: "Reads the TTLs a nameserver serves (as for dns.ttl.zero). Fails when an address or CNAME record \
           has a TTL over one day, or any record over seven days.",
    why: "A long TTL keeps a mistake or a compromised record in resolvers' caches for days after it is \
          fixed, and slows failover and provider migrations.",
    fix: "Use one hour to one day for address records and at most a week for NS and MX.",
    references: &["https://www.rfc-editor.org/rfc/rfc1912#section-2.2"],
};

const DAY: u32 = 86_400;

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let ttls = match j.need(&CHECK, &j.view.ttls) {
        Ok(ttls) => ttls,
        Err(finding) => return *finding,
    };
    let huge: Vec<String> = ttls
        .iter()
        .filter(|(_, rtype, ttl)| {
            let limit = match rtype {
                RecordType::A | RecordType::AAAA | RecordType::CNAME => DAY,
                _ => 7 * DAY,
            };
            *ttl > limit
        })
        .map(|(name, rtype, ttl)| format!("{} {rtype} TTL {ttl}", show(name)))
        .collect();
    if huge.is_empty() {
        j.pass(
            &CHECK,
            format!("{} record sets within their TTL limits", ttls.len()),
        )
    } else {
        j.fail(&CHECK, format!("too long: {}", huge.join(", ")))
            .with_evidence("records", huge)
    }
}
