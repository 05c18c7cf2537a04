//! Rate limits, verified rather than read from advertisements: a bounded burst per endpoint that
//! stops at the first limiting answer.
//!
//! Safety: each endpoint has a hard budget (`expected_limit + 5`, at most 50 unless raised), at
//! most 4 requests in flight, a wall-clock cap, junk credentials and an `X-Launchguard-Probe`
//! header. The burst stops at the first 429 (or 503 with `Retry-After` or rate-limit fields), at
//! the first other 5xx or connection error, and when the latency blows up (the median of the last
//! three answers more than twice the first three's and 200 ms over them): we may be hurting the
//! service, and the verdict is `error`, never `pass`. Endpoints of one host are probed one after
//! the other, and a `Retry-After` is waited out before the next one.

mod absent;
mod config;
mod headers_missing;
mod no_retry_after;
mod too_lenient;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use launchguard_core::config::{Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, Finding, Registration, Target,
};
use launchguard_net::{HttpClient, HttpOptions, Method, NetError, Response};
use reqwest::header::{HeaderName, HeaderValue};
use tokio::time::Instant;
use url::Url;

pub use config::{DEFAULT_CAP, MAX_CONCURRENCY, RateLimitConfig, RateLimitEndpoint};

/// Body bytes read from each answer (only headers and status are judged).
const BODY_CAP: usize = 4 * 1024;
/// The header that identifies the probe to operators.
pub const PROBE_HEADER: &str = "x-launchguard-probe";
/// Latency blow-up: the last three answers' median over `FACTOR` x the first three's and at
/// least `FLOOR` over it.
const LATENCY_FACTOR: u32 = 2;
const LATENCY_FLOOR: Duration = Duration::from_millis(200);

pub static CHECKS: &[&CheckDef] = &[
    &absent::CHECK,
    &too_lenient::CHECK,
    &no_retry_after::CHECK,
    &headers_missing::CHECK,
];

/// One configured endpoint.
#[derive(Debug, Clone)]
struct Endpoint {
    url: Url,
    method: Method,
    body: Option<String>,
    content_type: Option<String>,
    expected_limit: u32,
    window_secs: Option<u32>,
    budget: u32,
    concurrency: usize,
    junk_authorization: bool,
    target: Target,
}

/// The first answer that limited the burst.
#[derive(Debug, Clone)]
pub(crate) struct Limited {
    /// 1-based position of the request in the burst.
    pub at_request: u32,
    pub status: u16,
    pub retry_after: Option<String>,
}

/// What one burst saw.
#[derive(Debug, Clone, Default)]
pub(crate) struct Burst {
    pub expected_limit: u32,
    pub window_secs: Option<u32>,
    pub budget: u32,
    pub sent: u32,
    /// Answers that were not limiting.
    pub allowed: u32,
    pub limited: Option<Limited>,
    /// Rate-limit header names seen on any answer (`ratelimit-policy`, `x-ratelimit-limit`, ...).
    pub rate_headers: Vec<String>,
    pub statuses: BTreeMap<u16, u32>,
    /// Why the burst could not conclude (5xx, connection error, latency, wall clock, budget).
    pub inconclusive: Option<String>,
}

impl Burst {
    fn answers(&self) -> u32 {
        self.statuses.values().sum()
    }

    /// The verdict cannot rest on this burst: it stopped for trouble before any limit showed.
    pub fn unverified(&self) -> Option<&str> {
        match (&self.limited, &self.inconclusive) {
            (None, Some(reason)) => Some(reason),
            _ => None,
        }
    }

    /// Evidence every finding of the burst carries.
    fn evidence(&self, finding: Finding) -> Finding {
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, count)| format!("{status} x{count}"))
            .collect();
        let mut finding = finding
            .with_evidence("expected_limit", u64::from(self.expected_limit))
            .with_evidence("budget", u64::from(self.budget))
            .with_evidence("requests_sent", u64::from(self.sent))
            .with_evidence("allowed_before_limit", u64::from(self.allowed))
            .with_evidence("statuses", statuses);
        if let Some(window) = self.window_secs {
            finding = finding.with_evidence("window_secs", u64::from(window));
        }
        if let Some(limited) = &self.limited {
            finding = finding
                .with_evidence("first_limited_at", u64::from(limited.at_request))
                .with_evidence("limited_status", limited.status);
        }
        if let Some(reason) = &self.inconclusive {
            finding = finding.with_evidence("stopped", reason.as_str());
        }
        finding
    }
}

/// The rate-limit agent, built from a validated `[ratelimit]`.
#[derive(Debug)]
pub struct RateLimitAgent {
    endpoints: Vec<Endpoint>,
    wall_clock: Duration,
    max_retry_wait: Duration,
}

/// The registration of `[ratelimit]`.
pub struct RateLimitSpec;

pub static AGENT: Registration<RateLimitSpec> = Registration::new();

impl AgentSpec for RateLimitSpec {
    const NAME: &'static str = "ratelimit";
    const ABOUT: &'static str = "rate limits enforced: a bounded burst per endpoint stops at the first 429, within the expected limit";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = RateLimitConfig;
    type Validated = RateLimitAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS
    }

    fn validate(
        config: RateLimitConfig,
        cx: &SectionContext<'_>,
    ) -> Result<RateLimitAgent, Invalid> {
        config::validate(config, cx)
    }

    fn build(agent: RateLimitAgent) -> Arc<dyn Agent> {
        Arc::new(agent)
    }
}

impl Agent for RateLimitAgent {
    fn targets(&self) -> Vec<Target> {
        self.endpoints.iter().map(|e| e.target.clone()).collect()
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let client = match HttpClient::new(
                ctx.scope.clone(),
                HttpOptions::new("rate-limit probe", BODY_CAP),
            ) {
                Ok(client) => client,
                Err(e) => {
                    for endpoint in &self.endpoints {
                        report_not_probed(ctx, endpoint, &e.to_string());
                    }
                    return;
                }
            };
            let nonce = nonce();
            // Endpoints of one host one after the other (a Retry-After applies to the host);
            // hosts at once.
            let mut hosts: Vec<(String, Vec<&Endpoint>)> = Vec::new();
            for endpoint in &self.endpoints {
                let key = format!(
                    "{}:{}",
                    endpoint.url.host_str().unwrap_or(""),
                    endpoint.url.port_or_known_default().unwrap_or(0)
                );
                match hosts.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, list)) => list.push(endpoint),
                    None => hosts.push((key, vec![endpoint])),
                }
            }
            futures_util::stream::iter(hosts)
                .for_each_concurrent(None, |(_, endpoints)| {
                    let client = &client;
                    let nonce = &nonce;
                    async move {
                        let mut wait_until: Option<Instant> = None;
                        for endpoint in endpoints {
                            if let Some(until) = wait_until {
                                if until > ctx.deadline {
                                    report_not_probed(
                                        ctx,
                                        endpoint,
                                        "the host asked to be left alone (Retry-After) for longer than max_retry_wait_secs or the agent's deadline allows",
                                    );
                                    continue;
                                }
                                tokio::time::sleep_until(until).await;
                            }
                            let burst = burst(client, endpoint, nonce, self.wall_clock, ctx).await;
                            wait_until = self.retry_wait(&burst).map(|w| Instant::now() + w);
                            if wait_until.is_none()
                                && burst.limited.as_ref().is_some_and(|l| l.retry_after.is_some())
                            {
                                // A Retry-After longer than we may wait: leave the host alone.
                                wait_until = Some(ctx.deadline + Duration::from_secs(1));
                            }
                            report(ctx, endpoint, &burst);
                        }
                    }
                })
                .await;
        })
    }
}

impl RateLimitAgent {
    /// How long to leave the host alone after `burst`, when it limited with a `Retry-After` we
    /// can honour; `None` when no wait is asked or the wait is longer than allowed.
    fn retry_wait(&self, burst: &Burst) -> Option<Duration> {
        let value = burst.limited.as_ref()?.retry_after.as_deref()?;
        let wait = no_retry_after::parse_retry_after(value, SystemTime::now())?;
        (wait <= self.max_retry_wait).then_some(wait)
    }
}

fn nonce() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:012x}",
        (nanos ^ (u128::from(std::process::id()) << 40)) & 0xffff_ffff_ffff
    )
}

fn report_not_probed(ctx: &AgentContext, endpoint: &Endpoint, reason: &str) {
    for check in CHECKS {
        ctx.report(Finding::error(
            check,
            endpoint.target.clone(),
            format!("not verified: {reason}"),
        ));
    }
}

fn report(ctx: &AgentContext, endpoint: &Endpoint, burst: &Burst) {
    let target = &endpoint.target;
    for finding in [
        absent::judge(target, burst),
        too_lenient::judge(target, burst),
        no_retry_after::judge(target, burst),
        headers_missing::judge(target, burst),
    ] {
        ctx.report(burst.evidence(finding));
    }
}

fn request_headers(endpoint: &Endpoint, nonce: &str) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = Vec::new();
    if let Ok(value) = HeaderValue::from_str(nonce) {
        headers.push((HeaderName::from_static(PROBE_HEADER), value));
    }
    if endpoint.junk_authorization
        && let Ok(value) = HeaderValue::from_str(&format!("Bearer lg-probe-invalid-{nonce}"))
    {
        headers.push((reqwest::header::AUTHORIZATION, value));
    }
    if let Some(value) = endpoint
        .content_type
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.push((reqwest::header::CONTENT_TYPE, value));
    }
    headers
}

/// Whether an answer is the limit showing: a 429, or a 503 that says it is a limit.
fn is_limiting(response: &Response) -> bool {
    response.status == 429
        || response.status == 503
            && (response.header("retry-after").is_some() || !rate_headers(response).is_empty())
}

/// The rate-limit header names of an answer.
fn rate_headers(response: &Response) -> Vec<String> {
    response
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| {
            matches!(*name, "ratelimit" | "ratelimit-policy")
                || name.starts_with("ratelimit-")
                || name.starts_with("x-ratelimit-")
                || name.starts_with("x-rate-limit-")
        })
        .map(str::to_owned)
        .collect()
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Sends at most `endpoint.budget` requests, at most `endpoint.concurrency` at once, and stops at
/// the first limiting answer or the first sign of trouble.
async fn burst(
    client: &HttpClient,
    endpoint: &Endpoint,
    nonce: &str,
    wall_clock: Duration,
    ctx: &AgentContext,
) -> Burst {
    let headers = request_headers(endpoint, nonce);
    let body = endpoint.body.as_ref().map(|b| {
        b.replace("{probe_user}", &format!("lg-probe-{nonce}"))
            .into_bytes()
    });
    let stop_at = (Instant::now() + wall_clock).min(ctx.deadline);
    let mut burst = Burst {
        expected_limit: endpoint.expected_limit,
        window_secs: endpoint.window_secs,
        budget: endpoint.budget,
        ..Burst::default()
    };
    let mut latencies: Vec<Duration> = Vec::new();
    let mut in_flight = FuturesUnordered::new();
    let mut stopping = false;
    loop {
        while !stopping && in_flight.len() < endpoint.concurrency && burst.sent < endpoint.budget {
            burst.sent += 1;
            let position = burst.sent;
            let (headers, body, method) = (&headers, body.clone(), endpoint.method.clone());
            in_flight.push(async move {
                let result = client.send(method, &endpoint.url, headers, body).await;
                (position, result)
            });
        }
        let next = tokio::select! {
            next = in_flight.next() => next,
            _ = tokio::time::sleep_until(stop_at) => {
                burst.inconclusive.get_or_insert_with(|| format!(
                    "the burst did not finish within its wall-clock cap of {} s",
                    wall_clock.as_secs()
                ));
                break;
            }
            _ = ctx.cancel.cancelled() => {
                burst.inconclusive.get_or_insert_with(|| "the run was cancelled".to_owned());
                break;
            }
        };
        let Some((position, result)) = next else {
            break;
        };
        match result {
            Err(NetError::BudgetSpent(e)) => {
                // Not sent: give the request back to the count.
                burst.sent -= 1;
                burst
                    .inconclusive
                    .get_or_insert_with(|| format!("{e}; the burst could not finish"));
                stopping = true;
            }
            Err(e) => {
                if e.not_attempted() {
                    burst.sent -= 1;
                }
                burst
                    .inconclusive
                    .get_or_insert_with(|| format!("request {position}: {e}"));
                stopping = true;
            }
            Ok(response) => {
                *burst.statuses.entry(response.status).or_insert(0) += 1;
                for name in rate_headers(&response) {
                    if !burst.rate_headers.contains(&name) {
                        burst.rate_headers.push(name);
                    }
                }
                if is_limiting(&response) {
                    let earlier = burst
                        .limited
                        .as_ref()
                        .is_none_or(|l| position < l.at_request);
                    if earlier {
                        burst.limited = Some(Limited {
                            at_request: position,
                            status: response.status,
                            retry_after: response
                                .header("retry-after")
                                .map(|v| v.chars().take(100).collect()),
                        });
                    }
                    stopping = true;
                } else if response.status >= 500 {
                    burst.inconclusive.get_or_insert_with(|| {
                        format!(
                            "request {position} was answered HTTP {}; stopped so as not to hurt the service",
                            response.status
                        )
                    });
                    stopping = true;
                } else {
                    burst.allowed += 1;
                    latencies.push(response.elapsed);
                    if latencies.len() >= 6 {
                        let first = median(latencies[..3].to_vec());
                        let last = median(latencies[latencies.len() - 3..].to_vec());
                        if last > first * LATENCY_FACTOR && last > first + LATENCY_FLOOR {
                            burst.inconclusive.get_or_insert_with(|| {
                                format!(
                                    "latency rose from {} ms to {} ms during the burst; stopped so as not to hurt the service",
                                    first.as_millis(),
                                    last.as_millis()
                                )
                            });
                            stopping = true;
                        }
                    }
                }
            }
        }
        if in_flight.is_empty() && (stopping || burst.sent >= endpoint.budget) {
            break;
        }
    }
    if burst.answers() == 0 && burst.inconclusive.is_none() {
        burst.inconclusive = Some("no answer".to_owned());
    }
    burst
}

#[cfg(test)]
pub(crate) mod test_support {
    use launchguard_core::TargetKind;

    use super::*;

    pub fn target() -> Target {
        Target::new(
            "ratelimit:login",
            TargetKind::Url,
            "POST http://127.0.0.1:9/login",
        )
    }

    /// A burst with `expected` limit whose first limit came at `limited_at` (if any).
    pub fn burst(expected: u32, limited_at: Option<u32>, retry_after: Option<&str>) -> Burst {
        let budget = expected + 5;
        let sent = limited_at.unwrap_or(budget);
        Burst {
            expected_limit: expected,
            budget,
            sent,
            allowed: limited_at.map_or(budget, |at| at - 1),
            limited: limited_at.map(|at| Limited {
                at_request: at,
                status: 429,
                retry_after: retry_after.map(str::to_owned),
            }),
            statuses: BTreeMap::from([(200, sent)]),
            ..Burst::default()
        }
    }
}
