//! Health endpoints: the frontend is reachable, the API gateway and the AI engine answer `/health`
//! with 2xx, fast, without leaking internals.
//!
//! One GET per endpoint (no redirects followed, body read up to [`BODY_CAP`]); the four checks
//! judge that one answer. When no answer came, only `health.unreachable` fails and the others are
//! `skipped` with a pointer to it: one root cause, one failure.

mod config;
mod slow;
mod status;
mod unreachable;
mod verbose;

use std::time::Duration;

use futures_util::StreamExt;
use launchguard_core::config::{EnvVarError, Environment, Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, Finding, Registration, Target,
};
use tokio::time::Instant;
use url::Url;

pub use config::{HealthConfig, HealthEndpoint};

/// How much of a health body is read and examined.
pub const BODY_CAP: usize = 64 * 1024;
/// Endpoints probed at once.
const CONCURRENCY: usize = 8;

pub static CHECKS: &[&CheckDef] = &[
    &unreachable::CHECK,
    &status::CHECK,
    &slow::CHECK,
    &verbose::CHECK,
];

/// One configured endpoint.
#[derive(Debug, Clone)]
struct Endpoint {
    url: Url,
    target: Target,
    latency_budget: Duration,
    /// Header name and the environment variable holding its value.
    headers_from_env: Vec<(String, String)>,
}

/// What came back from one request.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub elapsed: Duration,
    pub body: Vec<u8>,
    pub truncated: bool,
    pub location: Option<String>,
}

/// The result of trying one endpoint.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Not attempted (out of scope, budget spent, a credential variable unset): nothing verified.
    NotAttempted(String),
    /// Attempted, no HTTP answer: refused, DNS, TLS, timeout or not HTTP.
    Unreachable {
        reason: String,
        elapsed: Duration,
    },
    Answered(Answer),
}

/// The health agent, built from a validated `[health]`.
#[derive(Debug)]
pub struct HealthAgent {
    endpoints: Vec<Endpoint>,
    env: Environment,
}

/// The registration of `[health]`.
pub struct HealthSpec;

pub static AGENT: Registration<HealthSpec> = Registration::new();

impl AgentSpec for HealthSpec {
    const NAME: &'static str = "health";
    const ABOUT: &'static str =
        "health endpoints: reachable, 2xx, within a latency budget, not leaking internals";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = HealthConfig;
    type Validated = HealthAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS
    }

    fn validate(config: HealthConfig, cx: &SectionContext<'_>) -> Result<HealthAgent, Invalid> {
        config::validate(config, cx)
    }

    fn build(agent: HealthAgent) -> std::sync::Arc<dyn Agent> {
        std::sync::Arc::new(agent)
    }
}

impl Agent for HealthAgent {
    fn targets(&self) -> Vec<Target> {
        self.endpoints.iter().map(|e| e.target.clone()).collect()
    }

    /// Each endpoint is judged on its own answer alone.
    fn only_targets(&self, keep: &dyn Fn(&Target) -> bool) -> Option<std::sync::Arc<dyn Agent>> {
        Some(std::sync::Arc::new(HealthAgent {
            endpoints: self
                .endpoints
                .iter()
                .filter(|e| keep(&e.target))
                .cloned()
                .collect(),
            env: self.env.clone(),
        }))
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let client = match build_client(ctx) {
                Ok(client) => client,
                Err(reason) => {
                    for endpoint in &self.endpoints {
                        report(ctx, endpoint, &Outcome::NotAttempted(reason.clone()));
                    }
                    return;
                }
            };
            futures_util::stream::iter(&self.endpoints)
                .for_each_concurrent(CONCURRENCY, |endpoint| {
                    let client = &client;
                    async move {
                        tracing::info!(endpoint = %endpoint.target.id, "requesting health endpoint");
                        let outcome = probe(client, ctx, &self.env, endpoint).await;
                        tracing::debug!(endpoint = %endpoint.target.id, outcome = outcome_kind(&outcome), "health endpoint done");
                        report(ctx, endpoint, &outcome);
                    }
                })
                .await;
        })
    }
}

fn outcome_kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::NotAttempted(_) => "not attempted",
        Outcome::Unreachable { .. } => "unreachable",
        Outcome::Answered(_) => "answered",
    }
}

fn build_client(ctx: &AgentContext) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(ctx.scope.timeouts.connect)
        .timeout(ctx.scope.timeouts.request)
        .user_agent(concat!(
            "launchguard/",
            env!("CARGO_PKG_VERSION"),
            " (health check)"
        ))
        .build()
        .map_err(|e| format!("could not set up the HTTP client: {}", e.without_url()))
}

async fn probe(
    client: &reqwest::Client,
    ctx: &AgentContext,
    env: &Environment,
    endpoint: &Endpoint,
) -> Outcome {
    let mut request = client.get(endpoint.url.clone());
    for (header, variable) in &endpoint.headers_from_env {
        let value = match env.var(variable) {
            Ok(value) => value,
            Err(EnvVarError::NotSet(_)) => {
                return Outcome::NotAttempted(format!(
                    "environment variable {variable} (for header {header}) is not set"
                ));
            }
            Err(EnvVarError::NotUnicode(_)) => {
                return Outcome::NotAttempted(format!(
                    "environment variable {variable} (for header {header}) is not valid UTF-8"
                ));
            }
        };
        match reqwest::header::HeaderValue::from_str(&value) {
            Ok(value) => request = request.header(header.as_str(), value),
            Err(_) => {
                return Outcome::NotAttempted(format!(
                    "the value of environment variable {variable} (for header {header}) is not a \
                     valid HTTP header value (it holds a control character such as CR or LF); no \
                     request was sent"
                ));
            }
        }
    }
    if let Err(refusal) = ctx.scope.take_request(&endpoint.url) {
        return Outcome::NotAttempted(refusal.to_string());
    }
    let started = Instant::now();
    // reqwest's own timeout covers connect, headers and body; this one also bounds our reading.
    let hard_limit = ctx.scope.timeouts.request + Duration::from_secs(1);
    match tokio::time::timeout(hard_limit, fetch(request)).await {
        Ok(Ok((status, location, body, truncated))) => Outcome::Answered(Answer {
            status,
            elapsed: started.elapsed(),
            body,
            truncated,
            location,
        }),
        Ok(Err(reason)) => Outcome::Unreachable {
            reason,
            elapsed: started.elapsed(),
        },
        Err(_) => Outcome::Unreachable {
            reason: format!("timed out after {} ms", hard_limit.as_millis()),
            elapsed: started.elapsed(),
        },
    }
}

type Fetched = (u16, Option<String>, Vec<u8>, bool);

async fn fetch(request: reqwest::RequestBuilder) -> Result<Fetched, String> {
    let mut response = request.send().await.map_err(|e| describe_error(&e))?;
    let status = response.status().as_u16();
    let location = response.headers().get(reqwest::header::LOCATION).map(|v| {
        String::from_utf8_lossy(v.as_bytes())
            .chars()
            .take(200)
            .collect()
    });
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = response.chunk().await.map_err(|e| describe_error(&e))? {
        let room = BODY_CAP - body.len();
        if chunk.len() >= room {
            body.extend_from_slice(&chunk[..room]);
            truncated = chunk.len() > room || response.chunk().await.ok().flatten().is_some();
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, location, body, truncated))
}

/// A one-line reason without the URL (which the target already shows).
fn describe_error(error: &reqwest::Error) -> String {
    let mut innermost = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    let mut refused = false;
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        innermost = err.to_string();
        source = err.source();
    }
    let lower = innermost.to_ascii_lowercase();
    let class = if error.is_timeout() {
        "timed out"
    } else if refused || lower.contains("connection refused") {
        "connection refused"
    } else if lower.contains("dns")
        || lower.contains("lookup")
        || lower.contains("name or service not known")
    {
        "DNS lookup failed"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        "TLS handshake failed"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "no valid HTTP answer"
    };
    if innermost.is_empty() {
        class.to_owned()
    } else if lower.starts_with(&class.to_ascii_lowercase()) {
        innermost
    } else {
        format!("{class}: {innermost}")
    }
}

fn report(ctx: &AgentContext, endpoint: &Endpoint, outcome: &Outcome) {
    let target = &endpoint.target;
    match outcome {
        Outcome::NotAttempted(reason) => {
            for check in CHECKS {
                ctx.report(Finding::error(
                    check,
                    target.clone(),
                    format!("not verified: {reason}"),
                ));
            }
        }
        Outcome::Unreachable { .. } => {
            ctx.report(unreachable::judge(target, outcome));
            for check in [&status::CHECK, &slow::CHECK, &verbose::CHECK] {
                ctx.report(Finding::skipped(
                    check,
                    target.clone(),
                    "not evaluated: the endpoint gave no answer (see health.unreachable)",
                ));
            }
        }
        Outcome::Answered(answer) => {
            ctx.report(unreachable::judge(target, outcome));
            ctx.report(status::judge(target, answer));
            ctx.report(slow::judge(target, answer, endpoint.latency_budget));
            ctx.report(verbose::judge(target, answer));
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use launchguard_core::TargetKind;

    use super::*;

    pub fn target() -> Target {
        Target::new("health:api", TargetKind::Url, "http://127.0.0.1:9/health")
    }

    pub fn answer(status: u16, elapsed_ms: u64, body: &str) -> Answer {
        Answer {
            status,
            elapsed: Duration::from_millis(elapsed_ms),
            body: body.as_bytes().to_vec(),
            truncated: false,
            location: None,
        }
    }
}
