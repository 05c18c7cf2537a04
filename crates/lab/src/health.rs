//! The demo lab's health endpoints: a healthy control, one answering 503, a slow one, one leaking
//! internals, and a port where nothing listens.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;

/// Planted in the verbose health endpoint's connection string. Reports must never contain it;
/// a test scans every format for it.
pub const PLANTED_DB_PASSWORD: &str = "lg-demo-9Hq2xV7pLk4RtZ8wQe";
/// How long the slow service takes, against the lab's 500 ms budget.
const SLOW_SERVICE_DELAY: Duration = Duration::from_millis(1_200);

fn verbose_body() -> String {
    format!(
        r#"{{"status":"ok","version":"4.2.1","build":"a1b2c3d","hostname":"api-7f9c6d-xk2lp","node":"Node.js v20.11.1",
"upstreams":{{"db":"postgres://app:{PLANTED_DB_PASSWORD}@10.0.3.7:5432/prod","cache":"redis://10.0.3.9:6379/0"}},
"env":{{"NODE_ENV":"production","AWS_REGION":"eu-west-1"}},
"last_error":"Traceback (most recent call last):\n  File \"/srv/ai/engine.py\", line 88, in infer\nTimeoutError"}}"#
    )
}

pub(crate) async fn serve(router: Router) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot bind a loopback port for the lab")?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!("lab service stopped: {e}");
        }
    });
    Ok(addr)
}

/// A port nothing listens on: bound, noted, released.
async fn closed_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?)
}

/// Starts the health services on the current runtime and returns the `[scope]`, `[health]` and
/// `[logs]` sections that audit them (the logs are written by [`crate::logs::write`]).
pub async fn start() -> anyhow::Result<String> {
    let healthy =
        serve(Router::new().route("/health", get(|| async { r#"{"status":"ok"}"# }))).await?;
    let failing = serve(Router::new().route(
        "/health",
        get(|| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"degraded","checks":{"db":"down"}}"#,
            )
        }),
    ))
    .await?;
    let slow = serve(Router::new().route(
        "/health",
        get(|| async {
            tokio::time::sleep(SLOW_SERVICE_DELAY).await;
            r#"{"status":"ok"}"#
        }),
    ))
    .await?;
    let body = verbose_body();
    let verbose = serve(Router::new().route("/health", get(move || async move { body }))).await?;
    let down = closed_port().await?;
    Ok(format!(
        r#"# Written by `launchguard demo`: a lab of services on loopback ports with planted flaws.
# Ports change on every run; findings are fingerprinted by endpoint name, so baselines still match.

[scope]
hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "localhost", "::1", "*.lab.test"]
requests_per_host = 2000
request_timeout_ms = 5000
agent_deadline_secs = 60

[health]
latency_budget_ms = 500

# Clean control: 200, fast, says only {{"status":"ok"}}.
[[health.endpoints]]
name = "healthy"
url = "http://{healthy}/health"

# Planted: answers 503.
[[health.endpoints]]
name = "failing"
url = "http://{failing}/health"

# Planted: answers after {slow_ms} ms, over the 500 ms budget.
[[health.endpoints]]
name = "slow"
url = "http://{slow}/health"

# Planted: leaks a version, a pod name, private IPs, a connection string with a password,
# environment variables and a stack trace.
[[health.endpoints]]
name = "verbose"
url = "http://{verbose}/health"

# Planted: nothing listens on this port.
[[health.endpoints]]
name = "down"
url = "http://{down}/health"

# Planted: logs with an OpenAI key, a Supabase service-role JWT and secret key, a database password
# (in a traceback and URL-encoded in an access log), a GitHub token, a card number, an e-mail address
# and a private key split over prefixed lines in a rotated .gz; clean look-alikes beside them.
[logs]
paths = ["logs"]
"#,
        slow_ms = SLOW_SERVICE_DELAY.as_millis(),
    ))
}
