use launchguard_core::{CheckDef, Severity};

pub static CHECK: CheckDef = CheckDef {
    id: "probe.control_failed",
    agent: "postgres",
    title: "Positive control failed: a tenant's user cannot see its own rows",
    severity: Severity::Medium,
    what: "Before probing a relation as tenant A's user, checks that this user sees A's own rows (which the service \
           role confirmed exist). When it does not, every tenant probe on that relation is inconclusive and \
           reported as `error`, never `pass`.",
    why: "RLS denials are silent (0 rows, no error). Without a positive control, wrong claims, a missing grant or a \
          deny-all table would make every cross-tenant probe look blocked: a false all-clear.",
    fix: "Check [postgres].claims_template and tenants against how the policies identify the tenant, and that the \
          authenticated role has SELECT on the relation. A deny-all table (rls.enabled_no_policy) also fails the \
          control until it gets its policies.",
    references: &["https://supabase.com/docs/guides/database/postgres/row-level-security"],
};
