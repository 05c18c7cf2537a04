use launchguard_core::{CheckDef, Finding, Severity};

use super::SelectorRun;

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.http_control_failed",
    agent: "tenants",
    title: "Positive control failed: an account cannot read its own tenant's canary",
    severity: Severity::High,
    what: "Before any cross-tenant request counts, each account reads its own resources through the selector, \
           choosing its own tenant, and must find one of its own canaries in every answer. When one does not \
           (401, 403, 404, a redirect to a login page, a canary that is not in the data), the check is `error`: \
           the selector's cross-tenant and unauthenticated verdicts would rest on a broken test identity, and a \
           silent denial would look like isolation.",
    why: "Isolation probes that never see data prove nothing: expired test tokens, a wrong base URL or a canary \
          that was never seeded make every probe look \"secure\". The control is what makes a pass mean \
          something.",
    fix: "Refresh the test accounts' tokens or cookies (the environment variables named in [tenants.accounts]), \
          check the selector's base URL and the resources, and make sure each canary is in the resources' data.",
    references: &[],
};

pub(crate) fn judge(run: &SelectorRun<'_>) -> Finding {
    let target = run.selector.target.clone();
    let failed = run.failed_controls();
    let total = run.of(|a| *a == super::Asker::Owner).count();
    if failed.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!("all {total} control reads showed the account's own canary"),
        )
    } else {
        Finding::error(
            &CHECK,
            target,
            format!(
                "{} of {total} control reads did not show the account's own canary: {}",
                failed.len(),
                failed[0]
            ),
        )
        .with_evidence(
            "failed_controls",
            failed.into_iter().take(5).collect::<Vec<_>>(),
        )
    }
}
