use launchguard_core::{CheckDef, Severity};

use super::{AnonCase, Attempt, Step};
use crate::catalog::Relation;
use crate::sql::{ident, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "anon.write",
    agent: "postgres",
    title: "Anonymous API role can change tenant rows",
    severity: Severity::Critical,
    what: "With [postgres].allow_writes, as the anon role, attempts a no-op UPDATE (tenant column set to itself) of \
           one row by primary key, in a transaction that always rolls back. Fails when the row is touched.",
    why: "Anyone with the public anon key could alter or, by the same path, destroy every tenant's data.",
    fix: "Enable RLS with write policies that require a signed-in tenant member, or revoke INSERT/UPDATE/DELETE from \
          anon.",
    references: &["https://supabase.com/docs/guides/api/api-keys"],
};

/// A no-op update, as anon, of any row of a table writes may touch.
pub(super) fn judge(case: &AnonCase<'_>) -> Step {
    match &case.row_to_write {
        None => Step::NotApplicable,
        Some(Ok(row)) => Step::Attempt(Attempt::new(
            case.anon,
            sql(
                case.probed.relation,
                row.key_column,
                &case.probed.tenant_column.name,
            ),
            vec![row.key.clone()],
        )),
        Some(Err(reason)) => Step::Unverified(reason.clone()),
    }
}

/// A no-op update of the row whose `key` is `$1`.
fn sql(relation: &Relation, key: &str, tenant_column: &str) -> String {
    let column = relation
        .column(key)
        .map_or("text", |c| c.type_name.as_str());
    format!(
        "update {} set {tc} = {tc} where {} = $1::text::{column}",
        qualified(&relation.schema, &relation.name),
        ident(key),
        tc = ident(tenant_column)
    )
}
