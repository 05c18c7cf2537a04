//! The health agent against real HTTP servers and hostile TCP peers, all on 127.0.0.1.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{Finding, Scope, Status, Timeouts, run_alone};
use launchguard_http::health::{AGENT, CHECKS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// A TCP peer that reads the request and then does `behaviour` with the socket.
async fn raw_peer(reply: &'static [u8], then_hang: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(reply).await;
                if then_hang {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            });
        }
    });
    addr
}

async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

struct Run {
    findings: Vec<Finding>,
}

impl Run {
    fn get(&self, check: &str, endpoint: &str) -> &Finding {
        let id = format!("health:{endpoint}");
        self.findings
            .iter()
            .find(|f| f.check.as_str() == check && f.target.id == id)
            .unwrap_or_else(|| panic!("no {check} finding for {endpoint}: {:#?}", self.findings))
    }

    fn status(&self, check: &str, endpoint: &str) -> Status {
        self.get(check, endpoint).status
    }
}

async fn run(config: &str, requests_per_host: u32) -> Run {
    let loaded = LoadedConfig::parse(
        Path::new("test.toml"),
        config,
        &[&AGENT],
        &Environment::process(),
    )
    .unwrap();
    let agent = loaded
        .agent("health")
        .expect("a [health] section")
        .agent
        .as_ref();
    let timeouts = Timeouts {
        connect: Duration::from_millis(500),
        request: Duration::from_millis(1_500),
        agent_deadline: Duration::from_secs(20),
    };
    let scope = Scope::new(&["127.0.0.1".to_owned()], requests_per_host, timeouts).unwrap();
    let findings = run_alone(agent, Arc::new(scope), timeouts.agent_deadline)
        .await
        .expect("agent finished in time");
    // Exactly one finding per check and endpoint.
    let mut seen = HashMap::new();
    for f in &findings {
        *seen
            .entry((f.check.clone(), f.target.id.clone()))
            .or_insert(0) += 1;
    }
    assert!(
        seen.values().all(|n| *n == 1),
        "duplicate findings: {findings:#?}"
    );
    assert_eq!(findings.len(), agent.targets().len() * CHECKS.len());
    Run { findings }
}

fn endpoint(name: &str, url: &str) -> String {
    format!("[[health.endpoints]]\nname = \"{name}\"\nurl = \"{url}\"\n")
}

fn config(endpoints: &[String]) -> String {
    format!(
        "[scope]\nhosts = [\"127.0.0.1\"]\n\n[health]\nlatency_budget_ms = 400\n{}",
        endpoints.concat()
    )
}

#[tokio::test]
async fn healthy_failing_slow_verbose_and_down_services() {
    let healthy =
        serve(Router::new().route("/health", get(|| async { r#"{"status":"ok"}"# }))).await;
    let failing = serve(Router::new().route(
        "/health",
        get(|| async { (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"degraded"}"#) }),
    ))
    .await;
    let slow = serve(Router::new().route(
        "/health",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(900)).await;
            "ok"
        }),
    ))
    .await;
    let verbose = serve(Router::new().route(
        "/health",
        get(|| async { r#"{"status":"ok","version":"3.2.1","db":"postgres://svc:pw-9f8e7d6c5b@10.1.2.3:5432/app"}"# }),
    ))
    .await;
    let down = closed_port().await;

    let run = run(
        &config(&[
            endpoint("healthy", &format!("http://{healthy}/health")),
            endpoint("failing", &format!("http://{failing}/health")),
            endpoint("slow", &format!("http://{slow}/health")),
            endpoint("verbose", &format!("http://{verbose}/health")),
            endpoint("down", &format!("http://{down}/health")),
        ]),
        10,
    )
    .await;

    for check in [
        "health.unreachable",
        "health.status",
        "health.slow",
        "health.verbose",
    ] {
        assert_eq!(
            run.status(check, "healthy"),
            Status::Pass,
            "{check} on the healthy control"
        );
    }
    assert_eq!(run.status("health.status", "failing"), Status::Fail);
    assert!(run.get("health.status", "failing").message.contains("503"));
    assert_eq!(run.status("health.unreachable", "failing"), Status::Pass);

    assert_eq!(run.status("health.slow", "slow"), Status::Fail);
    assert_eq!(run.status("health.status", "slow"), Status::Pass);

    assert_eq!(run.status("health.verbose", "verbose"), Status::Fail);
    let leak = serde_json::to_string(run.get("health.verbose", "verbose")).unwrap();
    assert!(
        !leak.contains("pw-9f8e7d6c5b"),
        "password leaked into evidence: {leak}"
    );
    assert!(
        leak.contains("connection_string")
            && leak.contains("internal_ip")
            && leak.contains("version")
    );

    let unreachable = run.get("health.unreachable", "down");
    assert_eq!(unreachable.status, Status::Fail);
    assert!(
        unreachable
            .message
            .to_ascii_lowercase()
            .contains("connection refused"),
        "{}",
        unreachable.message
    );
    assert_eq!(unreachable.target.config_line, Some(20));
    for check in ["health.status", "health.slow", "health.verbose"] {
        assert_eq!(
            run.status(check, "down"),
            Status::Skipped,
            "{check} on the down service"
        );
    }
}

#[tokio::test]
async fn hostile_peers_give_clear_failures_without_hanging() {
    let silent = raw_peer(b"", true).await;
    let garbage = raw_peer(b"\x16\x03\x01 this is not http\r\n\r\n", false).await;
    let closes = raw_peer(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial",
        false,
    )
    .await;
    let endless =
        serve(Router::new().route("/health", get(|| async { "A".repeat(5 * 1024 * 1024) }))).await;
    let tls_expected = healthy_plain().await;

    let run = run(
        &config(&[
            endpoint("silent", &format!("http://{silent}/health")),
            endpoint("garbage", &format!("http://{garbage}/health")),
            endpoint("closes", &format!("http://{closes}/health")),
            endpoint("endless", &format!("http://{endless}/health")),
            endpoint("tls", &format!("https://{tls_expected}/health")),
        ]),
        10,
    )
    .await;

    let silent = run.get("health.unreachable", "silent");
    assert_eq!(silent.status, Status::Fail);
    assert!(silent.message.contains("timed out"), "{}", silent.message);
    assert_eq!(run.status("health.unreachable", "garbage"), Status::Fail);
    // It answered, then cut its body short: nothing is judged on half an answer, and it is not
    // "unreachable" either.
    let closes = run.get("health.unreachable", "closes");
    assert_eq!(closes.status, Status::Error);
    assert!(closes.message.contains("cut off"), "{}", closes.message);
    assert_eq!(run.status("health.verbose", "closes"), Status::Error);
    let tls = run.get("health.unreachable", "tls");
    assert_eq!(tls.status, Status::Fail);
    assert!(
        tls.message.to_ascii_lowercase().contains("tls") || tls.message.contains("connect"),
        "{}",
        tls.message
    );

    let endless = run.get("health.verbose", "endless");
    assert_eq!(endless.status, Status::Pass);
    assert_eq!(endless.evidence["body_bytes_examined"].to_string(), "65536");
    assert_eq!(endless.evidence["body_truncated"].to_string(), "true");
}

async fn healthy_plain() -> SocketAddr {
    serve(Router::new().route("/health", get(|| async { "ok" }))).await
}

#[tokio::test]
async fn what_cannot_be_attempted_is_an_error_never_a_pass() {
    let healthy = healthy_plain().await;
    let mut with_missing_credential = endpoint("needs-token", &format!("http://{healthy}/health"));
    with_missing_credential
        .push_str("headers_from_env = { Authorization = \"LAUNCHGUARD_TEST_UNSET_VARIABLE\" }\n");
    let run = run(
        &config(&[
            endpoint("outside", "http://127.0.0.2:9/health"),
            with_missing_credential,
            endpoint("first", &format!("http://{healthy}/health")),
            endpoint("second", &format!("http://{healthy}/health")),
        ]),
        1,
    )
    .await;

    for check in [
        "health.unreachable",
        "health.status",
        "health.slow",
        "health.verbose",
    ] {
        let outside = run.get(check, "outside");
        assert_eq!(outside.status, Status::Error, "{check}");
        assert!(
            outside.message.contains("not in [scope].hosts"),
            "{}",
            outside.message
        );
        let missing = run.get(check, "needs-token");
        assert_eq!(missing.status, Status::Error, "{check}");
        assert!(
            missing
                .message
                .contains("LAUNCHGUARD_TEST_UNSET_VARIABLE (for header Authorization) is not set")
        );
    }
    // A budget of one request: one endpoint is probed, the other is refused.
    let statuses = [
        run.status("health.status", "first"),
        run.status("health.status", "second"),
    ];
    assert!(
        statuses.contains(&Status::Pass) && statuses.contains(&Status::Error),
        "{statuses:?}"
    );
}
