//! The public HTTP surface: security headers by role, cookies, CORS against the declared
//! allowlist, exposed files judged by content after a soft-404 baseline, and secrets shipped in
//! the page, its same-origin scripts, their source maps, exposed files and health bodies.
//!
//! Each target is crawled once ([`fetch::crawl`]); every check is a pure judge of what the crawl
//! collected, one file each, listed in [`TABLE`].

mod config;
mod cookies;
mod cors;
mod exposure;
mod fetch;
mod headers;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use futures_util::StreamExt;
use launchguard_core::config::{EnvVarError, Environment, Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, Finding, Registration, Target,
};
use launchguard_net::{HttpClient, HttpOptions, Pins};
use launchguard_secrets::Scanner;
use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

pub use config::{SurfaceConfig, SurfaceTargetConfig};
use fetch::Surface;

/// Targets examined at once.
const TARGET_CONCURRENCY: usize = 4;

/// What a target is: which headers its answers need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// An HTML page: CSP, framing, referrer and permissions policies are required.
    Frontend,
    /// A JSON API: page headers only if it answers HTML.
    Api,
    /// A JSON API serving a model (the AI engine): as `Api`.
    AiEngine,
    /// Judged by the content type of each answer.
    Custom(String),
}

impl Role {
    fn parse(text: &str) -> Option<Role> {
        let valid = !text.is_empty()
            && text.len() <= 40
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        match text {
            "frontend" => Some(Role::Frontend),
            "api" => Some(Role::Api),
            "ai-engine" => Some(Role::AiEngine),
            _ if valid => Some(Role::Custom(text.to_owned())),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Role::Frontend => "frontend",
            Role::Api => "api",
            Role::AiEngine => "ai-engine",
            Role::Custom(name) => name,
        }
    }
}

/// One configured target.
#[derive(Debug, Clone)]
pub(crate) struct SurfaceTarget {
    pub target: Target,
    pub url: Url,
    pub role: Role,
    pub address: Option<IpAddr>,
    pub allowed_origins: Vec<Url>,
    pub credentials: bool,
    pub cors_urls: Vec<Url>,
    pub health_urls: Vec<Url>,
    /// Header name and the environment variable holding its value.
    pub headers_from_env: Vec<(String, String)>,
    pub max_requests: u32,
    pub max_bytes: u64,
}

/// What a judge sees: the crawl and the target's declared intent.
pub(crate) struct Examined<'a> {
    pub target: &'a Target,
    pub config: &'a SurfaceTarget,
    pub surface: &'a Surface,
}

/// A check: its documentation and its judge, which reports at least one finding for the target
/// (on the target itself or on targets below it).
pub(crate) struct Check {
    pub def: &'static CheckDef,
    pub judge: fn(&Examined<'_>) -> Vec<Finding>,
}

/// Every check of the HTTP surface agent, in report order.
pub(crate) static TABLE: &[Check] = &[
    headers::csp_missing::CHECK,
    headers::csp_unsafe::CHECK,
    headers::xfo_missing::CHECK,
    headers::nosniff_missing::CHECK,
    headers::referrer_policy_missing::CHECK,
    headers::permissions_policy_missing::CHECK,
    headers::server_version_leak::CHECK,
    headers::cache_sensitive::CHECK,
    cookies::insecure::CHECK,
    cookies::no_httponly::CHECK,
    cookies::no_samesite::CHECK,
    cookies::samesite_none_insecure::CHECK,
    cookies::broad_domain::CHECK,
    cors::origin_reflected_with_credentials::CHECK,
    cors::origin_reflected::CHECK,
    cors::null_origin_trusted::CHECK,
    cors::prefix_match_bypass::CHECK,
    cors::suffix_match_bypass::CHECK,
    cors::http_origin_trusted::CHECK,
    cors::wildcard_with_credentials::CHECK,
    cors::wildcard::CHECK,
    cors::not_in_allowlist::CHECK,
    exposure::dotenv::CHECK,
    exposure::git::CHECK,
    exposure::sourcemap::CHECK,
    exposure::metrics::CHECK,
    exposure::debug::CHECK,
    exposure::directory_listing::CHECK,
    exposure::backup_file::CHECK,
    exposure::internal_address::CHECK,
    exposure::secret::CHECK,
];

pub static CHECKS: LazyLock<Vec<&'static CheckDef>> =
    LazyLock::new(|| TABLE.iter().map(|c| c.def).collect());

/// The secrets engine, compiled once.
static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::new);

/// The HTTP surface agent, built from a validated `[http]`.
#[derive(Debug)]
pub struct SurfaceAgent {
    targets: Vec<SurfaceTarget>,
    ca_file: Option<PathBuf>,
    env: Environment,
}

/// The registration of `[http]`.
pub struct SurfaceSpec;

pub static AGENT: Registration<SurfaceSpec> = Registration::new();

impl AgentSpec for SurfaceSpec {
    const NAME: &'static str = "http";
    const ABOUT: &'static str = "the public HTTP surface: security headers, cookies, CORS, exposed files, secrets in pages and bundles";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = SurfaceConfig;
    type Validated = SurfaceAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS.as_slice()
    }

    fn validate(config: SurfaceConfig, cx: &SectionContext<'_>) -> Result<SurfaceAgent, Invalid> {
        config::validate(config, cx)
    }

    fn build(agent: SurfaceAgent) -> Arc<dyn Agent> {
        Arc::new(agent)
    }
}

impl Agent for SurfaceAgent {
    fn targets(&self) -> Vec<Target> {
        self.targets.iter().map(|t| t.target.clone()).collect()
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let roots = match self.extra_roots() {
                Ok(roots) => roots,
                Err(reason) => {
                    for target in &self.targets {
                        not_examined(ctx, &target.target, &reason);
                    }
                    return;
                }
            };
            futures_util::stream::iter(&self.targets)
                .for_each_concurrent(TARGET_CONCURRENCY, |target| {
                    let roots = &roots;
                    async move {
                        tracing::info!(target = %target.target.id, "examining the HTTP surface");
                        match self.examine(ctx, target, roots).await {
                            Ok(findings) => findings.into_iter().for_each(|f| ctx.report(f)),
                            Err(reason) => not_examined(ctx, &target.target, &reason),
                        }
                    }
                })
                .await;
        })
    }
}

fn not_examined(ctx: &AgentContext, target: &Target, reason: &str) {
    for check in TABLE {
        ctx.report(Finding::error(
            check.def,
            target.clone(),
            format!("not verified: {reason}"),
        ));
    }
}

impl SurfaceAgent {
    fn extra_roots(&self) -> Result<Vec<u8>, String> {
        match &self.ca_file {
            None => Ok(Vec::new()),
            Some(path) => std::fs::read(path)
                .map_err(|e| format!("cannot read [http].ca_file {}: {e}", path.display())),
        }
    }

    fn credentials(
        &self,
        target: &SurfaceTarget,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
        let mut headers = Vec::new();
        for (header, variable) in &target.headers_from_env {
            let value = match self.env.var(variable) {
                Ok(value) => value,
                Err(EnvVarError::NotSet(_)) => {
                    return Err(format!(
                        "environment variable {variable} (for header {header}) is not set"
                    ));
                }
                Err(EnvVarError::NotUnicode(_)) => {
                    return Err(format!(
                        "environment variable {variable} (for header {header}) is not valid UTF-8"
                    ));
                }
            };
            let name = HeaderName::from_bytes(header.as_bytes())
                .map_err(|_| format!("`{header}` is not an HTTP header name"))?;
            let mut value = HeaderValue::from_str(&value).map_err(|_| {
                format!(
                    "the value of environment variable {variable} (for header {header}) is not a \
                     valid HTTP header value; no request was sent"
                )
            })?;
            value.set_sensitive(true);
            headers.push((name, value));
        }
        Ok(headers)
    }

    async fn examine(
        &self,
        ctx: &AgentContext,
        target: &SurfaceTarget,
        roots: &[u8],
    ) -> Result<Vec<Finding>, String> {
        let credentials = self.credentials(target)?;
        let mut options = HttpOptions::new(
            "HTTP surface check",
            fetch::BODY_CAP.min(usize::try_from(target.max_bytes).unwrap_or(usize::MAX)),
        );
        options.extra_roots_pem = roots.to_vec();
        if let (Some(address), Some(host)) = (target.address, target.url.host_str()) {
            options.pins = Pins::new([host], SocketAddr::new(address, 0));
        }
        let client = HttpClient::new(ctx.scope.clone(), options).map_err(|e| e.to_string())?;
        let fetcher = fetch::Fetcher::new(&client, target);
        let nonce = nonce();
        let surface = fetch::crawl(&fetcher, target, &credentials, &nonce).await;
        tracing::debug!(
            target = %target.target.id,
            requests = surface.requests,
            bytes = surface.bytes,
            "crawl done"
        );
        let examined = Examined {
            target: &target.target,
            config: target,
            surface: &surface,
        };
        let secrets = credentials
            .iter()
            .filter_map(|(_, v)| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>();
        let mut findings = Vec::new();
        for check in TABLE {
            for finding in (check.judge)(&examined) {
                findings.push(scrub(finding, &secrets));
            }
        }
        // The request count goes with the first finding so that reports show what was spent.
        if let Some(first) = findings.first_mut() {
            first
                .evidence
                .insert("requests_sent".into(), u64::from(surface.requests).into());
            first
                .evidence
                .insert("bytes_read".into(), surface.bytes.into());
        }
        Ok(findings)
    }
}

/// One answer to a CORS probe, for [`judge_cors`]: its status and headers (any case, in order),
/// or why no answer came.
pub type CorsAnswer = Result<(u16, Vec<(String, String)>), String>;

/// The findings of every CORS check for a target at `url`, whose declared allowlist is
/// `allowed_origins` (credentials `credentials` intended), when every probe the agent would
/// send it (an arbitrary origin, `null`, the look-alikes of each allowed origin, each as a simple
/// request and as a preflight) is answered as `answer` says, given the probe's Origin and whether
/// it is a preflight. The judges are the agent's own, run on what a crawl would have collected:
/// for the fuzz targets and the property tests, which answer with hostile headers.
pub fn judge_cors(
    url: &Url,
    allowed_origins: &[Url],
    credentials: bool,
    answer: impl Fn(&str, bool) -> CorsAnswer,
) -> Vec<Finding> {
    let target = SurfaceTarget {
        target: Target::new("http:cors", launchguard_core::TargetKind::Url, url.as_str()),
        url: url.clone(),
        role: Role::Api,
        address: None,
        allowed_origins: allowed_origins.to_vec(),
        credentials,
        cors_urls: vec![url.clone()],
        health_urls: Vec::new(),
        headers_from_env: Vec::new(),
        max_requests: u32::MAX,
        max_bytes: u64::MAX,
    };
    let not_fetched = || fetch::Probe {
        url: url.clone(),
        answer: Err("not fetched: only CORS is judged".to_owned()),
    };
    let probes = cors::probe_origins(url, allowed_origins, "fuzz")
        .into_iter()
        .flat_map(|(origin, kind)| [(origin.clone(), kind, false), (origin, kind, true)])
        .map(|(origin, kind, preflight)| fetch::CorsProbe {
            answer: answer(&origin, preflight).map(|(status, headers)| launchguard_net::Response {
                status,
                headers: headers
                    .into_iter()
                    .map(|(name, value)| (name.to_ascii_lowercase(), value))
                    .collect(),
                body: Vec::new(),
                truncated: false,
                elapsed: std::time::Duration::ZERO,
            }),
            origin,
            kind,
            preflight,
        })
        .collect();
    let surface = Surface {
        hops: Vec::new(),
        page_error: Some("not fetched: only CORS is judged".to_owned()),
        authenticated: false,
        baseline: not_fetched(),
        paths: Vec::new(),
        health: Vec::new(),
        scripts: Vec::new(),
        maps: Vec::new(),
        cors: vec![fetch::CorsEndpoint {
            url: url.clone(),
            probes,
        }],
        requests: 0,
        bytes: 0,
    };
    let examined = Examined {
        target: &target.target,
        config: &target,
        surface: &surface,
    };
    TABLE
        .iter()
        .filter(|check| check.def.id.starts_with("cors."))
        .flat_map(|check| (check.judge)(&examined))
        .collect()
}

/// Replaces every configured credential value that a peer echoed into a finding with its
/// redacted form: the server controls what comes back, the report must not carry it.
fn scrub(mut finding: Finding, secrets: &[&str]) -> Finding {
    if secrets.is_empty() {
        return finding;
    }
    finding.message = clean(&finding.message, secrets);
    for value in finding.evidence.values_mut() {
        scrub_value(value, secrets);
    }
    finding
}

fn clean(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        if text.contains(secret) {
            text = text.replace(secret, &launchguard_core::Redacted::new(secret).to_string());
        }
    }
    text
}

fn scrub_value(value: &mut launchguard_core::EvidenceValue, secrets: &[&str]) {
    match value {
        launchguard_core::EvidenceValue::Text(text) => *text = clean(text, secrets),
        launchguard_core::EvidenceValue::List(items) => {
            items.iter_mut().for_each(|item| scrub_value(item, secrets))
        }
        _ => {}
    }
}

/// A per-run random label for probe origins and the soft-404 path, so that no server can
/// special-case launchguard's probes.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff)
}

/// Helpers the judges share.
pub(crate) mod judge {
    use launchguard_core::{CheckDef, Finding, Target};
    use launchguard_net::Response;

    use super::Examined;

    /// The page's final answer, or the `error` finding saying why there is none.
    pub fn page<'a>(
        def: &CheckDef,
        x: &'a Examined<'_>,
    ) -> Result<&'a launchguard_net::Hop, Vec<Finding>> {
        x.surface.page().map_err(|reason| {
            vec![Finding::error(
                def,
                x.target.clone(),
                format!("not verified: {reason}"),
            )]
        })
    }

    /// Whether the page rules (CSP, framing, referrer, permissions) apply to this answer, or why
    /// they do not.
    pub fn page_rules_apply(x: &Examined<'_>, response: &Response) -> Result<(), String> {
        let content_type = response
            .header("content-type")
            .unwrap_or("")
            .to_ascii_lowercase();
        let html = content_type.contains("html");
        match x.config.role {
            super::Role::Frontend => Ok(()),
            _ if html => Ok(()),
            _ => Err(format!(
                "not applicable: a {} answer of a `{}` target (page headers apply to HTML)",
                if content_type.is_empty() {
                    "non-HTML"
                } else {
                    content_type.as_str()
                },
                x.config.role.as_str()
            )),
        }
    }

    /// At most `max` items, then how many more there were.
    pub fn listed(items: &[String], max: usize) -> String {
        let mut text = items
            .iter()
            .take(max)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if items.len() > max {
            text.push_str(&format!(" and {} more", items.len() - max));
        }
        text
    }

    /// A header value for evidence: one line, at most 300 characters.
    pub fn shown(value: &str) -> String {
        let one_line: String = value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        launchguard_core::config::shorten(&one_line, 300)
    }

    pub fn pass(def: &CheckDef, target: &Target, message: impl Into<String>) -> Vec<Finding> {
        vec![Finding::pass(def, target.clone(), message)]
    }
}
