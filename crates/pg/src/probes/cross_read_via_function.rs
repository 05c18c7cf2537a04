use launchguard_core::{CheckDef, Severity};

use super::{Attempt, FunctionCase, Step};
use crate::catalog::Function;
use crate::sql::{literal, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_read_via_function",
    agent: "postgres",
    title: "A function returns another tenant's rows",
    severity: Severity::Critical,
    what: "Calls every exposed, API-executable, STABLE or IMMUTABLE set-returning function without required \
           arguments whose rows carry the tenant column, as tenant A's user in a read-only transaction that rolls \
           back, and fails when rows of tenant B come back. VOLATILE functions are never called. Explained by \
           fn.security_definer_exposed when the function is a definer.",
    why: "RPC functions are part of the API (/rest/v1/rpc/<name>); one that runs as its owner returns every \
          tenant's rows to any caller.",
    fix: "Make the function SECURITY INVOKER so the caller's RLS applies, or filter by the caller's tenant inside it.",
    references: &[
        "https://supabase.com/docs/guides/database/functions#security-definer-vs-invoker",
    ],
};

/// Calls the function as A's user and counts B's rows among what it returns.
pub(super) fn judge(case: &FunctionCase<'_>) -> Step {
    Step::Attempt(Attempt::new(
        case.as_a,
        sql(case.function, case.tenant_column),
        vec![case.b.id.clone()],
    ))
}

/// Counts rows of the tenant `$1` among the first 1000 the function returns.
fn sql(function: &Function, tenant_column: &str) -> String {
    format!(
        "select count(*) from (select to_jsonb(x) as j from {}() x limit 1000) s where s.j ->> {} = $1",
        qualified(&function.schema, &function.name),
        literal(tenant_column)
    )
}
