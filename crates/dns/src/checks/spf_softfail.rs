use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::email::{AllQualifier, parse_spf};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.spf.softfail",
    agent: "dns",
    title: "SPF ends in `~all` (soft fail)",
    severity: Severity::Low,
    what: "Fails when the apex's SPF record ends in `~all`.",
    why: "Soft fail asks receivers to accept but mark mail from unlisted hosts; many deliver it. It is the \
          right setting while DMARC reports are being reviewed, not for a launched product.",
    fix: "Once DMARC reports show every legitimate sender listed, change `~all` to `-all`.",
    references: &["https://www.rfc-editor.org/rfc/rfc7208#section-8.5"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let records = match j.need(&CHECK, &j.view.spf) {
        Ok(records) => records,
        Err(finding) => return *finding,
    };
    if records.is_empty() {
        return j.skipped(&CHECK, "no SPF record (see dns.spf.missing)");
    }
    match records
        .iter()
        .find(|r| parse_spf(r).all == Some(AllQualifier::SoftFail))
    {
        Some(record) => j
            .fail(&CHECK, "the SPF record ends in ~all")
            .with_evidence("spf", record.as_str()),
        None => j.pass(&CHECK, "SPF does not end in ~all"),
    }
}
