use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.mx.cname",
    agent: "dns",
    title: "An MX record points at a CNAME",
    severity: Severity::Low,
    what: "Fails when an exchange named by the apex's MX records is itself a CNAME.",
    why: "RFC 2181 section 10.3 forbids it; some mail servers refuse or mis-route mail to such exchanges, \
          and the alias adds a name that can dangle.",
    fix: "Point the MX record at the canonical name (the CNAME's target) directly.",
    references: &["https://www.rfc-editor.org/rfc/rfc2181#section-10.3"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let mx = match j.need(&CHECK, &j.view.mx) {
        Ok(mx) => mx,
        Err(finding) => return *finding,
    };
    if mx.is_empty() {
        return j.skipped(&CHECK, "the domain has no MX");
    }
    let cnames = match j.need(&CHECK, &j.view.mx_cnames) {
        Ok(cnames) => cnames,
        Err(finding) => return *finding,
    };
    let exchanges: Vec<String> = mx.iter().map(show).collect();
    if cnames.is_empty() {
        j.pass(&CHECK, "no MX exchange is a CNAME")
            .with_evidence("mx", exchanges)
    } else {
        let aliased: Vec<String> = cnames
            .iter()
            .map(|(exchange, target)| format!("{} -> {}", show(exchange), show(target)))
            .collect();
        j.fail(
            &CHECK,
            format!("MX exchange {} is a CNAME", aliased.join(", ")),
        )
        .with_evidence("mx", exchanges)
        .with_evidence("aliased", aliased)
    }
}
