use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::{End, show};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.wildcard.unexpected",
    agent: "dns",
    title: "A wildcard where none is declared, or none where one is",
    severity: Severity::Medium,
    what: "Resolves a random label under the apex: it must not resolve unless the tenant wildcard is \
           `*.<apex>`. With a tenant wildcard, random labels under it must resolve. Fails on either \
           mismatch.",
    why: "An undeclared wildcard makes every mistyped or forgotten name resolve (phishing look-alikes, \
          cookies scoped to the apex sent to whatever answers) and hides dangling records. A declared \
          tenant wildcard that does not exist means new tenants' hostnames do not resolve.",
    fix: "Remove the wildcard record that is not meant to exist, or declare it as `tenant_wildcard`; create \
          the tenant wildcard record if it is missing.",
    references: &["https://www.rfc-editor.org/rfc/rfc4592"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let apex = show(&j.view.domain.apex);
    if let Some(probe) = &j.view.apex_probe {
        match &probe.end {
            Ok(End::NxDomain) => {}
            Ok(End::NoData) if probe.cnames.is_empty() => {
                return j
                    .fail(
                        &CHECK,
                        format!("a random name under {apex} exists (wildcard without addresses)"),
                    )
                    .with_evidence("probe", probe.describe());
            }
            Ok(_) => {
                return j
                    .fail(
                        &CHECK,
                        format!("a random name under {apex} resolves: an undeclared wildcard"),
                    )
                    .with_evidence("probe", probe.describe());
            }
            Err(reason) => return j.error(&CHECK, format!("not verified: {reason}")),
        }
    }
    if let Some(base) = &j.view.domain.wildcard_base {
        let missing = j
            .view
            .wildcard_probes
            .iter()
            .find(|c| matches!(c.end, Ok(End::NxDomain)) && c.cnames.is_empty());
        if let Some(chain) = missing {
            return j
                .fail(
                    &CHECK,
                    format!(
                        "the declared tenant wildcard *.{} does not exist",
                        show(base)
                    ),
                )
                .with_evidence("probe", chain.describe());
        }
        if let Some(Err(reason)) = j
            .view
            .wildcard_probes
            .iter()
            .map(|c| &c.end)
            .find(|e| e.is_err())
        {
            return j.error(&CHECK, format!("not verified: {reason}"));
        }
        return j.pass(
            &CHECK,
            format!("the only wildcard is the declared *.{}", show(base)),
        );
    }
    j.pass(&CHECK, format!("no wildcard under {apex}"))
}
