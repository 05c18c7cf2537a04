use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::dnssec::Validation;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.dnssec.unsigned",
    agent: "dns",
    title: "The zone is not signed with DNSSEC",
    severity: Severity::Low,
    what: "Fails when validation proves the apex insecure: no DS record at the parent.",
    why: "Without DNSSEC, a resolver can be fed forged answers (cache poisoning, on-path attackers) that \
          send users and mail to an attacker, and CAs' domain validation can be fooled the same way.",
    fix: "Enable DNSSEC signing at the DNS provider and publish the DS record at the registrar.",
    references: &["https://www.rfc-editor.org/rfc/rfc4033"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let apex = show(&j.view.domain.apex);
    match j.need(&CHECK, &j.view.dnssec) {
        Ok(Validation::Insecure) => j.fail(
            &CHECK,
            format!("{apex} is not signed (no DS at the parent)"),
        ),
        Ok(Validation::Secure) => j.pass(&CHECK, format!("{apex} is signed and validates")),
        Ok(Validation::Bogus) => j.pass(
            &CHECK,
            format!("{apex} is signed (but bogus: see dns.dnssec.invalid)"),
        ),
        Err(finding) => *finding,
    }
}
