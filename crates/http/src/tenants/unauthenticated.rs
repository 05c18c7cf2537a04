use launchguard_core::{CheckDef, Finding, Severity};

use super::cross_access::verdict;
use super::{Asker, SelectorRun};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.unauthenticated_access",
    agent: "tenants",
    title: "A tenant's data without any credentials",
    severity: Severity::Critical,
    what: "Requests each account's resources through the selector, choosing that account's tenant, with no \
           credentials at all (no Authorization, no session cookie). Fails when the answer contains the \
           tenant's canary. `error` when the positive control failed or requests went unanswered and no leak \
           was seen.",
    why: "Data readable without signing in is readable by everyone on the internet, crawlers included; a tenant \
          selector that stands in for authentication makes every tenant public.",
    fix: "Require authentication on every tenant route (deny by default in the middleware), and treat the \
          tenant selector as a choice among the user's tenants, never as the identity.",
    references: &["https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/"],
};

pub(crate) fn judge(run: &SelectorRun<'_>) -> Finding {
    let probes = run.of(|a| *a == Asker::Nobody).collect();
    verdict(&CHECK, run, probes, "without credentials")
}
