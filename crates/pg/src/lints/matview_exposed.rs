use launchguard_core::{CheckDef, Severity};

use super::Violation;
use crate::catalog::{Catalog, RelationKind};
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.matview_exposed",
    agent: "postgres",
    title: "Materialized view readable by the API roles",
    severity: Severity::High,
    what: "Fails for a materialized view in an exposed schema that anon or authenticated can SELECT. Matches splinter \
           0016 (materialized_view_in_api).",
    why: "Materialized views cannot have row-level security. One built over tenant data serves every tenant's \
          aggregated or copied rows to any API caller.",
    fix: "Revoke SELECT from the API roles and serve the data through a security_invoker view or a function that \
          filters by tenant, or move the materialized view to a schema the API does not expose.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0016_materialized_view_in_api",
    ],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    catalog
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::MaterializedView && r.api_can_read)
        .map(|r| {
            Violation::on(
                r,
                format!(
                    "materialized view {} is readable through the API and cannot have RLS",
                    r.qualified_name()
                ),
            )
        })
        .collect()
}
