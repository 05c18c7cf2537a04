use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.ttl.zero",
    agent: "dns",
    title: "Records served with TTL 0",
    severity: Severity::Low,
    what: "Reads the TTLs a nameserver serves for the apex's SOA, NS, A and MX records and the configured \
           hosts' addresses. Fails on a TTL of 0.",
    why: "TTL 0 defeats caching: every visit costs a full resolution, resolution failures hit users at once, \
          and the nameservers carry all the load.",
    fix: "Use at least 60 seconds, and 300 or more for records that rarely change.",
    references: &["https://www.rfc-editor.org/rfc/rfc1035#section-3.2.1"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let ttls = match j.need(&CHECK, &j.view.ttls) {
        Ok(ttls) => ttls,
        Err(finding) => return *finding,
    };
    let zero: Vec<String> = ttls
        .iter()
        .filter(|(_, _, ttl)| *ttl == 0)
        .map(|(name, rtype, _)| format!("{} {rtype}", show(name)))
        .collect();
    if zero.is_empty() {
        j.pass(
            &CHECK,
            format!("{} record sets, none with TTL 0", ttls.len()),
        )
    } else {
        j.fail(&CHECK, format!("TTL 0 on {}", zero.join(", ")))
            .with_evidence("records", zero)
    }
}
