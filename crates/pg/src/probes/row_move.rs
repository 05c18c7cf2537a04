use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, Step};
use crate::catalog::{Column, Relation};
use crate::sql::{ident, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.row_move",
    agent: "postgres",
    title: "A tenant's user moves its own row into another tenant",
    severity: Severity::High,
    what: "With [postgres].allow_writes, as tenant A's user, attempts to UPDATE one of A's own rows (by primary key) \
           so that its tenant column says B, in a transaction that always rolls back. Fails when the row moves. \
           (PostgreSQL also applies SELECT policies to the new row when the UPDATE has a WHERE clause, so a \
           filtered move is blocked more often than the policy text suggests.)",
    why: "Moving rows into another tenant plants data there: fake invoices, messages or documents that the victim \
          tenant will trust.",
    fix: "Give UPDATE a WITH CHECK that pins the caller's tenant (rls.check_not_tenant_scoped names the policy).",
    references: &["https://www.postgresql.org/docs/current/sql-createpolicy.html"],
};

/// Moves, as A's user, A's sample row to B.
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    let (Some(key), Some(key_a)) = (
        case.write_key,
        case.sample_a.as_ref().and_then(|s| s.key.as_ref()),
    ) else {
        return Step::NotApplicable;
    };
    Step::Attempt(Attempt::new(
        case.as_a,
        sql(case.probed.relation, case.probed.tenant_column, key),
        vec![case.b.id.clone(), key_a.clone()],
    ))
}

/// Moves the row whose key is `$2` to the tenant `$1`.
fn sql(relation: &Relation, tenant_column: &Column, key: &str) -> String {
    let key_type = relation
        .column(key)
        .map_or("text", |c| c.type_name.as_str());
    format!(
        "update {} set {} = $1::text::{tenant_type} where {} = $2::text::{key_type}",
        qualified(&relation.schema, &relation.name),
        ident(&tenant_column.name),
        ident(key),
        tenant_type = tenant_column.type_name
    )
}
