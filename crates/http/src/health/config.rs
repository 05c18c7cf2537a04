//! `[health]`: the endpoints that must answer, validated into URLs.

use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::time::Duration;

use launchguard_core::config::{Invalid, SectionContext, headers_from_env, unique_names};
use launchguard_core::{Target, TargetKind};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{Endpoint, HealthAgent};

fn default_latency_budget_ms() -> NonZeroU64 {
    NonZeroU64::new(2_000).expect("non-zero")
}

/// `[health]`: the endpoints that must answer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// Slowest acceptable answer, in milliseconds, for endpoints that do not set their own;
    /// `health.slow` fails above it.
    #[serde(default = "default_latency_budget_ms")]
    pub latency_budget_ms: NonZeroU64,
    /// One `[[health.endpoints]]` table per endpoint.
    pub endpoints: Vec<HealthEndpoint>,
}

/// `[[health.endpoints]]`: one health URL.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthEndpoint {
    /// A short, unique, stable name: lowercase letters, digits, `-`, `_` (`frontend`, `api`,
    /// `ai-engine`). Findings are fingerprinted by it (target `health:<name>`), so renaming it
    /// makes its findings look new to a baseline.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The `http://` or `https://` URL to GET. It must not carry credentials, and its host must be
    /// in `[scope].hosts`.
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// This endpoint's latency budget in milliseconds, instead of `[health].latency_budget_ms`.
    #[serde(default)]
    pub latency_budget_ms: Option<NonZeroU64>,
    /// Request headers whose values come from environment variables: header name to variable
    /// name, e.g. `{ Authorization = "AI_HEALTH_AUTH" }`. A variable that is not set makes the
    /// endpoint's checks `error`; values are never logged or reported.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub headers_from_env: BTreeMap<String, Spanned<String>>,
}

pub(super) fn validate(
    config: HealthConfig,
    cx: &SectionContext<'_>,
) -> Result<HealthAgent, Invalid> {
    if config.endpoints.is_empty() {
        return Err(cx.invalid("[health] has no [[health.endpoints]]: name the endpoints to check"));
    }
    unique_names(config.endpoints.iter().map(|e| &e.name), "endpoint name")?;
    let mut endpoints = Vec::new();
    for endpoint in config.endpoints {
        let url = Url::parse(endpoint.url.get_ref())
            .map_err(|e| Invalid::at(&endpoint.url, format!("not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Invalid::at(
                &endpoint.url,
                format!("scheme `{}` is not http or https", url.scheme()),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::at(
                &endpoint.url,
                "the URL carries credentials; put them in an environment variable and name it in headers_from_env",
            ));
        }
        let headers_from_env = headers_from_env(&endpoint.headers_from_env)?;
        let target = Target::new(
            format!("health:{}", endpoint.name.get_ref()),
            TargetKind::Url,
            url.as_str(),
        )
        .declared_at(cx.line_of(endpoint.url.span().start));
        endpoints.push(Endpoint {
            url,
            target,
            latency_budget: Duration::from_millis(
                endpoint
                    .latency_budget_ms
                    .unwrap_or(config.latency_budget_ms)
                    .get(),
            ),
            headers_from_env,
        });
    }
    Ok(HealthAgent {
        endpoints,
        env: cx.env().clone(),
    })
}
