use launchguard_core::{CheckDef, Severity};

use super::{Violation, exposed_tables};
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.owner_bypass",
    agent: "postgres",
    title: "The API's own role owns a table without FORCE ROW LEVEL SECURITY",
    severity: Severity::High,
    what: "Fails for an exposed table with RLS enabled, not forced, and owned by a role the API or the backend \
           connects as (anon, authenticated, the authenticator, [postgres].backend_roles). No splinter equivalent.",
    why: "A table's owner skips its RLS policies unless FORCE ROW LEVEL SECURITY is set. Every query the backend \
          sends as the owner sees every tenant's rows, however correct the policies look.",
    fix: "Transfer ownership to a migration role the application never connects as (ALTER TABLE ... OWNER TO), or \
          ALTER TABLE ... FORCE ROW LEVEL SECURITY.",
    references: &["https://www.postgresql.org/docs/current/ddl-rowsecurity.html"],
};

pub(crate) fn lint(catalog: &Catalog, settings: &Settings) -> Vec<Violation> {
    let api_roles = settings.api_roles();
    exposed_tables(catalog)
        .filter(|r| r.rls && !r.force_rls && api_roles.contains(&r.owner))
        .map(|r| {
            Violation::on(
                r,
                format!(
                    "{} is owned by {}, which the application connects as, and RLS is not forced",
                    r.qualified_name(),
                    r.owner
                ),
            )
            .with("owner", r.owner.as_str())
        })
        .collect()
}
