use launchguard_core::{CheckDef, Severity};

use super::{Violation, exposed_tables};
use crate::catalog::{Catalog, Relation};
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.enabled_no_policy",
    agent: "postgres",
    title: "RLS enabled without any policy (deny-all)",
    severity: Severity::Low,
    what: "Fails for an exposed table with row-level security enabled and no policy at all. Such a table denies \
           every row to every role without BYPASSRLS. Matches splinter 0008 (rls_enabled_no_policy).",
    why: "It is not a leak, but it usually means policies were forgotten: the feature built on the table silently \
          returns nothing, and the tempting quick fix is to disable RLS. The dynamic probes skip such a table, \
          naming this check as the reason their positive control cannot pass.",
    fix: "Add the intended tenant-scoped policies, or revoke the API roles' privileges if the table is internal.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0008_rls_enabled_no_policy",
    ],
};

/// RLS on and no policy at all: no role without BYPASSRLS sees a row.
pub(crate) fn denies_all(catalog: &Catalog, relation: &Relation) -> bool {
    relation.kind.is_table() && relation.rls && catalog.policies_of(relation.oid).next().is_none()
}

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    exposed_tables(catalog)
        .filter(|r| denies_all(catalog, r))
        .map(|r| {
            Violation::on(
                r,
                format!(
                    "{} has RLS enabled and no policy: every API request sees no rows",
                    r.qualified_name()
                ),
            )
        })
        .collect()
}
