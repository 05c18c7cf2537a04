use launchguard_core::{CheckDef, Severity};

use super::policy_always_true::is_always_true;
use super::{Violation, api_policies, mentions};
use crate::catalog::{Catalog, PolicyCommand};
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.check_not_tenant_scoped",
    agent: "postgres",
    title: "INSERT/UPDATE check does not pin the tenant",
    severity: Severity::High,
    what: "On tables with a tenant column, fails for a permissive INSERT, UPDATE or ALL policy for the API roles \
           whose WITH CHECK (or, for UPDATE and ALL without one, the USING that PostgreSQL falls back to) does not \
           reference the tenant column. Always-true checks are reported by rls.policy_always_true instead. No \
           splinter equivalent.",
    why: "The check decides which rows may be written. A check such as `author_id = auth.uid()` lets a user of \
          tenant A insert rows claiming tenant B (with `Prefer: return=minimal`, which skips the SELECT policy), \
          planting data in another tenant.",
    fix: "Make every write check pin the tenant as well, e.g. `WITH CHECK (tenant_id = current_tenant() AND \
          author_id = auth.uid())`.",
    references: &["https://www.postgresql.org/docs/current/sql-createpolicy.html"],
};

pub(crate) fn lint(catalog: &Catalog, settings: &Settings) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (policy, relation) in api_policies(catalog, settings) {
        if !matches!(
            policy.command,
            PolicyCommand::Insert | PolicyCommand::Update | PolicyCommand::All
        ) {
            continue;
        }
        if relation.column(&settings.tenant_column).is_none() {
            continue;
        }
        // Without WITH CHECK, USING checks the new rows too (except for INSERT, which has none).
        let effective = match (policy.check.as_deref(), policy.command) {
            (Some(check), _) => Some(check),
            (None, PolicyCommand::Insert) => None,
            (None, _) => policy.using.as_deref(),
        };
        let Some(check) = effective else { continue };
        // Always-true checks are rls.policy_always_true's finding.
        if is_always_true(check) || mentions(check, &settings.tenant_column) {
            continue;
        }
        let mut v = Violation::on(
            relation,
            format!(
                "policy \"{}\" ({}) on {} lets rows be written without pinning {}",
                policy.name,
                policy.command.name(),
                relation.qualified_name(),
                settings.tenant_column
            ),
        )
        .with("policy", policy.name.as_str())
        .with("command", policy.command.name())
        .with("check", check);
        v.stable_key = policy.name.clone();
        violations.push(v);
    }
    violations
}
