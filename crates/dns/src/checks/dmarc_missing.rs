use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::{organisational_domain, show};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.dmarc.missing",
    agent: "dns",
    title: "No DMARC record",
    severity: Severity::High,
    what: "Looks for a `v=DMARC1` TXT record at `_dmarc.<domain>` and, failing that, at `_dmarc.` of the \
           organisational domain (by the public suffix list), as receivers do. Fails when neither exists.",
    why: "Without DMARC, receivers have no policy for mail that fails SPF and DKIM: forged mail in the \
          product's name is judged by each receiver's heuristics, and nobody receives reports about it.",
    fix: "Publish `_dmarc.example.com. TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com\"`, \
          review the reports, then move to `p=reject`.",
    references: &["https://www.rfc-editor.org/rfc/rfc7489#section-6.6.3"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let found = match j.need(&CHECK, &j.view.dmarc) {
        Ok(found) => found,
        Err(finding) => return *finding,
    };
    let apex = &j.view.domain.apex;
    match found {
        Some(dmarc) => j
            .pass(&CHECK, format!("DMARC published at {}", show(&dmarc.at)))
            .with_evidence("dmarc", dmarc.text.as_str()),
        None => {
            let mut asked = vec![format!("_dmarc.{}", show(apex))];
            if let Some(org) = organisational_domain(apex).filter(|o| o != apex) {
                asked.push(format!("_dmarc.{}", show(&org)));
            }
            j.fail(&CHECK, format!("no DMARC record at {}", asked.join(" or ")))
                .with_evidence("names_asked", asked)
        }
    }
}
