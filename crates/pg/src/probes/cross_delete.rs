use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, Step};
use crate::catalog::Relation;
use crate::sql::{ident, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_delete",
    agent: "postgres",
    title: "A tenant's user deletes another tenant's row",
    severity: Severity::Critical,
    what: "With [postgres].allow_writes, as tenant A's user, attempts to DELETE one of tenant B's rows by primary \
           key, in a transaction that always rolls back. Fails when the row is deleted.",
    why: "A user who can delete another tenant's rows can destroy that tenant's data.",
    fix: "Give DELETE a policy whose USING pins the caller's tenant, or revoke DELETE from the API roles.",
    references: &["https://www.postgresql.org/docs/current/sql-createpolicy.html"],
};

/// Deletes, as A's user, B's sample row by key.
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    let (Some(key), Some(key_b)) = (
        case.write_key,
        case.sample_b.as_ref().and_then(|s| s.key.as_ref()),
    ) else {
        return Step::NotApplicable;
    };
    Step::Attempt(Attempt::new(
        case.as_a,
        sql(case.probed.relation, key),
        vec![key_b.clone()],
    ))
}

fn sql(relation: &Relation, key: &str) -> String {
    let key_type = relation
        .column(key)
        .map_or("text", |c| c.type_name.as_str());
    format!(
        "delete from {} where {} = $1::text::{key_type}",
        qualified(&relation.schema, &relation.name),
        ident(key)
    )
}
