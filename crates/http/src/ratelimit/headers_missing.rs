use launchguard_core::{CheckDef, Finding, Severity, Target};

use super::Burst;

pub static CHECK: CheckDef = CheckDef {
    id: "ratelimit.headers_missing",
    agent: "ratelimit",
    title: "No rate-limit fields advertised",
    severity: Severity::Info,
    what: "Fails when no answer of the burst carried the IETF RateLimit or RateLimit-Policy fields, the older \
           RateLimit-Limit/-Remaining/-Reset, or X-RateLimit-*. Informational: advertising a limit is \
           courtesy, enforcing it is what ratelimit.absent verifies.",
    why: "Clients that can see their quota slow down before hitting it; without the fields, SDKs and partners \
          learn the limit by failing.",
    fix: "Send `RateLimit-Policy` and `RateLimit` (or at least `X-RateLimit-Limit` and `X-RateLimit-Remaining`) \
          on rate-limited endpoints.",
    references: &["https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/"],
};

pub(crate) fn judge(target: &Target, burst: &Burst) -> Finding {
    if burst.statuses.is_empty() {
        let reason = burst.inconclusive.as_deref().unwrap_or("no answer");
        return Finding::error(&CHECK, target.clone(), format!("inconclusive: {reason}"));
    }
    if burst.rate_headers.is_empty() {
        Finding::fail(
            &CHECK,
            target.clone(),
            "no answer carried RateLimit, RateLimit-Policy or X-RateLimit-* fields",
        )
    } else {
        Finding::pass(
            &CHECK,
            target.clone(),
            format!("advertised: {}", burst.rate_headers.join(", ")),
        )
        .with_evidence("rate_limit_headers", burst.rate_headers.clone())
    }
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::ratelimit::test_support::{burst, target};

    #[test]
    fn any_rate_limit_field_passes_none_fails_no_answer_errors() {
        let mut advertised = burst(5, Some(6), Some("1"));
        assert_eq!(judge(&target(), &advertised).status, Status::Fail);
        advertised.rate_headers = vec!["x-ratelimit-limit".into()];
        assert_eq!(judge(&target(), &advertised).status, Status::Pass);
        let mut silent = burst(5, None, None);
        silent.statuses.clear();
        silent.inconclusive = Some("connection refused".into());
        assert_eq!(judge(&target(), &silent).status, Status::Error);
    }
}
