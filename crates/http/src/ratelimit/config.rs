//! `[ratelimit]`: the endpoints whose limits are verified, each with its expected limit and a
//! hard request budget.

use std::num::NonZeroU32;
use std::time::Duration;

use launchguard_core::config::{Invalid, SectionContext, unique_names};
use launchguard_core::{Target, TargetKind};
use launchguard_net::Method;
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{Endpoint, RateLimitAgent};

/// The largest budget an endpoint gets unless `max_requests_cap` raises it.
pub const DEFAULT_CAP: u32 = 50;
/// Requests in flight at once, at most.
pub const MAX_CONCURRENCY: u32 = 4;
/// Requests over the expected limit that the default budget allows.
const HEADROOM: u32 = 5;

fn default_cap() -> NonZeroU32 {
    NonZeroU32::new(DEFAULT_CAP).expect("non-zero")
}
fn default_wall_clock_secs() -> NonZeroU32 {
    NonZeroU32::new(30).expect("non-zero")
}
fn default_max_wait_secs() -> u32 {
    60
}
fn default_method() -> Spanned<String> {
    Spanned::new(0..0, "GET".to_owned())
}
fn default_concurrency() -> Spanned<NonZeroU32> {
    Spanned::new(0..0, NonZeroU32::new(1).expect("non-zero"))
}
fn default_true() -> bool {
    true
}

/// `[ratelimit]`: endpoints that must be rate limited.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// The most requests any one endpoint's burst may send. An endpoint's budget is its
    /// `max_requests`, or `expected_limit + 5`, never more than this cap. Raise it only for
    /// endpoints whose expected limit is above 45 and whose owners agreed to the burst.
    #[serde(default = "default_cap")]
    pub max_requests_cap: NonZeroU32,
    /// Longest one endpoint's burst may take, in seconds; a burst cut short by it is `error`.
    #[serde(default = "default_wall_clock_secs")]
    pub wall_clock_secs: NonZeroU32,
    /// Longest wait honoured after a `Retry-After` before the next endpoint of the same host is
    /// probed, in seconds; an endpoint that would need a longer wait is not probed (`error`).
    #[serde(default = "default_max_wait_secs")]
    pub max_retry_wait_secs: u32,
    /// One `[[ratelimit.endpoints]]` table per endpoint.
    pub endpoints: Vec<RateLimitEndpoint>,
}

/// `[[ratelimit.endpoints]]`: one endpoint and the limit it should enforce.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitEndpoint {
    /// A short, unique, stable name (target `ratelimit:<name>`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The `http://` or `https://` URL; its host must be in `[scope].hosts`.
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// `GET`, `HEAD`, `POST`, `PUT`, `PATCH` or `DELETE`.
    #[serde(default = "default_method")]
    #[schemars(with = "String")]
    pub method: Spanned<String>,
    /// A request body with junk credentials (never a real account's). `{probe_user}` is replaced
    /// by `lg-probe-<nonce>`, a user that cannot exist, so that no real account is locked out.
    #[serde(default)]
    pub body: Option<String>,
    /// The body's `Content-Type`.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Requests per window the endpoint should allow before answering 429; the first 429 must
    /// come no later than request `expected_limit + 1`.
    #[schemars(with = "u32")]
    pub expected_limit: Spanned<NonZeroU32>,
    /// The window of the expected limit, in seconds (reported; the burst is much shorter).
    #[serde(default)]
    pub window_secs: Option<NonZeroU32>,
    /// This endpoint's budget instead of `expected_limit + 5`; at most `max_requests_cap` and
    /// more than `expected_limit`.
    #[serde(default)]
    #[schemars(with = "Option<u32>")]
    pub max_requests: Option<Spanned<NonZeroU32>>,
    /// Requests in flight at once, 1 to 4. With more than one, up to `concurrency - 1` requests
    /// may still be in flight when the first 429 arrives; they count against the budget.
    #[serde(default = "default_concurrency")]
    #[schemars(with = "u32")]
    pub concurrency: Spanned<NonZeroU32>,
    /// Send `Authorization: Bearer lg-probe-invalid-<nonce>`, a credential that cannot succeed.
    #[serde(default = "default_true")]
    pub junk_authorization: bool,
}

pub(super) fn validate(
    config: RateLimitConfig,
    cx: &SectionContext<'_>,
) -> Result<RateLimitAgent, Invalid> {
    if config.endpoints.is_empty() {
        return Err(cx.invalid(
            "[ratelimit] has no [[ratelimit.endpoints]]: name the endpoints whose limits to verify",
        ));
    }
    unique_names(config.endpoints.iter().map(|e| &e.name), "endpoint name")?;
    let cap = config.max_requests_cap.get();
    let mut endpoints = Vec::new();
    for endpoint in config.endpoints {
        let url = Url::parse(endpoint.url.get_ref())
            .map_err(|e| Invalid::at(&endpoint.url, format!("not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Invalid::at(
                &endpoint.url,
                "not an http:// or https:// URL with a host",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::at(
                &endpoint.url,
                "the URL carries credentials; the probe sends junk credentials of its own",
            ));
        }
        let method = match endpoint.method.get_ref().to_ascii_uppercase().as_str() {
            "GET" => Method::GET,
            "HEAD" => Method::HEAD,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            _ => {
                return Err(Invalid::at(
                    &endpoint.method,
                    "method must be GET, HEAD, POST, PUT, PATCH or DELETE",
                ));
            }
        };
        let expected = endpoint.expected_limit.get_ref().get();
        let budget = match &endpoint.max_requests {
            Some(max) if max.get_ref().get() > cap => {
                return Err(Invalid::at(
                    max,
                    format!(
                        "max_requests {} is over [ratelimit].max_requests_cap ({cap}); raise the cap deliberately if the burst is agreed",
                        max.get_ref()
                    ),
                ));
            }
            Some(max) => max.get_ref().get(),
            None => (expected.saturating_add(HEADROOM)).min(cap),
        };
        if budget <= expected {
            let at = endpoint
                .max_requests
                .as_ref()
                .map(|m| m.span())
                .unwrap_or_else(|| endpoint.expected_limit.span());
            return Err(Invalid::new(
                at,
                format!(
                    "a limit of {expected} can only be seen with at least {} requests, but the budget is {budget} (max_requests_cap = {cap})",
                    expected + 1
                ),
            ));
        }
        let concurrency = endpoint.concurrency.get_ref().get();
        if concurrency > MAX_CONCURRENCY {
            return Err(Invalid::at(
                &endpoint.concurrency,
                format!("concurrency is at most {MAX_CONCURRENCY}"),
            ));
        }
        if let Some(content_type) = &endpoint.content_type
            && reqwest::header::HeaderValue::from_str(content_type).is_err()
        {
            return Err(Invalid::at(
                &endpoint.url,
                "content_type is not a valid header value",
            ));
        }
        let target = Target::new(
            format!("ratelimit:{}", endpoint.name.get_ref()),
            TargetKind::Url,
            format!("{method} {url}"),
        )
        .declared_at(cx.line_of(endpoint.name.span().start));
        endpoints.push(Endpoint {
            url,
            method,
            content_type: endpoint.content_type.or_else(|| {
                endpoint
                    .body
                    .as_ref()
                    .map(|_| "application/json".to_owned())
            }),
            body: endpoint.body,
            expected_limit: expected,
            window_secs: endpoint.window_secs.map(NonZeroU32::get),
            budget,
            concurrency: concurrency as usize,
            junk_authorization: endpoint.junk_authorization,
            target,
        });
    }
    Ok(RateLimitAgent {
        endpoints,
        wall_clock: Duration::from_secs(config.wall_clock_secs.get().into()),
        max_retry_wait: Duration::from_secs(config.max_retry_wait_secs.into()),
    })
}
