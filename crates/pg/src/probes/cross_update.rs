use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, Step};
use crate::catalog::Relation;
use crate::sql::{ident, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_update",
    agent: "postgres",
    title: "A tenant's user updates another tenant's row",
    severity: Severity::Critical,
    what: "With [postgres].allow_writes, as tenant A's user, attempts a no-op UPDATE of one of tenant B's rows by \
           primary key, in a transaction that always rolls back. Fails when the row is touched.",
    why: "A user who can update another tenant's rows can corrupt or take over that tenant's data.",
    fix: "Give UPDATE a policy whose USING pins the caller's tenant (rls.disabled or rls.policy_always_true usually \
          explains the gap).",
    references: &["https://www.postgresql.org/docs/current/sql-createpolicy.html"],
};

/// Updates, as A's user, B's sample row by key (a no-op update).
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    let (Some(key), Some(key_b)) = (
        case.write_key,
        case.sample_b.as_ref().and_then(|s| s.key.as_ref()),
    ) else {
        return Step::NotApplicable;
    };
    Step::Attempt(Attempt::new(
        case.as_a,
        sql(case.probed.relation, &case.probed.tenant_column.name, key),
        vec![key_b.clone()],
    ))
}

fn sql(relation: &Relation, tenant_column: &str, key: &str) -> String {
    let key_type = relation
        .column(key)
        .map_or("text", |c| c.type_name.as_str());
    format!(
        "update {} set {tc} = {tc} where {} = $1::text::{key_type}",
        qualified(&relation.schema, &relation.name),
        ident(key),
        tc = ident(tenant_column)
    )
}
