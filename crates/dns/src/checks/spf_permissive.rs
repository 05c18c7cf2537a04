use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::email::{AllQualifier, parse_spf};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.spf.permissive",
    agent: "dns",
    title: "SPF allows every sender (`+all` or `?all`)",
    severity: Severity::High,
    what: "Fails when the apex's SPF record ends in `+all` (or a bare `all`), which authorises every host on \
           the internet, or `?all`, which says nothing about hosts not listed. The first `all` counts: \
           receivers never evaluate what follows it (`+all -all` authorises everyone).",
    why: "With `+all` anyone can send mail that passes SPF for the domain, and DMARC then passes on SPF \
          alignment: forged mail is authenticated. `?all` gives receivers no signal either.",
    fix: "End the record with `-all` (or `~all` while DMARC reports are reviewed) after listing every \
          legitimate sender.",
    references: &["https://www.rfc-editor.org/rfc/rfc7208#section-5.1"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let records = match j.need(&CHECK, &j.view.spf) {
        Ok(records) => records,
        Err(finding) => return *finding,
    };
    let permissive: Vec<&String> = records
        .iter()
        .filter(|r| {
            matches!(
                parse_spf(r).all,
                Some(AllQualifier::Pass | AllQualifier::Neutral)
            )
        })
        .collect();
    if records.is_empty() {
        return j.skipped(&CHECK, "no SPF record (see dns.spf.missing)");
    }
    match permissive.first() {
        Some(record) => {
            let qualifier = match parse_spf(record).all {
                Some(AllQualifier::Neutral) => "?all (neutral)",
                _ => "+all (every sender passes)",
            };
            j.fail(&CHECK, format!("the SPF record ends in {qualifier}"))
                .with_evidence("spf", record.as_str())
        }
        None => j.pass(&CHECK, "SPF does not authorise every sender"),
    }
}
