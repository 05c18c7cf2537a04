use launchguard_core::{CheckDef, Severity};

use super::{Violation, exposed_tables};
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.disabled",
    agent: "postgres",
    title: "Row-level security disabled on an exposed table",
    severity: Severity::Critical,
    what: "Fails for every table in an exposed schema that API roles (anon, authenticated) hold privileges on \
           and that does not have row-level security enabled. Partitions are reported by rls.partition_unprotected \
           instead. Matches splinter 0013 (rls_disabled_in_public) and 0007 (policy_exists_rls_disabled).",
    why: "Without RLS, the table's grants are the only barrier. With Supabase's default grants that means every \
          row of every tenant can be read, changed and deleted by anyone holding the public anon key.",
    fix: "ALTER TABLE ... ENABLE ROW LEVEL SECURITY and add policies that pin every command to the caller's tenant; \
          or revoke the API roles' privileges if the table is not meant to be reached through the API.",
    references: &[
        "https://www.postgresql.org/docs/current/ddl-rowsecurity.html",
        "https://supabase.com/docs/guides/database/database-linter?lint=0013_rls_disabled_in_public",
    ],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    exposed_tables(catalog)
        .filter(|r| !r.rls && r.parent.is_none() && (r.api_can_read || r.api_can_write))
        .map(|r| {
            let has_policies = catalog.policies_of(r.oid).count();
            Violation::on(
                r,
                format!(
                    "{} has RLS disabled and the API roles can reach it",
                    r.qualified_name()
                ),
            )
            .with("api_can_read", r.api_can_read)
            .with("api_can_write", r.api_can_write)
            .with("policies_defined_but_inactive", has_policies as u64)
        })
        .collect()
}
