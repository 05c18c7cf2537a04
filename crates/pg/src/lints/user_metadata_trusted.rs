use std::collections::BTreeSet;

use launchguard_core::{CheckDef, Severity};

use super::Violation;
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.user_metadata_trusted",
    agent: "postgres",
    title: "Policy trusts user-editable metadata",
    severity: Severity::Critical,
    what: "Fails for a policy whose expression reads `user_metadata` / `raw_user_meta_data`, directly or through \
           any chain of helper functions it calls. Matches splinter 0015 (rls_references_user_metadata), which only \
           looks at the policy text and misses helpers.",
    why: "Users can edit their own user_metadata (supabase.auth.updateUser). A policy that takes the tenant from it \
          lets anyone move themselves into any tenant; the dynamic probe tenant.claim_tamper demonstrates it.",
    fix: "Take the tenant from app_metadata (set only by the server) or from a membership table keyed by auth.uid(), \
          never from user_metadata.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0015_rls_references_user_metadata",
    ],
};

const MARKERS: [&str; 2] = ["user_metadata", "raw_user_meta_data"];

fn reads_metadata(text: &str) -> bool {
    MARKERS.iter().any(|m| text.contains(m))
}

fn calls(text: &str, function: &str) -> bool {
    text.match_indices(function).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + function.len()..].trim_start();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && after.starts_with('(')
    })
}

/// Functions whose body reads user metadata, directly or through other such functions.
fn tainted_functions(catalog: &Catalog) -> BTreeSet<String> {
    let mut tainted: BTreeSet<String> = catalog
        .functions
        .iter()
        .filter(|f| reads_metadata(&f.body))
        .map(|f| f.name.clone())
        .collect();
    loop {
        let more: Vec<String> = catalog
            .functions
            .iter()
            .filter(|f| !tainted.contains(&f.name) && tainted.iter().any(|t| calls(&f.body, t)))
            .map(|f| f.name.clone())
            .collect();
        if more.is_empty() {
            return tainted;
        }
        tainted.extend(more);
    }
}

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    let tainted = tainted_functions(catalog);
    let mut violations = Vec::new();
    for policy in &catalog.policies {
        let Some(relation) = catalog.relation(policy.relation) else {
            continue;
        };
        let text = format!(
            "{} {}",
            policy.using.as_deref().unwrap_or(""),
            policy.check.as_deref().unwrap_or("")
        );
        let via: Vec<&String> = tainted.iter().filter(|f| calls(&text, f)).collect();
        if !reads_metadata(&text) && via.is_empty() {
            continue;
        }
        let how = if via.is_empty() {
            "directly".to_owned()
        } else {
            format!(
                "through {}",
                via.iter()
                    .map(|f| format!("{f}()"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut v = Violation::on(
            relation,
            format!(
                "policy \"{}\" ({}) on {} reads user-editable metadata {how}",
                policy.name,
                policy.command.name(),
                relation.qualified_name()
            ),
        )
        .with("policy", policy.name.as_str())
        .with(
            "via_functions",
            via.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
        );
        v.stable_key = policy.name.clone();
        violations.push(v);
    }
    violations
}

#[cfg(test)]
mod tests {
    #[test]
    fn calls_needs_a_call_not_a_substring() {
        assert!(super::calls(
            "(tenant_id = public.tenant_from_metadata())",
            "tenant_from_metadata"
        ));
        assert!(!super::calls(
            "(tenant_id = my_tenant_from_metadata())",
            "tenant_from_metadata"
        ));
        assert!(!super::calls(
            "tenant_from_metadata_column",
            "tenant_from_metadata"
        ));
    }
}
