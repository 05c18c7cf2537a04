use launchguard_core::{CheckDef, Severity};

use super::{AnonCase, Attempt, Step};
use crate::catalog::Relation;
use crate::sql::qualified;

pub static CHECK: CheckDef = CheckDef {
    id: "anon.read",
    agent: "postgres",
    title: "Anonymous API role reads tenant rows",
    severity: Severity::Critical,
    what: "As the anon role with no user claims, in a read-only transaction that rolls back, counts (at most 5) \
           rows of every exposed relation with the tenant column. Fails when any come back.",
    why: "The anon key ships in every browser bundle: whatever anon can read, the whole internet can read.",
    fix: "Enable RLS with policies that require a signed-in tenant member, or revoke SELECT from anon.",
    references: &["https://supabase.com/docs/guides/api/api-keys"],
};

/// Counts a few rows as anon.
pub(super) fn judge(case: &AnonCase<'_>) -> Step {
    Step::attempt(Attempt::new(
        case.anon,
        sql(case.probed.relation),
        Vec::new(),
    ))
}

fn sql(relation: &Relation) -> String {
    format!(
        "select count(*) from (select 1 from {} limit 5) s",
        qualified(&relation.schema, &relation.name)
    )
}
