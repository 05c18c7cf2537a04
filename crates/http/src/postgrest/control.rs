use launchguard_core::{CheckDef, Finding, Severity};

use super::Observed;

pub static CHECK: CheckDef = CheckDef {
    id: "postgrest.control_failed",
    agent: "postgrest",
    title: "Positive control failed: a tenant's JWT sees none of its own rows",
    severity: Severity::High,
    what: "Each account's JWT reads every table selecting its own tenant; at least one answer must show one of \
           the account's canaries or a row with its tenant id. When an account sees nothing of its own, the \
           check is `error` and that account's cross-tenant verdicts cannot pass: an expired or wrong JWT makes \
           every table look isolated.",
    why: "RLS denies silently (0 rows, no error). Without a positive control, a broken test identity turns every \
          cross-tenant probe into a false pass.",
    fix: "Refresh the test users' JWTs (the variables named by jwt_env), check tenant_id and tenant_column, and \
          seed each tenant's canary in rows its user can read.",
    references: &["https://docs.postgrest.org/en/stable/references/auth.html"],
};

pub(crate) fn judge(observed: &Observed<'_>) -> Finding {
    let target = observed.agent.target.clone();
    let blind = observed.blind_accounts();
    if blind.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            "every account read some of its own tenant's rows",
        )
    } else {
        Finding::error(
            &CHECK,
            target,
            format!(
                "no table showed these accounts their own data: {}",
                blind.join(", ")
            ),
        )
        .with_evidence(
            "blind_accounts",
            blind.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }
}
