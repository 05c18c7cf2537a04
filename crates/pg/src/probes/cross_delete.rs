use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, ROW, RowToFind, Step};
use crate::catalog::Relation;
use crate::sql::qualified;

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_delete",
    agent: "postgres",
    title: "A tenant's user deletes another tenant's row",
    severity: Severity::Critical,
    what: "With [postgres].allow_writes, as tenant A's user, attempts to DELETE one of tenant B's rows, found by its \
           ctid inside a transaction that always rolls back (whatever the table's key). Fails when the row is \
           deleted.",
    why: "A user who can delete another tenant's rows can destroy that tenant's data.",
    fix: "Give DELETE a policy whose USING pins the caller's tenant, or revoke DELETE from the API roles.",
    references: &["https://www.postgresql.org/docs/current/sql-createpolicy.html"],
};

/// Deletes, as A's user, one of B's rows.
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    if !case.writes || case.sample_b.is_none() {
        return Step::NotApplicable;
    }
    Step::attempt(
        Attempt::new(case.as_a, sql(case.probed.relation), Vec::new())
            .on_row(RowToFind::of_tenant(case.probed, &case.b.id)),
    )
}

fn sql(relation: &Relation) -> String {
    format!(
        "delete from {} where {ROW}",
        qualified(&relation.schema, &relation.name)
    )
}
