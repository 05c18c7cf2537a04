//! `launchguard.toml`: one section per agent plus `[scope]`.
//!
//! Unknown keys and bad values are errors that name the file, line and column. Credentials never
//! appear in the file: keys that need one take the *name* of an environment variable.
//! Every key is documented in `docs/config.md`; a test keeps that page complete.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};
use std::ops::Range;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::scope::Scope;

/// The whole configuration file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which hosts launchguard may contact, how often and for how long.
    pub scope: ScopeConfig,
    /// Health endpoints: reachable, 2xx, fast, and quiet about internals.
    #[serde(default)]
    pub health: Option<HealthConfig>,
    /// PostgreSQL: row-level security lints and rollback-only tenant-isolation probes.
    #[serde(default)]
    pub postgres: Option<PostgresConfig>,
    /// Log files and directories scanned for secrets and personal data.
    #[serde(default)]
    pub logs: Option<LogsConfig>,
    /// HTTPS endpoints: certificates, protocols and cipher classes, HSTS and the HTTP redirect.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

fn default_https_port() -> u16 {
    443
}
fn default_http_port() -> u16 {
    80
}
fn default_expiring_soon_days() -> NonZeroU32 {
    NonZeroU32::new(30).expect("non-zero")
}
fn default_hsts_min_max_age() -> u64 {
    31_536_000
}
fn default_max_redirects() -> NonZeroU32 {
    NonZeroU32::new(3).expect("non-zero")
}
fn default_max_lifetime_days() -> NonZeroU32 {
    NonZeroU32::new(398).expect("non-zero")
}
fn default_concurrency() -> NonZeroU32 {
    NonZeroU32::new(8).expect("non-zero")
}
fn default_random_labels() -> u32 {
    1
}

/// `[tls]`: the HTTPS hostnames of the product and the thresholds they are judged by.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// `tls.cert.expiring_soon` fails when a certificate has fewer days left than this.
    #[serde(default = "default_expiring_soon_days")]
    pub expiring_soon_days: NonZeroU32,
    /// `tls.cert.lifetime_too_long` fails above this many days (CA/Browser Forum: 398).
    #[serde(default = "default_max_lifetime_days")]
    pub max_lifetime_days: NonZeroU32,
    /// `hsts.max_age_short` fails below this many seconds (one year, as hstspreload requires).
    #[serde(default = "default_hsts_min_max_age")]
    pub hsts_min_max_age: u64,
    /// `https.redirect.chain_too_long` fails when reaching HTTPS takes more hops than this.
    #[serde(default = "default_max_redirects")]
    pub max_redirects: NonZeroU32,
    /// Hostnames examined at once (each opens about a dozen short connections, one at a time).
    #[serde(default = "default_concurrency")]
    pub concurrency: NonZeroU32,
    /// One `[[tls.targets]]` table per site.
    pub targets: Vec<TlsTarget>,
}

/// `[[tls.targets]]`: one HTTPS site and its tenant hostnames.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsTarget {
    /// A short, unique, stable name; findings are about `tls:<name>` and `tls:<name>/<hostname>`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The hostname (sent as SNI and checked against the certificate) or an IP address.
    #[schemars(with = "String")]
    pub host: Spanned<String>,
    /// The HTTPS port.
    #[serde(default = "default_https_port")]
    pub port: u16,
    /// The plain-HTTP port whose redirect is checked; 0 skips the redirect checks.
    #[serde(default = "default_http_port")]
    pub http_port: u16,
    /// Connect to these IP addresses instead of resolving the hostnames (the edges of a CDN or
    /// load balancer, a staging node, the lab); each must be in `[scope].hosts` too. The first is
    /// examined fully, every other one for the certificate it serves.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// A PEM file of extra trust anchors (private PKI), in addition to the public roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Whether the certificate is renewed automatically (ACME): `auto`, `manual`, or `detect`
    /// (auto when its lifetime is 100 days or less or its issuer is a known ACME CA).
    #[serde(default)]
    pub renewal: Renewal,
    /// Tenant hostnames served by the same site, each checked like `host`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub tenant_hosts: Vec<Spanned<String>>,
    /// A wildcard such as `*.app.example.com` under which tenants live; checked with
    /// `tenant_labels`, or with random labels when that list is empty.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub tenant_wildcard: Option<Spanned<String>>,
    /// Labels put under `tenant_wildcard` (`acme` checks `acme.app.example.com`).
    #[serde(default)]
    pub tenant_labels: Vec<String>,
    /// Random labels checked under `tenant_wildcard` when `tenant_labels` is empty.
    #[serde(default = "default_random_labels")]
    pub random_labels: u32,
}

/// How a certificate is renewed; decides whether `tls.cert.renewal_overdue` applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Renewal {
    #[default]
    Detect,
    Auto,
    Manual,
}

fn default_max_expansion() -> NonZeroU64 {
    NonZeroU64::new(200).expect("non-zero")
}

/// `[logs]`: where the logs are and which files to read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// Files or directories (read recursively), relative to the configuration file's directory;
    /// gzip and zstd files are decompressed.
    #[schemars(with = "Vec<String>")]
    pub paths: Vec<Spanned<String>>,
    /// Globs a file inside a directory must match, e.g. `["*.log", "*.log.*"]`. Empty: every file.
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs that exclude files inside directories.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Threads for scanning; 0 uses every core.
    #[serde(default)]
    pub threads: u32,
    /// Decompression stops beyond this many times a file's compressed size (a bomb guard); the
    /// file is then reported as not fully scanned.
    #[serde(default = "default_max_expansion")]
    pub max_expansion: NonZeroU64,
}

fn default_pg_name() -> String {
    "db".to_owned()
}
fn default_anon_role() -> String {
    "anon".to_owned()
}
fn default_authenticated_role() -> String {
    "authenticated".to_owned()
}
fn default_service_role() -> String {
    "service_role".to_owned()
}
fn default_authenticator_role() -> String {
    "authenticator".to_owned()
}
fn default_tenant_column() -> String {
    "tenant_id".to_owned()
}
fn default_claims_template() -> String {
    r#"{"sub":"{user_id}","role":"authenticated","app_metadata":{"tenant_id":"{tenant_id}"}}"#
        .to_owned()
}
fn default_tamper_claim() -> String {
    "user_metadata.tenant_id".to_owned()
}
fn default_max_tenants() -> NonZeroU32 {
    NonZeroU32::new(3).expect("non-zero")
}
fn default_true() -> bool {
    true
}

/// `[postgres]`: one database, linted from its catalog and probed as each tenant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    /// A short name for the database; findings are about `pg:<name>/<schema>.<table>`.
    #[serde(default = "default_pg_name")]
    pub name: String,
    /// The environment variable holding the connection URL (`postgresql://user@host:port/db`).
    /// Connect as a dedicated audit role that can `SET ROLE` to the API roles, not as a superuser.
    #[schemars(with = "String")]
    pub url_env: Spanned<String>,
    /// A PEM file of CA certificates to trust for the server's TLS certificate, in addition to the
    /// public roots (hosted databases such as Supabase sign with their own CA).
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    /// The schemas the API exposes. Default: the authenticator role's `pgrst.db_schemas` setting,
    /// else `["public"]`. Reports say which source was used.
    #[serde(default)]
    pub exposed_schemas: Option<Vec<String>>,
    /// The role unauthenticated API requests run as.
    #[serde(default = "default_anon_role")]
    pub anon_role: String,
    /// The role signed-in API requests run as.
    #[serde(default = "default_authenticated_role")]
    pub authenticated_role: String,
    /// A BYPASSRLS role the probe uses (read-only) to find each tenant's sample rows.
    #[serde(default = "default_service_role")]
    pub service_role: String,
    /// The login role the API gateway (PostgREST) connects as.
    #[serde(default = "default_authenticator_role")]
    pub authenticator_role: String,
    /// Login roles the application's own backend connects as: they must not own exposed tables
    /// without FORCE ROW LEVEL SECURITY, nor be able to become a BYPASSRLS role.
    #[serde(default)]
    pub backend_roles: Vec<String>,
    /// The column that holds the tenant in tenant-scoped tables.
    #[serde(default = "default_tenant_column")]
    pub tenant_column: String,
    /// The JWT claims of a signed-in user of a tenant, with `{tenant_id}` and `{user_id}`
    /// placeholders, as `request.jwt.claims` would hold them.
    #[serde(default = "default_claims_template")]
    pub claims_template: String,
    /// The dotted path of a claim the user can edit (Supabase's `user_metadata`); the probe sets it
    /// to another tenant to see whether a policy trusts it.
    #[serde(default = "default_tamper_claim")]
    pub tamper_claim: String,
    /// The tenants to probe as. Default: discovered from tenant columns, at most `max_tenants`.
    #[serde(default)]
    pub tenants: Vec<TenantConfig>,
    /// Most tenants discovered when `tenants` is empty; every ordered pair is probed.
    #[serde(default = "default_max_tenants")]
    pub max_tenants: NonZeroU32,
    /// Run the dynamic probes (as each tenant, rolled back). Off: catalog lints only.
    #[serde(default = "default_true")]
    pub probes: bool,
    /// Attempt writes (UPDATE/DELETE of one row by primary key, INSERT without RETURNING), each in
    /// a transaction that always rolls back. Off by default: use on staging or a copy.
    #[serde(default)]
    pub allow_writes: bool,
    /// Also attempt inserts into tables whose key comes from a sequence: a rolled-back insert still
    /// advances the sequence, and the report says which sequences moved.
    #[serde(default)]
    pub allow_sequence_inserts: bool,
    /// Probe even when connected as a superuser (refused by default: a superuser bypasses RLS and
    /// every mistake would have full power).
    #[serde(default)]
    pub allow_superuser: bool,
}

/// `[[postgres.tenants]]`: one tenant to act as.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The tenant's value in the tenant column.
    pub id: String,
    /// A user of that tenant, for the `{user_id}` placeholder of `claims_template`.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// `[scope]`: the allowlist and the limits every agent runs under.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeConfig {
    /// Hosts that may be contacted: exact names (`app.example.com`), every subdomain of a domain
    /// (`*.example.com`, which does not include `example.com` itself) or IP addresses. Anything
    /// else is never contacted, redirects included.
    #[schemars(with = "Vec<String>")]
    pub hosts: Vec<Spanned<String>>,
    /// Most requests any one host receives in a run.
    #[serde(default = "default_requests_per_host")]
    pub requests_per_host: NonZeroU32,
    /// TCP connect timeout, in milliseconds.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: NonZeroU64,
    /// Whole-request timeout (connect, TLS, headers and body), in milliseconds.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: NonZeroU64,
    /// How long one agent may run, in seconds; what it has not finished by then is reported as
    /// `error`.
    #[serde(default = "default_agent_deadline_secs")]
    pub agent_deadline_secs: NonZeroU64,
}

fn default_requests_per_host() -> NonZeroU32 {
    NonZeroU32::new(200).expect("non-zero")
}
fn default_connect_timeout_ms() -> NonZeroU64 {
    NonZeroU64::new(5_000).expect("non-zero")
}
fn default_request_timeout_ms() -> NonZeroU64 {
    NonZeroU64::new(10_000).expect("non-zero")
}
fn default_agent_deadline_secs() -> NonZeroU64 {
    NonZeroU64::new(300).expect("non-zero")
}
fn default_latency_budget_ms() -> NonZeroU64 {
    NonZeroU64::new(2_000).expect("non-zero")
}

/// `[health]`: the endpoints that must answer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// Slowest acceptable answer, in milliseconds, for endpoints that do not set their own.
    #[serde(default = "default_latency_budget_ms")]
    pub latency_budget_ms: NonZeroU64,
    /// One `[[health.endpoints]]` table per endpoint.
    pub endpoints: Vec<HealthEndpoint>,
}

/// `[[health.endpoints]]`: one health URL.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthEndpoint {
    /// A short, unique, stable name (`frontend`, `api`, `ai-engine`): findings are fingerprinted by
    /// it, so renaming it makes its findings look new to a baseline.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The `http://` or `https://` URL to request with GET. It must not carry credentials.
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// This endpoint's latency budget in milliseconds, instead of `[health].latency_budget_ms`.
    #[serde(default)]
    pub latency_budget_ms: Option<NonZeroU64>,
    /// Request headers whose values come from environment variables: header name to variable
    /// name, e.g. `{ Authorization = "HEALTH_AUTH_HEADER" }`. A variable that is not set makes the
    /// endpoint's checks `error`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub headers_from_env: BTreeMap<String, Spanned<String>>,
}

/// A configuration file that parsed and validated.
#[derive(Debug)]
pub struct LoadedConfig {
    pub config: Config,
    pub path: PathBuf,
    /// `sha256:` of the file's bytes, recorded in reports.
    pub digest: String,
    text: String,
}

/// A configuration error, located in the file where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    /// 1-based line and column.
    pub location: Option<(usize, usize)>,
    pub message: String,
    /// The offending line and the width to underline, for display.
    snippet: Option<(String, usize)>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.path, self.message)?,
            None => write!(f, "{}: {}", self.path, self.message)?,
        }
        if let (Some((line, column)), Some((text, width))) = (self.location, &self.snippet) {
            let gutter = line.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {}{}",
                "",
                "",
                " ".repeat(column - 1),
                "^".repeat(*width)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// An error at `span` (byte offsets) of `text`, the contents of the file at `path`.
    pub fn at(
        path: &str,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let located = span.map(|span| {
            let start = span.start.min(text.len());
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line = text[..start].matches('\n').count() + 1;
            let column = text[line_start..start].chars().count() + 1;
            let end = span.end.clamp(start, line_end);
            let width = text[start..end].chars().count().max(1);
            (
                (line, column),
                (text[line_start..line_end].trim_end().to_owned(), width),
            )
        });
        ConfigError {
            path: path.to_owned(),
            location: located.as_ref().map(|(loc, _)| *loc),
            message: message.into(),
            snippet: located.map(|(_, snippet)| snippet),
        }
    }

    /// An error about the file as a whole (unreadable, not UTF-8).
    pub fn whole_file(path: &Path, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.display().to_string(),
            location: None,
            message: message.into(),
            snippet: None,
        }
    }
}

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> u32 {
    let line = text[..offset.min(text.len())].matches('\n').count() + 1;
    u32::try_from(line).unwrap_or(u32::MAX)
}

impl LoadedConfig {
    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let bytes = std::fs::read(path).map_err(|e| {
            ConfigError::whole_file(path, format!("cannot read the configuration: {e}"))
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ConfigError::whole_file(path, "the configuration is not valid UTF-8"))?;
        LoadedConfig::parse(path, &text)
    }

    /// Parses and validates configuration text; `path` is used in messages and reports.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let config: Config = toml::from_str(text)
            .map_err(|e| ConfigError::at(&shown, text, e.span(), e.message().trim()))?;
        validate(&config)
            .map_err(|(span, message)| ConfigError::at(&shown, text, Some(span), message))?;
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())));
        Ok(LoadedConfig {
            config,
            path: path.to_owned(),
            digest,
            text: text.to_owned(),
        })
    }

    /// The 1-based line of a byte offset (from a [`Spanned`] value) in the file.
    pub fn line_of(&self, offset: usize) -> u32 {
        line_of(&self.text, offset)
    }
}

type Invalid = (Range<usize>, String);

fn validate(config: &Config) -> Result<(), Invalid> {
    if config.scope.hosts.is_empty() {
        return Err((
            0..0,
            "[scope].hosts is empty: name the hosts launchguard may contact".into(),
        ));
    }
    for host in &config.scope.hosts {
        Scope::validate_pattern(host.get_ref()).map_err(|e| (host.span(), e))?;
    }
    if let Some(health) = &config.health {
        validate_health(health)?;
    }
    if let Some(tls) = &config.tls {
        validate_tls(tls)?;
    }
    if let Some(logs) = &config.logs {
        if logs.paths.is_empty() {
            return Err((
                0..0,
                "[logs].paths is empty: name the log files or directories to scan".into(),
            ));
        }
        for pattern in logs.include.iter().chain(&logs.exclude) {
            globset::Glob::new(pattern)
                .map_err(|e| (0..0, format!("[logs] glob `{pattern}`: {e}")))?;
        }
    }
    if let Some(pg) = &config.postgres {
        if !is_env_var_name(pg.url_env.get_ref()) {
            return Err((
                pg.url_env.span(),
                format!(
                    "`{}` is not an environment variable name; put the URL in a variable and name the variable here",
                    pg.url_env.get_ref()
                ),
            ));
        }
        if !is_target_name(&pg.name) {
            return Err((
                pg.url_env.span(),
                format!(
                    "[postgres].name `{}` must be lowercase letters, digits, `-` or `_`",
                    pg.name
                ),
            ));
        }
    }
    Ok(())
}

fn validate_health(health: &HealthConfig) -> Result<(), Invalid> {
    let mut names = HashSet::new();
    for endpoint in &health.endpoints {
        let name = endpoint.name.get_ref();
        if !is_target_name(name) {
            return Err((
                endpoint.name.span(),
                format!("endpoint name `{name}` must be lowercase letters, digits, `-` or `_`"),
            ));
        }
        if !names.insert(name.as_str()) {
            return Err((
                endpoint.name.span(),
                format!("endpoint name `{name}` is used twice"),
            ));
        }
        let url = url::Url::parse(endpoint.url.get_ref())
            .map_err(|e| (endpoint.url.span(), format!("not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err((
                endpoint.url.span(),
                format!("scheme `{}` is not http or https", url.scheme()),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err((
                endpoint.url.span(),
                "the URL carries credentials; put them in an environment variable and name it in headers_from_env"
                    .into(),
            ));
        }
        for (header, variable) in &endpoint.headers_from_env {
            if header.is_empty()
                || !header
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err((
                    variable.span(),
                    format!("`{header}` is not an HTTP header name"),
                ));
            }
            if !is_env_var_name(variable.get_ref()) {
                return Err((
                    variable.span(),
                    format!(
                        "`{}` is not an environment variable name (A-Z, 0-9, `_`); the value itself never goes in the file",
                        variable.get_ref()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn validate_tls(tls: &TlsConfig) -> Result<(), Invalid> {
    if tls.targets.is_empty() {
        return Err((
            0..0,
            "[tls] has no [[tls.targets]]: name the HTTPS hosts to check".into(),
        ));
    }
    let mut names = HashSet::new();
    for target in &tls.targets {
        let name = target.name.get_ref();
        if !is_target_name(name) {
            return Err((
                target.name.span(),
                format!("TLS target name `{name}` must be lowercase letters, digits, `-` or `_`"),
            ));
        }
        if !names.insert(name.as_str()) {
            return Err((
                target.name.span(),
                format!("TLS target name `{name}` is used twice"),
            ));
        }
        let hosts = std::iter::once(&target.host).chain(&target.tenant_hosts);
        for host in hosts {
            if host.get_ref().starts_with("*.") || Scope::validate_pattern(host.get_ref()).is_err()
            {
                return Err((
                    host.span(),
                    format!(
                        "`{}` is not a hostname or IP address (no scheme, port or wildcard here; \
                         put a wildcard in tenant_wildcard)",
                        host.get_ref()
                    ),
                ));
            }
        }
        if let Some(wildcard) = &target.tenant_wildcard {
            let valid = wildcard
                .get_ref()
                .strip_prefix("*.")
                .is_some_and(|base| Scope::validate_pattern(base).is_ok());
            if !valid {
                return Err((
                    wildcard.span(),
                    format!(
                        "`{}` is not a wildcard like `*.app.example.com`",
                        wildcard.get_ref()
                    ),
                ));
            }
        } else if !target.tenant_labels.is_empty() {
            return Err((
                target.name.span(),
                "tenant_labels needs tenant_wildcard".into(),
            ));
        }
        for label in &target.tenant_labels {
            if label.is_empty()
                || label.len() > 63
                || !label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err((
                    target.name.span(),
                    format!("tenant label `{label}` is not a DNS label"),
                ));
            }
        }
        for address in &target.addresses {
            if address
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_err()
            {
                return Err((
                    target.host.span(),
                    format!("address `{address}` is not an IP address"),
                ));
            }
        }
        if target.port == 0 {
            return Err((target.host.span(), "port 0 is not a port".into()));
        }
    }
    Ok(())
}

fn is_target_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn is_env_var_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LoadedConfig, ConfigError> {
        LoadedConfig::parse(Path::new("launchguard.toml"), text)
    }

    const GOOD: &str = r#"
[scope]
hosts = ["127.0.0.1", "*.example.com"]

[health]
[[health.endpoints]]
name = "api"
url = "https://api.example.com/health"
headers_from_env = { Authorization = "API_HEALTH_AUTH" }
"#;

    #[test]
    fn a_good_config_loads_with_defaults_and_a_digest() {
        let loaded = parse(GOOD).unwrap();
        let scope = &loaded.config.scope;
        assert_eq!(scope.requests_per_host.get(), 200);
        assert_eq!(scope.request_timeout_ms.get(), 10_000);
        let health = loaded.config.health.unwrap();
        assert_eq!(health.latency_budget_ms.get(), 2_000);
        assert_eq!(line_of(GOOD, health.endpoints[0].url.span().start), 8);
        assert!(loaded.digest.starts_with("sha256:"));
    }

    #[test]
    fn unknown_keys_name_line_and_column() {
        let text = GOOD.replace("name = \"api\"", "name = \"api\"\nlatency_budget = 300");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.location, Some((8, 1)), "{err}");
        assert!(
            err.message.contains("unknown field `latency_budget`"),
            "{err}"
        );
        let shown = err.to_string();
        assert!(
            shown.starts_with("launchguard.toml:8:1: unknown field"),
            "{shown}"
        );
        assert!(shown.contains("8 | latency_budget = 300"), "{shown}");
    }

    #[test]
    fn unknown_sections_are_errors() {
        let err = parse(&format!("{GOOD}\n[tlss]\nhosts = []\n")).unwrap_err();
        assert!(err.message.contains("unknown field `tlss`"), "{err}");
    }

    #[test]
    fn bad_values_name_their_line() {
        let cases = [
            (
                GOOD.replace("https://api.example.com/health", "ftp://api.example.com"),
                8,
                "scheme",
            ),
            (
                GOOD.replace(
                    "https://api.example.com/health",
                    "https://u:pw@api.example.com",
                ),
                8,
                "credentials",
            ),
            (
                GOOD.replace("API_HEALTH_AUTH", "Bearer abc123"),
                9,
                "environment variable name",
            ),
            (
                GOOD.replace("\"*.example.com\"", "\"https://x.example.com\""),
                3,
                "not a host name",
            ),
            (
                GOOD.replace("[scope]\n", "[scope]\nrequest_timeout_ms = 0\n"),
                3,
                "nonzero",
            ),
            (
                GOOD.replace("name = \"api\"", "name = \"API Gateway\""),
                7,
                "lowercase",
            ),
            (
                format!(
                    "{GOOD}[[health.endpoints]]\nname = \"api\"\nurl = \"http://127.0.0.1/\"\n"
                ),
                11,
                "twice",
            ),
        ];
        for (text, line, needle) in cases {
            let err = parse(&text).unwrap_err();
            assert_eq!(err.location.map(|l| l.0), Some(line), "{err}");
            assert!(
                err.to_string().contains(needle),
                "expected {needle:?} in: {err}"
            );
        }
    }

    #[test]
    fn tls_targets_are_validated_where_they_are_written() {
        let site = "[tls]\n[[tls.targets]]\nname = \"app\"\nhost = \"app.example.com\"\n";
        let loaded = parse(&format!(
            "{GOOD}{site}tenant_wildcard = \"*.app.example.com\"\n"
        ))
        .unwrap();
        let tls = loaded.config.tls.unwrap();
        assert_eq!((tls.targets[0].port, tls.targets[0].http_port), (443, 80));
        assert_eq!(tls.expiring_soon_days.get(), 30);
        let cases = [
            (
                site.replace("app.example.com", "https://app.example.com"),
                13,
                "not a hostname",
            ),
            (
                site.replace("app.example.com", "*.example.com"),
                13,
                "tenant_wildcard",
            ),
            (
                format!("{site}tenant_wildcard = \"app.example.com\"\n"),
                14,
                "wildcard like",
            ),
            (
                format!("{site}tenant_labels = [\"acme\"]\n"),
                12,
                "needs tenant_wildcard",
            ),
            (
                format!("{site}addresses = [\"app.internal\"]\n"),
                13,
                "not an IP address",
            ),
            (format!("{site}port = 0\n"), 13, "port 0"),
            (
                format!("{site}renewal = \"sometimes\"\n"),
                14,
                "unknown variant",
            ),
            (
                format!("{site}{}", site.replace("[tls]\n", "")),
                15,
                "twice",
            ),
        ];
        for (section, line, needle) in cases {
            let err = parse(&format!("{GOOD}{section}")).unwrap_err();
            assert_eq!(err.location.map(|l| l.0), Some(line), "{err}");
            assert!(
                err.to_string().contains(needle),
                "expected {needle:?} in: {err}"
            );
        }
        let err = parse(&format!("{GOOD}[tls]\ntargets = []\n")).unwrap_err();
        assert!(err.to_string().contains("no [[tls.targets]]"), "{err}");
    }

    #[test]
    fn postgres_takes_the_url_from_an_environment_variable() {
        let text = format!("{GOOD}\n[postgres]\nurl_env = \"AUDIT_DATABASE_URL\"\n");
        let pg = parse(&text).unwrap().config.postgres.unwrap();
        assert_eq!(
            (
                pg.anon_role.as_str(),
                pg.tenant_column.as_str(),
                pg.allow_writes
            ),
            ("anon", "tenant_id", false)
        );
        let err = parse(&format!(
            "{GOOD}\n[postgres]\nurl_env = \"postgresql://u:pw@db/app\"\n"
        ))
        .unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(12), "{err}");
        assert!(
            err.message.contains("not an environment variable name"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_and_empty_scope_are_reported() {
        let err = parse("[scope\nhosts = []").unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(1), "{err}");
        let err = parse("[scope]\nhosts = []\n").unwrap_err();
        assert!(err.message.contains("[scope].hosts is empty"), "{err}");
        let err = parse("").unwrap_err();
        assert!(err.message.contains("missing field `scope`"), "{err}");
    }
}
