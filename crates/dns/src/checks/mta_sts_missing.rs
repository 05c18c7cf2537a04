use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.mta_sts.missing",
    agent: "dns",
    title: "No MTA-STS record for a domain that receives mail",
    severity: Severity::Low,
    what: "For a domain with MX records, fails when `_mta-sts.<domain>` has no `v=STSv1` TXT record. \
           Skipped for domains without MX. (The policy file itself is served over HTTPS and is not fetched.)",
    why: "Without MTA-STS, mail servers sending to the domain fall back to plaintext when STARTTLS is \
          stripped by an attacker on the path; mail to the product (support, billing) can be read.",
    fix: "Publish `_mta-sts.example.com. TXT \"v=STSv1; id=2026050101\"` and the policy at \
          `https://mta-sts.example.com/.well-known/mta-sts.txt`, starting in `mode: testing`.",
    references: &["https://www.rfc-editor.org/rfc/rfc8461"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let mx = match j.need(&CHECK, &j.view.mx) {
        Ok(mx) => mx,
        Err(finding) => return *finding,
    };
    if mx.is_empty() {
        return j.skipped(&CHECK, "the domain has no MX: it receives no mail");
    }
    let sts = match j.need(&CHECK, &j.view.mta_sts) {
        Ok(sts) => sts,
        Err(finding) => return *finding,
    };
    let apex = show(&j.view.domain.apex);
    match sts {
        Some(record) => j
            .pass(&CHECK, format!("_mta-sts.{apex} is published"))
            .with_evidence("mta_sts", record.as_str()),
        None => j.fail(&CHECK, format!("_mta-sts.{apex} has no v=STSv1 record")),
    }
}
