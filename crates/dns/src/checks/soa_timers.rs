use hickory_proto::rr::RData;
use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.soa.timers",
    agent: "dns",
    title: "SOA timers outside the usual ranges",
    severity: Severity::Low,
    what: "Reads the apex's SOA from the first authoritative nameserver. Fails when refresh is under 4 hours \
           (14400), retry under 1 hour or not below refresh, expire under 7 days or not above refresh, or \
           the negative-caching minimum outside 5 minutes to 1 day (the ranges Zonemaster's ZONE02-06 use).",
    why: "A short expire makes secondaries drop the zone during a primary outage; a long negative TTL keeps \
          a newly created name (a new tenant) unresolvable for a day; very short refresh and retry load \
          the primary.",
    fix: "Typical values: refresh 14400-86400, retry 3600-7200, expire 1209600-2419200, minimum 300-3600.",
    references: &["https://www.rfc-editor.org/rfc/rfc1912#section-2.2"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let servers = match j.servers(&CHECK) {
        Ok(servers) => servers,
        Err(finding) => return *finding,
    };
    let soa = servers.iter().find_map(|s| match &s.soa {
        Ok(answer) if answer.authoritative => answer.answers.iter().find_map(|r| match &r.data {
            RData::SOA(soa) => Some(soa.clone()),
            _ => None,
        }),
        _ => None,
    });
    let Some(soa) = soa else {
        return j.error(
            &CHECK,
            "not verified: no nameserver served the SOA authoritatively",
        );
    };
    let mut problems = Vec::new();
    if soa.refresh < 14_400 {
        problems.push(format!("refresh {} < 14400", soa.refresh));
    }
    if soa.retry < 3_600 || soa.retry >= soa.refresh {
        problems.push(format!(
            "retry {} (must be >= 3600 and below refresh)",
            soa.retry
        ));
    }
    if soa.expire < 604_800 || soa.expire <= soa.refresh {
        problems.push(format!(
            "expire {} (must be >= 604800 and above refresh)",
            soa.expire
        ));
    }
    if !(300..=86_400).contains(&soa.minimum) {
        problems.push(format!("minimum {} (must be 300 to 86400)", soa.minimum));
    }
    let timers = format!(
        "refresh={} retry={} expire={} minimum={}",
        soa.refresh, soa.retry, soa.expire, soa.minimum
    );
    if problems.is_empty() {
        j.pass(&CHECK, timers)
    } else {
        j.fail(&CHECK, problems.join("; "))
            .with_evidence("soa", timers)
    }
}
