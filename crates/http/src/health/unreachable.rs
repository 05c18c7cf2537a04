use launchguard_core::{CheckDef, Finding, Severity, Target};

use super::Outcome;

pub static CHECK: CheckDef = CheckDef {
    id: "health.unreachable",
    agent: "health",
    title: "Health endpoint unreachable",
    severity: Severity::Critical,
    what: "Sends one GET to the endpoint and fails when no HTTP answer comes back: connection refused, \
           DNS failure, TLS failure, a timeout, or bytes that are not HTTP. Any HTTP status counts as an answer \
           (a 503 is judged by health.status).",
    why: "A frontend, API gateway or AI engine that cannot be reached is down for every tenant, and a health \
          endpoint that cannot be reached cannot tell a load balancer or an on-call engineer anything.",
    fix: "Check that the service runs and listens on the configured address, that DNS resolves the name, that \
          the certificate is valid for it, and that no firewall or security group drops the traffic. The \
          reason in the finding says which step failed.",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
    ],
};

pub(crate) fn judge(target: &Target, outcome: &Outcome) -> Finding {
    match outcome {
        Outcome::Unreachable { reason, elapsed } => Finding::fail(
            &CHECK,
            target.clone(),
            format!("no answer from {}: {reason}", target.display),
        )
        .with_evidence("reason", reason.as_str())
        .with_evidence("elapsed_ms", elapsed.as_millis() as u64),
        Outcome::Answered(answer) => Finding::pass(
            &CHECK,
            target.clone(),
            format!("answered with HTTP {}", answer.status),
        )
        .with_evidence("http_status", answer.status),
        Outcome::NotAttempted(reason) => {
            Finding::error(&CHECK, target.clone(), format!("not verified: {reason}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use launchguard_core::Status;

    use super::*;
    use crate::health::test_support::{answer, target};

    #[test]
    fn fails_without_an_answer() {
        let outcome = Outcome::Unreachable {
            reason: "connection refused".into(),
            elapsed: Duration::from_millis(3),
        };
        let finding = judge(&target(), &outcome);
        assert_eq!(finding.status, Status::Fail);
        assert_eq!(finding.severity, Severity::Critical);
        assert!(finding.message.contains("connection refused"));
    }

    #[test]
    fn any_http_answer_passes_even_an_error_status() {
        let finding = judge(&target(), &Outcome::Answered(answer(503, 5, "")));
        assert_eq!(finding.status, Status::Pass);
    }

    #[test]
    fn not_attempted_is_an_error_never_a_pass() {
        let finding = judge(
            &target(),
            &Outcome::NotAttempted("host out of scope".into()),
        );
        assert_eq!(finding.status, Status::Error);
    }
}
