use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, ROW, RowToFind, Step};
use crate::catalog::Relation;
use crate::sql::{ident, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_update",
    agent: "postgres",
    title: "A tenant's user updates another tenant's row",
    severity: Severity::Critical,
    what: "With [postgres].allow_writes, as tenant A's user, attempts a no-op UPDATE of one of tenant B's rows, found \
           by its ctid inside a transaction that always rolls back (whatever the table's key). Fails when the row is \
           touched.",
    why: "A user who can update another tenant's rows can corrupt or take over that tenant's data.",
    fix: "Give UPDATE a policy whose USING pins the caller's tenant (rls.disabled or rls.policy_always_true usually \
          explains the gap).",
    references: &["https://www.postgresql.org/docs/current/sql-createpolicy.html"],
};

/// Updates, as A's user, one of B's rows (a no-op update).
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    if !case.writes || case.sample_b.is_none() {
        return Step::NotApplicable;
    }
    Step::attempt(
        Attempt::new(
            case.as_a,
            sql(case.probed.relation, &case.probed.tenant_column.name),
            Vec::new(),
        )
        .on_row(RowToFind::of_tenant(case.probed, &case.b.id)),
    )
}

fn sql(relation: &Relation, tenant_column: &str) -> String {
    format!(
        "update {} set {tc} = {tc} where {ROW}",
        qualified(&relation.schema, &relation.name),
        tc = ident(tenant_column)
    )
}
