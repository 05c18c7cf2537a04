//! Rate-limited and unlimited endpoints: a fixed-window limiter per path, with the answers real
//! gateways give (429 with or without `Retry-After`, IETF `RateLimit` fields or `X-RateLimit-*`),
//! plus misbehaving endpoints (5xx, slowing down). Every request is counted, so that tests can
//! assert the probe's budget.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// How an endpoint of the lab behaves; the path names it: `/limit/<n>` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Allows `n` requests, then 429 with `Retry-After` and `RateLimit` / `RateLimit-Policy`.
    Limited(usize),
    /// Like `Limited`, but the 429 carries no `Retry-After` and only `X-RateLimit-*` headers.
    LimitedBare(usize),
    /// Never limits, advertises nothing.
    Unlimited,
    /// Answers 502 after `n` good answers.
    FailsAfter(usize),
    /// Gets slower with each request: 20 ms more every time after the 3rd.
    SlowsDown,
}

fn behaviour(path: &str) -> Option<Behaviour> {
    let mut parts = path.trim_matches('/').split('/');
    let kind = parts.next()?;
    let number = parts.next().and_then(|n| n.parse::<usize>().ok());
    match (kind, number) {
        ("limit", Some(n)) => Some(Behaviour::Limited(n)),
        ("bare-limit", Some(n)) => Some(Behaviour::LimitedBare(n)),
        ("fails-after", Some(n)) => Some(Behaviour::FailsAfter(n)),
        ("unlimited", _) => Some(Behaviour::Unlimited),
        ("slows-down", _) => Some(Behaviour::SlowsDown),
        _ => None,
    }
}

/// The lab's shared state: requests per path, and in total.
#[derive(Debug, Default)]
pub struct Counters {
    per_path: Mutex<HashMap<String, usize>>,
    total: AtomicUsize,
    identified: AtomicUsize,
}

impl Counters {
    /// Requests received on `path` so far.
    pub fn on(&self, path: &str) -> usize {
        self.per_path
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Requests received on every path.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// Requests that carried an `X-Launchguard-Probe` header.
    pub fn identified(&self) -> usize {
        self.identified.load(Ordering::SeqCst)
    }
}

/// The running rate-limit lab.
pub struct RateLimitLab {
    pub addr: SocketAddr,
    pub counters: Arc<Counters>,
}

async fn answer(State(counters): State<Arc<Counters>>, uri: Uri, headers: HeaderMap) -> Response {
    counters.total.fetch_add(1, Ordering::SeqCst);
    let path = uri.path().to_owned();
    let seen = {
        let mut per_path = counters.per_path.lock().unwrap_or_else(|p| p.into_inner());
        let count = per_path.entry(path.clone()).or_insert(0);
        *count += 1;
        *count
    };
    // A probe that identifies itself is answered like anyone else; the header is only counted.
    if headers.contains_key("x-launchguard-probe") {
        counters.identified.fetch_add(1, Ordering::SeqCst);
    }
    let Some(behaviour) = behaviour(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match behaviour {
        Behaviour::Limited(limit) => {
            let remaining = limit.saturating_sub(seen);
            let mut response = if seen > limit {
                let mut r = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
                r.headers_mut()
                    .insert("retry-after", HeaderValue::from_static("1"));
                r
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    r#"{"error":"invalid credentials"}"#,
                )
                    .into_response()
            };
            let policy = format!("\"default\";q={limit};w=60");
            let state = format!("\"default\";r={remaining};t=1");
            if let (Ok(policy), Ok(state)) = (
                HeaderValue::from_str(&policy),
                HeaderValue::from_str(&state),
            ) {
                response.headers_mut().insert("ratelimit-policy", policy);
                response.headers_mut().insert("ratelimit", state);
            }
            response
        }
        Behaviour::LimitedBare(limit) => {
            let mut response = if seen > limit {
                (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response()
            } else {
                (StatusCode::UNAUTHORIZED, "invalid credentials").into_response()
            };
            if let Ok(value) = HeaderValue::from_str(&limit.to_string()) {
                response.headers_mut().insert("x-ratelimit-limit", value);
            }
            response
        }
        Behaviour::Unlimited => (StatusCode::OK, r#"{"ok":true}"#).into_response(),
        Behaviour::FailsAfter(n) if seen > n => {
            (StatusCode::BAD_GATEWAY, "upstream unavailable").into_response()
        }
        Behaviour::FailsAfter(_) => (StatusCode::OK, "ok").into_response(),
        Behaviour::SlowsDown => {
            let delay = seen.saturating_sub(3) as u64 * 20;
            tokio::time::sleep(Duration::from_millis(delay)).await;
            (StatusCode::OK, "ok").into_response()
        }
    }
}

/// Starts the lab on a loopback port of the current runtime. Paths: `/limit/<n>` (429 after `n`,
/// with `Retry-After` and IETF fields), `/bare-limit/<n>` (429 after `n`, no `Retry-After`, only
/// `X-RateLimit-Limit`), `/unlimited`, `/fails-after/<n>` (502 after `n`), `/slows-down`.
/// A path's counter never resets: each test or demo run starts its own lab.
pub async fn start() -> anyhow::Result<RateLimitLab> {
    let counters = Arc::new(Counters::default());
    let router = Router::new().fallback(answer).with_state(counters.clone());
    let addr = crate::health::serve(router).await?;
    Ok(RateLimitLab { addr, counters })
}

/// The `[ratelimit]` section the demo audits this lab with: one endpoint limited at 5 (expected
/// 5, a clean control), one limited at 8 where 5 is expected (too lenient), and one unlimited.
pub fn demo_section(addr: SocketAddr) -> String {
    format!(
        r#"
# Rate limits: a bounded burst per endpoint, stopping at the first 429.
[ratelimit]

# Clean control: limited at 5 per minute, with Retry-After and RateLimit fields.
[[ratelimit.endpoints]]
name = "login"
url = "http://{addr}/limit/5"
method = "POST"
body = '{{"email":"{{probe_user}}@invalid.example","password":"{{probe_user}}"}}'
expected_limit = 5

# Planted: limited only after 8 requests where 5 are expected, and its 429 has no Retry-After.
[[ratelimit.endpoints]]
name = "signup"
url = "http://{addr}/bare-limit/8"
method = "POST"
expected_limit = 5

# Planted: never limited, and advertises no limit.
[[ratelimit.endpoints]]
name = "password-reset"
url = "http://{addr}/unlimited"
method = "POST"
expected_limit = 5
"#
    )
}
