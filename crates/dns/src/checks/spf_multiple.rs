use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.spf.multiple",
    agent: "dns",
    title: "More than one SPF record",
    severity: Severity::High,
    what: "Fails when the apex has two or more TXT records starting with `v=spf1`.",
    why: "RFC 7208 section 4.5: with more than one SPF record the result is a permanent error, so SPF \
          protects nothing and DMARC's SPF alignment fails for legitimate mail too.",
    fix: "Merge the records into one (combine the `include:` and `ip4:` terms, keep one `all`).",
    references: &["https://www.rfc-editor.org/rfc/rfc7208#section-4.5"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let records = match j.need(&CHECK, &j.view.spf) {
        Ok(records) => records,
        Err(finding) => return *finding,
    };
    let apex = show(&j.view.domain.apex);
    match records.len() {
        0 => j.skipped(&CHECK, "no SPF record (see dns.spf.missing)"),
        1 => j.pass(&CHECK, format!("{apex} has one SPF record")),
        n => j
            .fail(&CHECK, format!("{apex} has {n} SPF records"))
            .with_evidence("spf", records.clone()),
    }
}
