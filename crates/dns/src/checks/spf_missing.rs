use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.spf.missing",
    agent: "dns",
    title: "No SPF record",
    severity: Severity::High,
    what: "Fails when the apex has no TXT record starting with `v=spf1`.",
    why: "Without SPF, receivers cannot tell the product's mail servers from anyone else's: mail forged in \
          the domain's name (password resets, invoices, tenant invitations) is more likely delivered. A \
          domain that sends no mail should say so with `v=spf1 -all`.",
    fix: "Publish one SPF record at the apex listing the services that send mail, ending in `-all` (or \
          `~all` while DMARC reports are reviewed): `v=spf1 include:_spf.mailprovider.example -all`.",
    references: &["https://www.rfc-editor.org/rfc/rfc7208"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let records = match j.need(&CHECK, &j.view.spf) {
        Ok(records) => records,
        Err(finding) => return *finding,
    };
    let apex = show(&j.view.domain.apex);
    if records.is_empty() {
        j.fail(&CHECK, format!("{apex} has no SPF record"))
    } else {
        j.pass(&CHECK, format!("{apex} publishes SPF"))
            .with_evidence("spf", records.clone())
    }
}
