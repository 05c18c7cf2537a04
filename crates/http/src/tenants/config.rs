//! `[tenants]`: test accounts of two or more tenants (credentials from the environment, canaries,
//! resources) and the ways the application chooses a tenant (selectors).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use launchguard_core::config::{Invalid, SectionContext, env_var_name, shorten, unique_names};
use launchguard_core::{Target, TargetKind};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{Account, Credential, Selector, SelectorKind, TenantsAgent};
use crate::canary::MIN_CANARY_CHARS;

/// Placeholder for the selected tenant's value in a selector's base URL.
pub const TENANT_PLACEHOLDER: &str = "{tenant}";

fn default_concurrency() -> Spanned<NonZeroU32> {
    Spanned::new(0..0, NonZeroU32::new(8).expect("non-zero"))
}
fn default_max_requests() -> NonZeroU32 {
    NonZeroU32::new(5_000).expect("non-zero")
}

/// `[tenants]`: cross-tenant probes through the application's tenant selectors.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantsConfig {
    /// Requests in flight at once (1 to 16).
    #[serde(default = "default_concurrency")]
    #[schemars(with = "u32")]
    pub concurrency: Spanned<NonZeroU32>,
    /// The most requests the probes may send in all; a configuration that would need more is
    /// refused before anything is sent. Each selector costs, per resource of each account, one
    /// control request, one request per other account and one unauthenticated request.
    #[serde(default = "default_max_requests")]
    pub max_requests: NonZeroU32,
    /// Two or more `[[tenants.accounts]]`, each a test user of a different tenant.
    pub accounts: Vec<AccountConfig>,
    /// One `[[tenants.selectors]]` per way the application chooses the tenant.
    pub selectors: Vec<SelectorConfig>,
}

/// `[[tenants.accounts]]`: a test user of one tenant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// A short, unique, stable name for the tenant (`acme`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// What a selector carries to choose this tenant (the header or cookie value, the subdomain
    /// label, the path segment, the query value); by default the name. Letters, digits, `-`,
    /// `_`, `.`, `~`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub selector_value: Option<Spanned<String>>,
    /// The environment variable holding the user's bearer token (a JWT), sent as
    /// `Authorization: Bearer <token>`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub token_env: Option<Spanned<String>>,
    /// The environment variable holding the user's session cookie value (instead of a token).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub session_cookie_env: Option<Spanned<String>>,
    /// The session cookie's name.
    #[serde(default)]
    pub session_cookie: Option<String>,
    /// Strings present only in this tenant's data (seeded records), at least 8 characters. A
    /// cross-tenant finding needs one of them in another tenant's answer.
    #[schemars(with = "Vec<String>")]
    pub canaries: Vec<Spanned<String>>,
    /// This tenant's resources, relative to each selector's base (`notes/123`), each of which
    /// shows one of the canaries to the tenant's own user.
    #[schemars(with = "Vec<String>")]
    pub resources: Vec<Spanned<String>>,
}

/// `[[tenants.selectors]]`: one way of choosing the tenant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectorConfig {
    /// A short, unique, stable name (target `tenants:probes/<name>`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// `header`, `subdomain`, `cookie`, `path` or `query`.
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    /// The base URL resources are appended to, ending in `/`. `path` selectors put `{tenant}` in
    /// the path (`https://api.example.com/t/{tenant}/`), `subdomain` selectors in the host
    /// (`https://{tenant}.app.example.com/api/`); the others have no `{tenant}`.
    #[schemars(with = "String")]
    pub base: Spanned<String>,
    /// The header of a `header` selector (default `X-Tenant-Id`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub header: Option<Spanned<String>>,
    /// The cookie of a `cookie` selector (default `tenant`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub cookie: Option<Spanned<String>>,
    /// The query parameter of a `query` selector (default `tenant_id`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub parameter: Option<Spanned<String>>,
    /// Connect to this IP address instead of resolving the host (for `subdomain` selectors whose
    /// tenant names are not in DNS yet: a staging edge, the lab).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub connect_to: Option<Spanned<String>>,
}

fn token_chars(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

fn dns_label(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 63
        && !value.starts_with('-')
        && !value.ends_with('-')
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn header_name(value: &Spanned<String>, what: &str) -> Result<String, Invalid> {
    let name = value.get_ref();
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(name.clone())
    } else {
        Err(Invalid::at(
            value,
            format!(
                "`{}` is not a valid {what}",
                shorten(name, 60).escape_debug()
            ),
        ))
    }
}

fn account(config: AccountConfig) -> Result<(Account, Vec<Spanned<String>>), Invalid> {
    let value = config
        .selector_value
        .as_ref()
        .unwrap_or(&config.name)
        .clone();
    if !token_chars(value.get_ref()) {
        return Err(Invalid::at(
            &value,
            "a selector value is letters, digits, `-`, `_`, `.` or `~` (it goes into URLs, headers and cookies)",
        ));
    }
    let credential = match (&config.token_env, &config.session_cookie_env) {
        (Some(token), None) => {
            env_var_name(token)?;
            Credential::Bearer {
                variable: token.get_ref().clone(),
            }
        }
        (None, Some(cookie)) => {
            env_var_name(cookie)?;
            let name = config.session_cookie.clone().unwrap_or_default();
            if !token_chars(&name) {
                return Err(Invalid::at(
                    cookie,
                    "a session cookie needs session_cookie, the cookie's name",
                ));
            }
            Credential::Cookie {
                name,
                variable: cookie.get_ref().clone(),
            }
        }
        _ => {
            return Err(Invalid::at(
                &config.name,
                "give each account exactly one of token_env or session_cookie_env",
            ));
        }
    };
    if config.canaries.is_empty() {
        return Err(Invalid::at(
            &config.name,
            "give the account at least one canary: a string present only in this tenant's data",
        ));
    }
    for canary in &config.canaries {
        if canary.get_ref().chars().count() < MIN_CANARY_CHARS {
            return Err(Invalid::at(
                canary,
                format!(
                    "a canary has at least {MIN_CANARY_CHARS} characters; shorter ones turn up by chance"
                ),
            ));
        }
    }
    if config.resources.is_empty() {
        return Err(Invalid::at(
            &config.name,
            "give the account at least one resource (a path relative to the selectors' bases)",
        ));
    }
    let mut resources = Vec::new();
    for resource in &config.resources {
        let text = resource.get_ref();
        if text.is_empty() || text.starts_with('/') || text.contains("://") || text.contains('?') {
            return Err(Invalid::at(
                resource,
                "a resource is a path relative to the selector's base (`notes/123`): no leading `/`, scheme or query",
            ));
        }
        resources.push(text.clone());
    }
    Ok((
        Account {
            name: config.name.get_ref().clone(),
            value: value.get_ref().clone(),
            credential,
            canaries: config
                .canaries
                .iter()
                .map(|c| c.get_ref().clone())
                .collect(),
            resources,
        },
        config.canaries,
    ))
}

fn selector(
    config: SelectorConfig,
    accounts: &[Account],
    parent: &Target,
) -> Result<Selector, Invalid> {
    let kind = match config.kind.get_ref().as_str() {
        "header" => SelectorKind::Header,
        "subdomain" => SelectorKind::Subdomain,
        "cookie" => SelectorKind::Cookie,
        "path" => SelectorKind::Path,
        "query" => SelectorKind::Query,
        _ => {
            return Err(Invalid::at(
                &config.kind,
                "kind is one of header, subdomain, cookie, path or query",
            ));
        }
    };
    let base = config.base.get_ref();
    let templated = base.contains(TENANT_PLACEHOLDER);
    let wants_template = matches!(kind, SelectorKind::Path | SelectorKind::Subdomain);
    if templated != wants_template {
        let message = if wants_template {
            format!(
                "a {} selector's base has `{TENANT_PLACEHOLDER}` where the tenant goes",
                kind.word()
            )
        } else {
            format!(
                "a {} selector's base has no `{TENANT_PLACEHOLDER}`",
                kind.word()
            )
        };
        return Err(Invalid::at(&config.base, message));
    }
    if !base.ends_with('/') {
        return Err(Invalid::at(
            &config.base,
            "end the base with `/`: resources are appended to it",
        ));
    }
    for account in accounts {
        if kind == SelectorKind::Subdomain && !dns_label(&account.value) {
            return Err(Invalid::at(
                &config.base,
                format!(
                    "account `{}` has selector value `{}`, which is not a lowercase DNS label",
                    account.name, account.value
                ),
            ));
        }
        let url = Url::parse(&base.replace(TENANT_PLACEHOLDER, &account.value))
            .map_err(|e| Invalid::at(&config.base, format!("not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Invalid::at(
                &config.base,
                "not an http:// or https:// URL with a host",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(Invalid::at(
                &config.base,
                "the base carries credentials or a query; credentials come from the accounts",
            ));
        }
        if kind == SelectorKind::Subdomain
            && !url
                .host_str()
                .is_some_and(|h| h.starts_with(&format!("{}.", account.value)))
        {
            return Err(Invalid::at(
                &config.base,
                "a subdomain selector's base starts its host with `{tenant}.`",
            ));
        }
    }
    let name_of = |value: &Option<Spanned<String>>, default: &str, what: &str| match value {
        Some(v) => header_name(v, what),
        None => Ok(default.to_owned()),
    };
    let key = match kind {
        SelectorKind::Header => name_of(&config.header, "X-Tenant-Id", "header name")?,
        SelectorKind::Cookie => name_of(&config.cookie, "tenant", "cookie name")?,
        SelectorKind::Query => name_of(&config.parameter, "tenant_id", "query parameter")?,
        SelectorKind::Path | SelectorKind::Subdomain => String::new(),
    };
    let connect_to = match &config.connect_to {
        Some(address) => Some(
            address
                .get_ref()
                .parse::<IpAddr>()
                .map(|ip| SocketAddr::new(ip, 0))
                .map_err(|_| Invalid::at(address, "connect_to is an IP address"))?,
        ),
        None => None,
    };
    let target = parent.child(config.name.get_ref(), TargetKind::Url, base.clone());
    Ok(Selector {
        kind,
        base: base.clone(),
        key,
        connect_to,
        target,
    })
}

pub(super) fn validate(
    config: TenantsConfig,
    cx: &SectionContext<'_>,
) -> Result<TenantsAgent, Invalid> {
    if config.accounts.len() < 2 {
        return Err(cx.invalid(
            "[tenants] needs two or more [[tenants.accounts]], each a test user of a different tenant",
        ));
    }
    if config.selectors.is_empty() {
        return Err(cx.invalid(
            "[tenants] has no [[tenants.selectors]]: name how the application chooses the tenant",
        ));
    }
    let concurrency = config.concurrency.get_ref().get();
    if concurrency > 16 {
        return Err(Invalid::at(
            &config.concurrency,
            "concurrency is at most 16",
        ));
    }
    unique_names(config.accounts.iter().map(|a| &a.name), "account name")?;
    unique_names(config.selectors.iter().map(|s| &s.name), "selector name")?;
    let mut accounts: Vec<Account> = Vec::new();
    let mut spans: Vec<Vec<Spanned<String>>> = Vec::new();
    for entry in config.accounts {
        let (account, canaries) = account(entry)?;
        accounts.push(account);
        spans.push(canaries);
    }
    for (index, account) in accounts.iter().enumerate() {
        for (other_index, other) in accounts.iter().enumerate() {
            if index == other_index {
                continue;
            }
            if account.value == other.value {
                return Err(cx.invalid(format!(
                    "accounts `{}` and `{}` select the same tenant value",
                    account.name, other.name
                )));
            }
            for (c, canary) in account.canaries.iter().enumerate() {
                if other.canaries.iter().any(|o| o.contains(canary.as_str())) {
                    return Err(Invalid::at(
                        &spans[index][c],
                        format!(
                            "this canary also appears in account `{}`'s canaries; each tenant's canaries must be its own",
                            other.name
                        ),
                    ));
                }
            }
        }
    }
    let first_line = config
        .selectors
        .first()
        .map(|s| cx.line_of(s.name.span().start))
        .unwrap_or(1);
    let parent = Target::new(
        "tenants:probes",
        TargetKind::Url,
        format!(
            "cross-tenant probes ({} accounts x {} selectors)",
            accounts.len(),
            config.selectors.len()
        ),
    )
    .declared_at(first_line);
    let mut selectors = Vec::new();
    for entry in config.selectors {
        let line = cx.line_of(entry.name.span().start);
        let mut built = selector(entry, &accounts, &parent)?;
        built.target.config_line = Some(line);
        selectors.push(built);
    }
    let resources: u64 = accounts.iter().map(|a| a.resources.len() as u64).sum();
    let per_selector = resources * (accounts.len() as u64 + 1);
    let planned = per_selector * selectors.len() as u64;
    if planned > u64::from(config.max_requests.get()) {
        return Err(cx.invalid(format!(
            "the probes need {planned} requests ({} selectors x {per_selector}), over [tenants].max_requests ({}); raise it or list fewer resources",
            selectors.len(),
            config.max_requests
        )));
    }
    Ok(TenantsAgent {
        accounts,
        selectors,
        parent,
        concurrency: concurrency as usize,
        env: cx.env().clone(),
    })
}
