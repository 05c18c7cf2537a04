use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::email::parse_dmarc;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.dmarc.weak",
    agent: "dns",
    title: "DMARC policy is `none`",
    severity: Severity::Medium,
    what: "Fails when the DMARC record that applies to the domain has `p=none`, no valid `p=` tag, or the \
           tag more than once with different values (receivers may apply either). When the record is \
           inherited from the organisational domain, its `sp=` (subdomain policy) applies when present.",
    why: "`p=none` only monitors: receivers deliver forged mail as if there were no DMARC. It is a first \
          step, not a launch setting.",
    fix: "After reviewing the aggregate reports, set `p=quarantine` and then `p=reject` (and `sp=` for \
          subdomains).",
    references: &["https://www.rfc-editor.org/rfc/rfc7489#section-6.3"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let found = match j.need(&CHECK, &j.view.dmarc) {
        Ok(found) => found,
        Err(finding) => return *finding,
    };
    let Some(found) = found else {
        return j.skipped(&CHECK, "no DMARC record (see dns.dmarc.missing)");
    };
    let dmarc = parse_dmarc(&found.text);
    let (tag, policy) = match (&dmarc.subdomain_policy, found.inherited) {
        (Some(sp), true) => ("sp", Some(sp.clone())),
        _ => ("p", dmarc.policy.clone()),
    };
    let at = show(&found.at);
    let conflict = dmarc
        .conflicting
        .iter()
        .find(|(name, _)| *name == tag)
        .map(|(_, values)| values);
    let finding = if let Some(values) = conflict {
        let shown: Vec<String> = values
            .iter()
            .map(|v| v.escape_debug().to_string())
            .collect();
        j.fail(
            &CHECK,
            format!(
                "DMARC at {at} gives {tag}= more than once ({}): receivers may apply either",
                shown.join(", ")
            ),
        )
    } else {
        match policy.as_deref() {
            Some("quarantine" | "reject") => j.pass(
                &CHECK,
                format!(
                    "DMARC {tag}={} at {at}",
                    policy.as_deref().unwrap_or_default()
                ),
            ),
            Some("none") => j.fail(
                &CHECK,
                format!("DMARC at {at} has {tag}=none: forged mail is delivered"),
            ),
            Some(other) => j.fail(
                &CHECK,
                format!(
                    "DMARC at {at} has an invalid {tag}={}",
                    other.escape_debug()
                ),
            ),
            None => j.fail(
                &CHECK,
                format!("DMARC at {at} has no p= tag; receivers ignore it"),
            ),
        }
    };
    finding
        .with_evidence("dmarc", found.text.as_str())
        .with_evidence("inherited_from_organisational_domain", found.inherited)
}
