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
use launchguard_net::{HttpClient, HttpOptions, NetError};
use reqwest::header::{HeaderName, HeaderValue};
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
    /// Nothing verified: not attempted (out of scope, budget spent, a credential variable unset),
    /// or an answer cut off mid-body.
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
                        let outcome = probe(client, &self.env, endpoint).await;
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

fn build_client(ctx: &AgentContext) -> Result<HttpClient, String> {
    HttpClient::new(
        ctx.scope.clone(),
        HttpOptions::new("health check", BODY_CAP),
    )
    .map_err(|e| e.to_string())
}

async fn probe(client: &HttpClient, env: &Environment, endpoint: &Endpoint) -> Outcome {
    let mut headers = Vec::new();
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
        let Ok(name) = HeaderName::from_bytes(header.as_bytes()) else {
            return Outcome::NotAttempted(format!("`{header}` is not an HTTP header name"));
        };
        let Ok(value) = HeaderValue::from_str(&value) else {
            return Outcome::NotAttempted(format!(
                "the value of environment variable {variable} (for header {header}) is not a \
                 valid HTTP header value (it holds a control character such as CR or LF); no \
                 request was sent"
            ));
        };
        headers.push((name, value));
    }
    let started = Instant::now();
    match client.get(&endpoint.url, &headers).await {
        Ok(response) => Outcome::Answered(Answer {
            status: response.status,
            elapsed: response.elapsed,
            location: response
                .header("location")
                // Redacted before it is cut, so no piece of a secret outlives the cut.
                .map(|l| {
                    launchguard_secrets::redact_text(l)
                        .chars()
                        .take(200)
                        .collect()
                }),
            body: response.body,
            truncated: response.truncated,
        }),
        Err(e) if e.not_attempted() || matches!(e, NetError::CutOff { .. }) => {
            Outcome::NotAttempted(e.to_string())
        }
        Err(e) => Outcome::Unreachable {
            reason: e.to_string(),
            elapsed: started.elapsed(),
        },
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
