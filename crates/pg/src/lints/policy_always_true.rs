use launchguard_core::{CheckDef, Severity};

use super::{Violation, api_policies};
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.policy_always_true",
    agent: "postgres",
    title: "Permissive policy that is always true",
    severity: Severity::High,
    what: "Fails for a permissive policy that applies to the API roles and whose USING or WITH CHECK expression is \
           constantly true (`true`, `1 = 1`), including SELECT policies on tables with a tenant column, which \
           splinter 0024 (rls_policy_always_true) deliberately skips. High on tables with a tenant column, low \
           elsewhere (public reference data is often meant to be readable).",
    why: "Permissive policies are OR-ed: one that is always true opens the command to every row of every tenant, \
          whatever the other policies say.",
    fix: "Replace the expression with one that pins the tenant, e.g. `USING (tenant_id = current_tenant())`. If the \
          table is truly public, drop its tenant column or document the exception with a suppression.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0024_permissive_rls_policy",
    ],
};

pub(crate) fn is_always_true(expression: &str) -> bool {
    let normalized: String = expression
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect();
    matches!(
        normalized.to_ascii_lowercase().as_str(),
        "true" | "1=1" | "true::boolean"
    )
}

pub(crate) fn lint(catalog: &Catalog, settings: &Settings) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (policy, relation) in api_policies(catalog, settings) {
        let always_true: Vec<&str> = [("USING", &policy.using), ("WITH CHECK", &policy.check)]
            .into_iter()
            .filter(|(_, e)| e.as_deref().is_some_and(is_always_true))
            .map(|(clause, _)| clause)
            .collect();
        if always_true.is_empty() {
            continue;
        }
        let tenant_table = relation.column(&settings.tenant_column).is_some();
        let mut v = Violation::on(
            relation,
            format!(
                "policy \"{}\" ({}) on {} is always true in {}",
                policy.name,
                policy.command.name(),
                relation.qualified_name(),
                always_true.join(" and ")
            ),
        )
        .with("policy", policy.name.as_str())
        .with("command", policy.command.name())
        .with("tenant_column_present", tenant_table);
        v.stable_key = policy.name.clone();
        if !tenant_table {
            v.severity = Some(Severity::Low);
        }
        violations.push(v);
    }
    violations
}

#[cfg(test)]
mod tests {
    #[test]
    fn recognises_constant_truth_only() {
        for yes in ["true", "(true)", " 1 = 1 ", "(1 = 1)"] {
            assert!(super::is_always_true(yes), "{yes}");
        }
        for no in [
            "(tenant_id = current_tenant())",
            "is_public",
            "(true AND (tenant_id = x))",
        ] {
            assert!(!super::is_always_true(no), "{no}");
        }
    }
}
