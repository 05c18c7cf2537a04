use launchguard_core::{CheckDef, Finding, Severity, Target};

use super::Burst;

pub static CHECK: CheckDef = CheckDef {
    id: "ratelimit.absent",
    agent: "ratelimit",
    title: "No rate limit within the request budget",
    severity: Severity::High,
    what: "Sends a bounded burst (the endpoint's budget: expected_limit + 5, at most 50 unless raised) with \
           junk credentials and fails when no answer is a 429 (or a 503 carrying Retry-After or rate-limit \
           fields). A burst stopped by a 5xx, a connection error, a latency blow-up or the wall-clock cap is \
           `error`: an overloaded service is not a rate-limited one.",
    why: "Login, signup, password-reset and AI-completion endpoints without a limit invite credential stuffing, \
          account enumeration, spam and runaway model bills; one tenant can also starve the others. Advertised \
          RateLimit headers prove nothing: only a 429 shows that the limit is enforced.",
    fix: "Enforce a limit in the gateway or the application (per IP and per account or API key) that answers \
          429 with Retry-After once the quota is spent, and re-run the audit.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
    ],
};

pub(crate) fn judge(target: &Target, burst: &Burst) -> Finding {
    if let Some(reason) = burst.unverified() {
        return Finding::error(&CHECK, target.clone(), format!("inconclusive: {reason}"));
    }
    match &burst.limited {
        Some(limited) => Finding::pass(
            &CHECK,
            target.clone(),
            format!(
                "limited at request {} of at most {} (HTTP {})",
                limited.at_request, burst.budget, limited.status
            ),
        ),
        None => Finding::fail(
            &CHECK,
            target.clone(),
            format!(
                "{} requests were answered without a 429 (expected one after {})",
                burst.sent, burst.expected_limit
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::ratelimit::test_support::{burst, target};

    #[test]
    fn a_burst_without_429_fails_and_one_with_passes() {
        assert_eq!(judge(&target(), &burst(5, None, None)).status, Status::Fail);
        assert_eq!(
            judge(&target(), &burst(5, Some(6), Some("1"))).status,
            Status::Pass
        );
    }

    #[test]
    fn trouble_before_any_limit_is_an_error_never_a_pass() {
        let mut troubled = burst(5, None, None);
        troubled.inconclusive = Some("request 3 was answered HTTP 502".into());
        let finding = judge(&target(), &troubled);
        assert_eq!(finding.status, Status::Error);
        assert!(finding.message.contains("502"), "{}", finding.message);
    }
}
