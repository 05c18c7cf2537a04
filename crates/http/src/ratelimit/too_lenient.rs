use launchguard_core::{CheckDef, Finding, Severity, Target};

use super::Burst;

pub static CHECK: CheckDef = CheckDef {
    id: "ratelimit.too_lenient",
    agent: "ratelimit",
    title: "Rate limit looser than expected",
    severity: Severity::Medium,
    what: "Counts the answers allowed before the first 429 and fails when it is more than the configured \
           expected_limit (the first 429 should come no later than request expected_limit + 1). The observed \
           threshold is part of the finding's fingerprint, so a weekly diff shows a loosened limit as a new \
           finding. Skipped when no 429 came at all (see ratelimit.absent).",
    why: "A limit several times looser than designed lets an attacker try that many more passwords or reset \
          codes per window; a silent change in a gateway rule or a new replica with its own counter is \
          typical.",
    fix: "Set the limit to the designed value and make the counter shared by every replica (Redis, the \
          gateway), or update expected_limit if the looser limit is intended.",
    references: &["https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/"],
};

pub(crate) fn judge(target: &Target, burst: &Burst) -> Finding {
    if let Some(reason) = burst.unverified() {
        return Finding::error(&CHECK, target.clone(), format!("inconclusive: {reason}"));
    }
    if burst.limited.is_none() {
        return Finding::skipped(
            &CHECK,
            target.clone(),
            "no 429 within the budget, so no threshold to compare (see ratelimit.absent)",
        );
    }
    let finding = if burst.allowed > burst.expected_limit {
        Finding::fail(
            &CHECK,
            target.clone(),
            format!(
                "{} requests were allowed before the first 429; the expected limit is {}",
                burst.allowed, burst.expected_limit
            ),
        )
    } else {
        Finding::pass(
            &CHECK,
            target.clone(),
            format!(
                "{} requests allowed before the first 429, within the expected {}",
                burst.allowed, burst.expected_limit
            ),
        )
    };
    finding.with_stable_key(&format!("allowed={}", burst.allowed))
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::ratelimit::test_support::{burst, target};

    #[test]
    fn a_first_429_after_the_limit_fails_and_at_it_passes() {
        assert_eq!(
            judge(&target(), &burst(5, Some(8), Some("1"))).status,
            Status::Fail
        );
        assert_eq!(
            judge(&target(), &burst(5, Some(6), Some("1"))).status,
            Status::Pass
        );
        assert_eq!(
            judge(&target(), &burst(5, Some(3), Some("1"))).status,
            Status::Pass
        );
        assert_eq!(
            judge(&target(), &burst(5, None, None)).status,
            Status::Skipped
        );
    }

    #[test]
    fn a_loosened_limit_changes_the_fingerprint() {
        let before = judge(&target(), &burst(5, Some(8), None));
        let after = judge(&target(), &burst(5, Some(10), None));
        assert_ne!(before.fingerprint, after.fingerprint);
        assert_eq!(
            before.fingerprint,
            judge(&target(), &burst(5, Some(8), Some("2"))).fingerprint
        );
    }
}
