use launchguard_core::{CheckDef, Severity};

use super::{AnonCase, Attempt, ROW, RowToFind, Step};
use crate::catalog::Relation;
use crate::sql::{ident, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "anon.write",
    agent: "postgres",
    title: "Anonymous API role can change tenant rows",
    severity: Severity::Critical,
    what: "With [postgres].allow_writes, as the anon role, attempts a no-op UPDATE (tenant column set to itself) of \
           one row, found by its ctid inside a transaction that always rolls back (whatever the table's key). Fails \
           when the row is touched.",
    why: "Anyone with the public anon key could alter or, by the same path, destroy every tenant's data.",
    fix: "Enable RLS with write policies that require a signed-in tenant member, or revoke INSERT/UPDATE/DELETE from \
          anon.",
    references: &["https://supabase.com/docs/guides/api/api-keys"],
};

/// A no-op update, as anon, of any row of a table writes may touch.
pub(super) fn judge(case: &AnonCase<'_>) -> Step {
    match &case.writable_row {
        Ok(false) => Step::NotApplicable,
        Ok(true) => Step::attempt(
            Attempt::new(
                case.anon,
                sql(case.probed.relation, &case.probed.tenant_column.name),
                Vec::new(),
            )
            .on_row(RowToFind::any(case.probed.relation)),
        ),
        Err(reason) => Step::Unverified(reason.clone()),
    }
}

/// A no-op update of the found row.
fn sql(relation: &Relation, tenant_column: &str) -> String {
    format!(
        "update {} set {tc} = {tc} where {ROW}",
        qualified(&relation.schema, &relation.name),
        tc = ident(tenant_column)
    )
}
