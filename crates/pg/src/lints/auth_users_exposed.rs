use launchguard_core::{CheckDef, Severity};

use super::Violation;
use crate::catalog::{Catalog, RelationKind};
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "auth.users_exposed",
    agent: "postgres",
    title: "auth.users exposed through a view",
    severity: Severity::Critical,
    what: "Fails for a view or materialized view in an exposed schema, readable by the API roles, that reads \
           `auth.users`. Matches splinter 0002 (auth_users_exposed).",
    why: "auth.users holds every user's e-mail address, phone and metadata across all tenants; a view over it \
          publishes them to the API.",
    fix: "Drop the view, or expose only the caller's own row through a security_invoker view with a `WHERE id = \
          auth.uid()` filter, kept in a schema the API does not expose.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0002_auth_users_exposed",
    ],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    catalog
        .relations
        .iter()
        .filter(|r| {
            matches!(r.kind, RelationKind::View | RelationKind::MaterializedView) && r.api_can_read
        })
        .filter(|r| {
            r.reads
                .iter()
                .filter_map(|oid| catalog.referenced.get(oid))
                .any(|t| t.schema == "auth" && t.name == "users")
        })
        .map(|r| {
            Violation::on(
                r,
                format!(
                    "{} {} exposes auth.users to the API",
                    r.kind.name(),
                    r.qualified_name()
                ),
            )
        })
        .collect()
}
