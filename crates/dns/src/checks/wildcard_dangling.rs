use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::{End, show};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.wildcard.dangling",
    agent: "dns",
    title: "The tenant wildcard points at a name that does not resolve",
    severity: Severity::Critical,
    what: "Resolves two random labels under the configured tenant wildcard and follows their CNAMEs. Fails \
           when the chain ends in NXDOMAIN or a name without addresses. Skipped without a tenant wildcard.",
    why: "A dangling wildcard hands every tenant subdomain, existing and future, to whoever claims the \
          target: one takeover serves all tenants' hostnames.",
    fix: "Point the wildcard at the live ingress (load balancer, CDN or platform hostname), or recreate the \
          resource it points at.",
    references: &["https://www.rfc-editor.org/rfc/rfc4592"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let Some(base) = &j.view.domain.wildcard_base else {
        return j.skipped(&CHECK, "no tenant_wildcard configured");
    };
    let probes = &j.view.wildcard_probes;
    if let Some(chain) = probes.iter().find(|c| c.dangles()) {
        return j
            .fail(
                &CHECK,
                format!("*.{} dangles: {}", show(base), chain.describe()),
            )
            .with_evidence("probe", chain.describe());
    }
    if let Some(chain) = probes
        .iter()
        .find(|c| matches!(c.end, Ok(End::Loop) | Err(_)))
    {
        return j.error(&CHECK, format!("not verified: {}", chain.describe()));
    }
    match probes
        .iter()
        .find(|c| matches!(c.end, Ok(End::Addresses(_))))
    {
        Some(chain) => j
            .pass(&CHECK, format!("*.{} resolves", show(base)))
            .with_evidence("probe", chain.describe()),
        None => j.skipped(
            &CHECK,
            format!(
                "random labels under {} do not resolve at all (see dns.wildcard.unexpected)",
                show(base)
            ),
        ),
    }
}
