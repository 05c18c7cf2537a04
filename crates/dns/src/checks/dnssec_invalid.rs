use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::dnssec::Validation;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.dnssec.invalid",
    agent: "dns",
    title: "DNSSEC validation fails (bogus)",
    severity: Severity::Critical,
    what: "Validates the apex's SOA from the trust anchor (the IANA root keys, or `[dns].trust_anchor`) \
           down through DS and DNSKEY records. Fails when the zone is signed under a DS but the chain does \
           not verify: expired signatures, a DS that matches no key, tampered records.",
    why: "Validating resolvers (a large share of users, most public resolvers) answer SERVFAIL for a bogus \
          zone: the product is offline for them while it looks fine from a non-validating network.",
    fix: "Re-sign the zone (check the signer is running and its clock), or make the DS at the registrar \
          match the zone's key-signing key; if the keys are lost, remove the DS first and wait for its TTL.",
    references: &["https://www.rfc-editor.org/rfc/rfc4035#section-5"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let apex = show(&j.view.domain.apex);
    match j.need(&CHECK, &j.view.dnssec) {
        Ok(Validation::Bogus) => j.fail(
            &CHECK,
            format!("{apex} is bogus: its signatures do not validate"),
        ),
        Ok(Validation::Secure) => j.pass(&CHECK, format!("{apex} validates from the trust anchor")),
        Ok(Validation::Insecure) => j.pass(
            &CHECK,
            format!("{apex} is unsigned (no DS), nothing to be bogus"),
        ),
        Err(finding) => *finding,
    }
}
