use std::time::Duration;

use launchguard_core::{CheckDef, Finding, Severity, Target};

use super::Answer;

pub static CHECK: CheckDef = CheckDef {
    id: "health.slow",
    agent: "health",
    title: "Health endpoint slower than its latency budget",
    severity: Severity::Medium,
    what: "Measures the time from sending the request to the end of the answer (body read up to 64 KiB) and \
           fails when it exceeds the latency budget: `latency_budget_ms` of the endpoint, else of [health], \
           default 2000 ms. The measured time is in the evidence.",
    why: "Load balancers and orchestrators give health probes a short timeout (often 1-5 s): a slow health \
          endpoint gets a healthy service marked down, and a slow health check usually means a slow dependency \
          that users feel too.",
    fix: "Keep the health handler cheap: answer from cached dependency state instead of querying every \
          dependency on each call, and give each dependency check its own short timeout. If the budget is too \
          strict for this endpoint, raise its latency_budget_ms.",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
    ],
};

pub(crate) fn judge(target: &Target, answer: &Answer, budget: Duration) -> Finding {
    let elapsed_ms = answer.elapsed.as_millis() as u64;
    let budget_ms = budget.as_millis() as u64;
    let finding = if answer.elapsed > budget {
        Finding::fail(
            &CHECK,
            target.clone(),
            format!(
                "{} took {elapsed_ms} ms, over its {budget_ms} ms budget",
                target.display
            ),
        )
    } else {
        Finding::pass(
            &CHECK,
            target.clone(),
            format!("{elapsed_ms} ms (budget {budget_ms} ms)"),
        )
    };
    finding
        .with_evidence("elapsed_ms", elapsed_ms)
        .with_evidence("budget_ms", budget_ms)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::health::test_support::{answer, target};

    #[test]
    fn over_budget_fails_and_reports_the_time() {
        let finding = judge(
            &target(),
            &answer(200, 2_500, ""),
            Duration::from_millis(2_000),
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("2500 ms"));
        assert_eq!(finding.evidence["elapsed_ms"].to_string(), "2500");
    }

    #[test]
    fn within_budget_passes() {
        let finding = judge(
            &target(),
            &answer(200, 2_000, ""),
            Duration::from_millis(2_000),
        );
        assert_eq!(finding.status, Status::Pass);
    }
}
