use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.dnssec.expiring",
    agent: "dns",
    title: "DNSSEC signatures expire within 7 days",
    severity: Severity::High,
    what: "Reads the RRSIG records a nameserver serves for the apex's SOA and DNSKEY sets. Fails when the \
           earliest expires within 7 days (or has expired). Skipped for an unsigned zone.",
    why: "Signers re-sign well before expiry; a signature this close to expiring means re-signing stopped. \
          When it expires the zone turns bogus and validating resolvers stop resolving it. A weekly audit \
          catches it before that.",
    fix: "Check the signer (its service, its clock, its key access) and re-sign the zone.",
    references: &["https://www.rfc-editor.org/rfc/rfc4034#section-3.1.5"],
};

const WARN_DAYS: i64 = 7;

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let signatures = match j.need(&CHECK, &j.view.signatures) {
        Ok(signatures) => signatures,
        Err(finding) => return *finding,
    };
    let Some((rtype, earliest)) = signatures.iter().min_by_key(|(_, at)| *at) else {
        return j.skipped(
            &CHECK,
            "the zone serves no signatures (see dns.dnssec.unsigned)",
        );
    };
    let left = *earliest - j.view.now;
    let when = earliest
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| earliest.to_string());
    let finding = if left.whole_days() < WARN_DAYS {
        let message = if left.is_negative() {
            format!("the {rtype} signature expired at {when}")
        } else {
            format!(
                "the {rtype} signature expires at {when}, in {} hours",
                left.whole_hours()
            )
        };
        j.fail(&CHECK, message)
    } else {
        j.pass(
            &CHECK,
            format!(
                "the earliest signature ({rtype}) expires in {} days",
                left.whole_days()
            ),
        )
    };
    finding.with_evidence("earliest_expiration", when)
}
