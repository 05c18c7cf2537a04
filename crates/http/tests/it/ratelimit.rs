//! The rate-limit agent against the lab's limited, unlimited and misbehaving endpoints, with the
//! lab counting every request it receives.

use launchguard_core::Status;
use launchguard_core::config::Environment;
use launchguard_http::ratelimit::AGENT;
use launchguard_lab::ratelimit::{self, RateLimitLab};

use crate::support::{Run, config_error, run};

fn endpoint(lab: &RateLimitLab, name: &str, path: &str, expected: u32, extra: &str) -> String {
    format!(
        "\n[[ratelimit.endpoints]]\nname = \"{name}\"\nurl = \"http://{}{path}\"\nmethod = \"POST\"\nbody = '{{\"user\":\"{{probe_user}}\"}}'\nexpected_limit = {expected}\n{extra}",
        lab.addr
    )
}

async fn audit(section: &str, endpoints: &[String], requests_per_host: u32) -> Run {
    let config = format!(
        "[scope]\nhosts = [\"127.0.0.1\"]\n\n[ratelimit]\n{section}\n{}",
        endpoints.concat()
    );
    run(
        &AGENT,
        &config,
        &Environment::process(),
        &["127.0.0.1"],
        requests_per_host,
    )
    .await
}

const CHECKS: [&str; 4] = [
    "ratelimit.absent",
    "ratelimit.too_lenient",
    "ratelimit.no_retry_after",
    "ratelimit.headers_missing",
];

#[tokio::test]
async fn a_limit_at_the_expected_threshold_passes_and_stops_at_the_first_429() {
    let lab = ratelimit::start().await.unwrap();
    let run = audit("", &[endpoint(&lab, "login", "/limit/5", 5, "")], 1_000).await;
    for check in CHECKS {
        assert_eq!(
            run.status(check, "ratelimit:login"),
            Status::Pass,
            "{check}: {:#?}",
            run.findings
        );
    }
    // Five allowed, the sixth limited, nothing after it.
    assert_eq!(lab.counters.on("/limit/5"), 6);
    assert_eq!(
        lab.counters.identified(),
        6,
        "every request identifies the probe"
    );
    let absent = run.get("ratelimit.absent", "ratelimit:login");
    assert_eq!(
        absent.evidence["first_limited_at"],
        launchguard_core::EvidenceValue::Integer(6)
    );
}

#[tokio::test]
async fn an_unlimited_endpoint_fails_after_exactly_its_budget() {
    let lab = ratelimit::start().await.unwrap();
    let run = audit(
        "",
        &[
            endpoint(&lab, "reset", "/unlimited", 7, ""),
            endpoint(&lab, "search", "/unlimited?q=2", 7, "concurrency = 4"),
        ],
        1_000,
    )
    .await;
    assert_eq!(
        run.status("ratelimit.absent", "ratelimit:reset"),
        Status::Fail
    );
    assert_eq!(
        run.status("ratelimit.absent", "ratelimit:search"),
        Status::Fail
    );
    assert_eq!(
        run.status("ratelimit.too_lenient", "ratelimit:reset"),
        Status::Skipped
    );
    assert_eq!(
        run.status("ratelimit.headers_missing", "ratelimit:reset"),
        Status::Fail
    );
    // expected_limit + 5 each, never one more, with or without concurrency.
    assert_eq!(lab.counters.total(), 24);
    assert_eq!(run.scope.requests_spent("127.0.0.1"), 24);
}

#[tokio::test]
async fn a_late_limit_without_retry_after_is_too_lenient_and_fingerprinted_by_its_threshold() {
    let lab = ratelimit::start().await.unwrap();
    let run = audit(
        "",
        &[
            endpoint(&lab, "signup", "/bare-limit/8", 5, ""),
            endpoint(
                &lab,
                "burst",
                "/limit/9",
                6,
                "concurrency = 4\nmax_requests = 12",
            ),
        ],
        1_000,
    )
    .await;
    let lenient = run.get("ratelimit.too_lenient", "ratelimit:signup");
    assert_eq!(lenient.status, Status::Fail, "{lenient:#?}");
    assert!(
        lenient.message.contains("8 requests"),
        "{}",
        lenient.message
    );
    assert_eq!(
        run.status("ratelimit.absent", "ratelimit:signup"),
        Status::Pass
    );
    assert_eq!(
        run.status("ratelimit.no_retry_after", "ratelimit:signup"),
        Status::Fail
    );
    assert_eq!(
        run.status("ratelimit.headers_missing", "ratelimit:signup"),
        Status::Pass,
        "X-RateLimit-Limit is advertised"
    );
    assert_eq!(lab.counters.on("/bare-limit/8"), 9);
    // With 4 in flight, at most 3 more after the first 429, and never over the budget of 12.
    assert_eq!(
        run.status("ratelimit.too_lenient", "ratelimit:burst"),
        Status::Fail
    );
    let sent = lab.counters.on("/limit/9");
    assert!((10..=12).contains(&sent), "{sent} requests");
    let later = audit(
        "",
        &[endpoint(&lab, "signup", "/bare-limit/9", 5, "")],
        1_000,
    )
    .await;
    assert_ne!(
        later
            .get("ratelimit.too_lenient", "ratelimit:signup")
            .fingerprint,
        lenient.fingerprint,
        "a loosened limit is a new finding for a baseline"
    );
}

#[tokio::test]
async fn server_errors_and_slowing_down_are_inconclusive_never_a_pass() {
    let lab = ratelimit::start().await.unwrap();
    let run = audit(
        "",
        &[
            endpoint(&lab, "flaky", "/fails-after/3", 10, ""),
            endpoint(&lab, "struggling", "/slows-down", 20, ""),
        ],
        1_000,
    )
    .await;
    for target in ["ratelimit:flaky", "ratelimit:struggling"] {
        for check in [
            "ratelimit.absent",
            "ratelimit.too_lenient",
            "ratelimit.no_retry_after",
        ] {
            assert_eq!(run.status(check, target), Status::Error, "{check} {target}");
        }
    }
    assert!(
        run.get("ratelimit.absent", "ratelimit:flaky")
            .message
            .contains("502")
    );
    assert!(
        run.get("ratelimit.absent", "ratelimit:struggling")
            .message
            .contains("latency")
    );
    assert_eq!(
        lab.counters.on("/fails-after/3"),
        4,
        "stopped at the first 502"
    );
    assert!(
        lab.counters.on("/slows-down") < 25,
        "stopped before the budget"
    );
}

#[tokio::test]
async fn retry_after_is_waited_out_before_the_next_endpoint_of_the_host() {
    let lab = ratelimit::start().await.unwrap();
    let endpoints = [
        endpoint(&lab, "login", "/limit/2", 2, ""),
        endpoint(&lab, "reset", "/unlimited", 2, ""),
    ];
    let run = audit("", &endpoints, 1_000).await;
    assert!(
        run.elapsed >= std::time::Duration::from_secs(1),
        "the lab's Retry-After: 1 was honoured ({:?})",
        run.elapsed
    );
    assert_eq!(
        run.status("ratelimit.absent", "ratelimit:reset"),
        Status::Fail
    );
    let lab = ratelimit::start().await.unwrap();
    let endpoints = [
        endpoint(&lab, "login", "/limit/2", 2, ""),
        endpoint(&lab, "reset", "/unlimited", 2, ""),
    ];
    let run = audit("max_retry_wait_secs = 0", &endpoints, 1_000).await;
    assert_eq!(
        run.status("ratelimit.absent", "ratelimit:login"),
        Status::Pass
    );
    let left_alone = run.get("ratelimit.absent", "ratelimit:reset");
    assert_eq!(left_alone.status, Status::Error);
    assert!(
        left_alone.message.contains("Retry-After"),
        "{}",
        left_alone.message
    );
    assert_eq!(lab.counters.on("/unlimited"), 0);
}

#[tokio::test]
async fn the_scope_budget_stops_the_burst_as_an_error() {
    let lab = ratelimit::start().await.unwrap();
    let run = audit("", &[endpoint(&lab, "reset", "/unlimited", 10, "")], 4).await;
    let absent = run.get("ratelimit.absent", "ratelimit:reset");
    assert_eq!(absent.status, Status::Error, "{absent:#?}");
    assert!(absent.message.contains("budget"), "{}", absent.message);
    assert_eq!(lab.counters.total(), 4);
}

#[test]
fn budgets_that_cannot_show_the_limit_or_exceed_the_cap_are_refused() {
    let base = "[scope]\nhosts = [\"127.0.0.1\"]\n[ratelimit]\n";
    let one = |extra: &str| {
        format!(
            "{base}[[ratelimit.endpoints]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/\"\n{extra}\n"
        )
    };
    for (config, needle) in [
        (one("expected_limit = 50"), "at least 51 requests"),
        (
            one("expected_limit = 5\nmax_requests = 51"),
            "over [ratelimit].max_requests_cap",
        ),
        (one("expected_limit = 5\nmax_requests = 5"), "budget is 5"),
        (one("expected_limit = 5\nconcurrency = 5"), "at most 4"),
        (
            one("expected_limit = 5\nmethod = \"TRACE\""),
            "method must be",
        ),
        (
            format!("{base}endpoints = []\n"),
            "no [[ratelimit.endpoints]]",
        ),
    ] {
        let error = config_error(&AGENT, &config);
        assert!(error.contains(needle), "{needle:?} not in {error}");
    }
    let raised =
        one("expected_limit = 50").replace("[ratelimit]\n", "[ratelimit]\nmax_requests_cap = 60\n");
    launchguard_core::config::LoadedConfig::parse(
        std::path::Path::new("t.toml"),
        &raised,
        &[&AGENT],
        &Environment::process(),
    )
    .expect("a raised cap admits a larger limit");
}
