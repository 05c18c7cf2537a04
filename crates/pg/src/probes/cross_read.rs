use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, Step};
use crate::catalog::{Column, Relation};
use crate::sql::{ident, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_read",
    agent: "postgres",
    title: "A tenant's user reads another tenant's rows",
    severity: Severity::Critical,
    what: "As the authenticated role with tenant A's claims, in a read-only transaction that rolls back, counts \
           (at most 5) rows of tenant B in every exposed table, view, materialized view and partition with the \
           tenant column; then the same as each [postgres].backend_roles role with A's claims (a role that owns the \
           table skips its policies). Fails when any come back. Evidence holds counts, never B's data; the finding \
           names the lint that explains it.",
    why: "This is the leak tenant isolation exists to prevent, proven with a real query rather than inferred from \
          the catalog.",
    fix: "Fix the cause the linked lint names (RLS disabled, an always-true policy, a definer view, a materialized \
          view, an unprotected partition) so that every read path filters by the caller's tenant.",
    references: &["https://www.postgresql.org/docs/current/ddl-rowsecurity.html"],
};

/// Counts B's rows as A's user, then as each backend role with A's claims.
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    let sql = sql(case.probed.relation, case.probed.tenant_column);
    let mut own = Attempt::new(case.as_a, sql.clone(), vec![case.b.id.clone()]);
    if case.sample_b.is_none() {
        own.note = Some(format!("tenant {} has no rows", case.b.id));
    }
    let mut attempts = vec![own];
    for (role, backend) in case.backends {
        let mut attempt = Attempt::new(backend, sql.clone(), vec![case.b.id.clone()]);
        attempt.who = Some(format!(
            "as backend role {role} with tenant {}'s claims against tenant {}",
            case.a.id, case.b.id
        ));
        attempts.push(attempt);
    }
    Step::Attempts(attempts)
}

/// Counts up to 5 rows of the tenant given as `$1`.
pub(super) fn sql(relation: &Relation, tenant_column: &Column) -> String {
    format!(
        "select count(*) from (select 1 from {} t where t.{} = $1::text::{} limit 5) s",
        qualified(&relation.schema, &relation.name),
        ident(&tenant_column.name),
        tenant_column.type_name
    )
}
