//! `[http]`: the public surfaces to examine, validated into URLs, roles and limits.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;

use launchguard_core::config::{Invalid, SectionContext, headers_from_env, unique_names};
use launchguard_core::{Target, TargetKind};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{Role, SurfaceAgent, SurfaceTarget};

fn default_max_requests() -> NonZeroU32 {
    NonZeroU32::new(150).expect("non-zero")
}
fn default_max_bytes() -> NonZeroU64 {
    NonZeroU64::new(8 * 1024 * 1024).expect("non-zero")
}
fn default_health_paths() -> Vec<String> {
    vec!["/health".into(), "/healthz".into(), "/api/health".into()]
}

/// `[http]`: the public surfaces (pages and APIs) whose headers, cookies, CORS policy, exposed
/// files and shipped secrets are examined.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurfaceConfig {
    /// A PEM file of extra root certificates to trust (a private or staging CA), besides the
    /// public roots. Relative paths are resolved against this file's directory.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub ca_file: Option<Spanned<PathBuf>>,
    /// One `[[http.targets]]` table per page or API.
    pub targets: Vec<SurfaceTargetConfig>,
}

/// `[[http.targets]]`: one page or API base URL.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SurfaceTargetConfig {
    /// A short, unique, stable name: lowercase letters, digits, `-`, `_`. Findings are
    /// fingerprinted by it (target `http:<name>`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The `http://` or `https://` URL of the page or API base. Its host must be in
    /// `[scope].hosts`; redirects are followed only to hosts in scope.
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// `frontend` (an HTML page: CSP, framing, referrer and permissions policies required),
    /// `api` or `ai-engine` (JSON: those page headers are not required unless it answers HTML), or
    /// any other word, judged by the content type of the answer.
    #[schemars(with = "String")]
    pub role: Spanned<String>,
    /// Connect to this IP address instead of asking DNS for the URL's host (like curl's
    /// `--resolve`): a staging node, a CDN edge, the lab.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub address: Option<Spanned<String>>,
    /// The origins the team intends to allow cross-origin (`https://app.example.com`), exactly as
    /// browsers send them. Look-alikes of these (prefix, suffix, unescaped dot, subdomain,
    /// `http://`) and an arbitrary origin and `null` are tried; each one that gets through is a
    /// finding. Empty: no cross-origin access intended; the target's own origin seeds the
    /// look-alikes.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub allowed_origins: Vec<Spanned<String>>,
    /// Whether cross-origin requests from the allowed origins are meant to carry credentials
    /// (cookies). Documents the intent in the evidence; origins outside the allowlist are judged
    /// worse when the server also allows credentials.
    #[serde(default)]
    pub credentials: bool,
    /// Paths (below the URL's origin) whose CORS policy is probed, besides the URL itself, e.g.
    /// `["/api/me", "/api/projects"]`. Each one is its own endpoint in the report.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cors_paths: Vec<Spanned<String>>,
    /// Health paths whose bodies are scanned for secrets and internal addresses.
    #[serde(default = "default_health_paths")]
    pub health_paths: Vec<String>,
    /// Request headers whose values come from environment variables: header name to variable
    /// name, e.g. `{ Authorization = "APP_SESSION" }`. Sent with the page request (the response
    /// is then judged as authenticated by `headers.cache_sensitive`). Values are never logged or
    /// reported; an unset variable makes the target's checks `error`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub headers_from_env: BTreeMap<String, Spanned<String>>,
    /// Most requests sent for this target (page, redirects, probes, scripts, source maps); what
    /// could not be fetched within it is reported as `error`.
    #[serde(default = "default_max_requests")]
    pub max_requests: NonZeroU32,
    /// Most body bytes read for this target, all responses together.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: NonZeroU64,
}

fn origin_of(text: &Spanned<String>) -> Result<Url, Invalid> {
    let url = Url::parse(text.get_ref())
        .map_err(|e| Invalid::at(text, format!("not an origin (scheme://host[:port]): {e}")))?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https")
        || url.host().is_none()
        || !bare
        || !text
            .get_ref()
            .trim_end_matches('/')
            .eq_ignore_ascii_case(url.origin().ascii_serialization().as_str())
    {
        return Err(Invalid::at(
            text,
            format!(
                "`{}` is not an origin: write scheme://host[:port] with no path, as browsers send it",
                launchguard_core::config::shorten(text.get_ref(), 80)
            ),
        ));
    }
    Ok(url)
}

pub(super) fn validate(
    config: SurfaceConfig,
    cx: &SectionContext<'_>,
) -> Result<SurfaceAgent, Invalid> {
    if config.targets.is_empty() {
        return Err(
            cx.invalid("[http] has no [[http.targets]]: name the pages and APIs to examine")
        );
    }
    unique_names(config.targets.iter().map(|t| &t.name), "target name")?;
    let ca_file = config.ca_file.as_ref().map(|path| cx.path(path.get_ref()));
    let mut targets = Vec::new();
    for target in config.targets {
        let url = Url::parse(target.url.get_ref())
            .map_err(|e| Invalid::at(&target.url, format!("not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Invalid::at(
                &target.url,
                format!(
                    "`{}` is not an http:// or https:// URL with a host",
                    url.scheme()
                ),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::at(
                &target.url,
                "the URL carries credentials; put them in an environment variable and name it in headers_from_env",
            ));
        }
        let role = Role::parse(target.role.get_ref()).ok_or_else(|| {
            Invalid::at(
                &target.role,
                "a role is one word: frontend, api, ai-engine, or your own (lowercase letters, digits, `-`)",
            )
        })?;
        let address = target
            .address
            .as_ref()
            .map(|a| {
                a.get_ref()
                    .parse::<IpAddr>()
                    .map_err(|_| Invalid::at(a, "address must be an IP address (no port, no name)"))
            })
            .transpose()?;
        let allowed_origins = target
            .allowed_origins
            .iter()
            .map(origin_of)
            .collect::<Result<Vec<_>, _>>()?;
        let mut cors_urls = vec![url.clone()];
        for path in &target.cors_paths {
            if !path.get_ref().starts_with('/') {
                return Err(Invalid::at(path, "a CORS path starts with `/`"));
            }
            let joined = url
                .join(path.get_ref())
                .map_err(|e| Invalid::at(path, format!("not a path: {e}")))?;
            if !cors_urls.contains(&joined) {
                cors_urls.push(joined);
            }
        }
        let mut health_urls = Vec::new();
        for path in &target.health_paths {
            let joined = url
                .join(path)
                .ok()
                .filter(|_| path.starts_with('/'))
                .ok_or_else(|| {
                    Invalid::at(
                        &target.name,
                        format!("health path `{path}` is not a path starting with `/`"),
                    )
                })?;
            health_urls.push(joined);
        }
        let headers_from_env = headers_from_env(&target.headers_from_env)?;
        let declared = Target::new(
            format!("http:{}", target.name.get_ref()),
            TargetKind::Url,
            url.as_str(),
        )
        .declared_at(cx.line_of(target.url.span().start));
        targets.push(SurfaceTarget {
            target: declared,
            url,
            role,
            address,
            allowed_origins,
            credentials: target.credentials,
            cors_urls,
            health_urls,
            headers_from_env,
            max_requests: target.max_requests.get(),
            max_bytes: target.max_bytes.get(),
        });
    }
    Ok(SurfaceAgent {
        targets,
        ca_file,
        env: cx.env().clone(),
    })
}
