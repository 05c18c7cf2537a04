use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, ROW, RowToFind, Step};
use crate::catalog::{Column, Relation};
use crate::sql::{ident, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.row_move",
    agent: "postgres",
    title: "A tenant's user moves its own row into another tenant",
    severity: Severity::High,
    what: "With [postgres].allow_writes, as tenant A's user, attempts to UPDATE one of A's own rows so that its \
           tenant column says B, in two forms, each in a transaction that always rolls back: with a filter (the row \
           found by its ctid inside the transaction) and without one. PostgreSQL applies SELECT policies to the new \
           row when the UPDATE reads a column (a WHERE clause does), so a policy whose WITH CHECK does not pin the \
           tenant is often only exploitable without a filter; that form stops after one row, through a \
           transaction-local counter that reads no column. Fails when a row moves.",
    why: "Moving rows into another tenant plants data there: fake invoices, messages or documents that the victim \
          tenant will trust.",
    fix: "Give UPDATE a WITH CHECK that pins the caller's tenant (rls.check_not_tenant_scoped names the policy).",
    references: &["https://www.postgresql.org/docs/current/sql-createpolicy.html"],
};

/// Counts the rows the unfiltered UPDATE has reached in this transaction: true for the first only.
/// It reads no column of the table, so the UPDATE still needs no SELECT rights.
const FIRST_ROW_ONLY: &str = "set_config('launchguard.rows_moved', \
     (coalesce(nullif(current_setting('launchguard.rows_moved', true), ''), '0')::int + 1)::text, true) = '1'";

/// Moves, as A's user, one of A's rows to B: found by ctid, then without a filter.
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    if !case.writes || case.sample_a.is_none() {
        return Step::NotApplicable;
    }
    let (relation, tenant_column) = (case.probed.relation, case.probed.tenant_column);
    let filtered = Attempt::new(
        case.as_a,
        filtered_sql(relation, tenant_column),
        vec![case.b.id.clone()],
    )
    .on_row(RowToFind::of_tenant(case.probed, &case.a.id))
    .variant("UPDATE of one row by ctid");
    let unfiltered = Attempt::new(
        case.as_a,
        unfiltered_sql(relation, tenant_column),
        vec![case.b.id.clone()],
    )
    .variant("UPDATE without a filter, stopped after the first row its policy admits");
    Step::Attempts(vec![filtered, unfiltered])
}

/// Moves the found row to the tenant `$3`.
fn filtered_sql(relation: &Relation, tenant_column: &Column) -> String {
    format!(
        "update {} set {} = $3::text::{} where {ROW}",
        qualified(&relation.schema, &relation.name),
        ident(&tenant_column.name),
        tenant_column.type_name
    )
}

/// Moves the first row the UPDATE policy lets through to the tenant `$1`.
fn unfiltered_sql(relation: &Relation, tenant_column: &Column) -> String {
    format!(
        "update {} set {} = $1::text::{} where {FIRST_ROW_ONLY}",
        qualified(&relation.schema, &relation.name),
        ident(&tenant_column.name),
        tenant_column.type_name
    )
}
