use launchguard_core::{CheckDef, Severity};

use super::Violation;
use crate::catalog::{Catalog, RelationKind};
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.view_bypass",
    agent: "postgres",
    title: "View over a protected table without security_invoker",
    severity: Severity::Critical,
    what: "Fails for a view in an exposed schema, readable by the API roles, without `security_invoker`, that reads \
           a table with RLS enabled while the view's owner escapes that RLS (superuser, BYPASSRLS, or the table's \
           owner without FORCE). Matches splinter 0010 (security_definer_view), narrowed to views that really \
           bypass a policy.",
    why: "A view runs with its owner's rights. Over a protected table it returns every tenant's rows to anyone \
          allowed to query the view.",
    fix: "ALTER VIEW ... SET (security_invoker = true) (PostgreSQL 15+), or revoke the API roles' access to the view.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0010_security_definer_view",
    ],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    let mut violations = Vec::new();
    for view in catalog
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::View && !r.security_invoker && r.api_can_read)
    {
        let owner_escapes = |table_owner: &str, forced: bool| {
            catalog
                .roles
                .get(&view.owner)
                .is_some_and(|o| o.superuser || o.bypass_rls)
                || (view.owner == table_owner && !forced)
        };
        let bypassed: Vec<String> = view
            .reads
            .iter()
            .filter_map(|oid| catalog.referenced.get(oid))
            .filter(|t| t.rls && owner_escapes(&t.owner, t.force_rls))
            .map(|t| format!("{}.{}", t.schema, t.name))
            .collect();
        if !bypassed.is_empty() {
            violations.push(
                Violation::on(
                    view,
                    format!(
                        "view {} runs as {} and reads {} past its RLS policies",
                        view.qualified_name(),
                        view.owner,
                        bypassed.join(", ")
                    ),
                )
                .with("view_owner", view.owner.as_str())
                .with("protected_tables", bypassed),
            );
        }
    }
    violations
}
