//! `[postgrest]`: a PostgREST (Supabase REST) API, its anon key, and test accounts of two or more
//! tenants with their JWTs and canaries.

use std::num::NonZeroU32;

use launchguard_core::config::{Invalid, SectionContext, env_var_name, target_name, unique_names};
use launchguard_core::{Target, TargetKind};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{PgAccount, PostgrestAgent, WriteProbe};
use crate::canary::MIN_CANARY_CHARS;

fn default_tenant_column() -> String {
    "tenant_id".to_owned()
}
fn default_row_limit() -> Spanned<NonZeroU32> {
    Spanned::new(0..0, NonZeroU32::new(5).expect("non-zero"))
}
fn default_max_requests() -> NonZeroU32 {
    NonZeroU32::new(1_000).expect("non-zero")
}

/// `[postgrest]`: black-box probes of a PostgREST / Supabase REST API.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgrestConfig {
    /// A short, stable name (target `postgrest:<name>`, tables below it).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The API's base URL, ending in `/` (`https://<project>.supabase.co/rest/v1/`).
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// The environment variable holding the anon key (sent as `apikey`, and as the bearer token
    /// of anonymous requests).
    #[schemars(with = "String")]
    pub anon_key_env: Spanned<String>,
    /// The column that names a row's tenant.
    #[serde(default = "default_tenant_column")]
    pub tenant_column: String,
    /// The tables to probe; by default every table the API's OpenAPI root lists.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub tables: Option<Vec<Spanned<String>>>,
    /// Rows asked for per read (`limit=`), 1 to 100.
    #[serde(default = "default_row_limit")]
    #[schemars(with = "u32")]
    pub row_limit: Spanned<NonZeroU32>,
    /// Send the write probes (`[[postgrest.write_probes]]`): one row per probe and tenant pair,
    /// with `Prefer: return=minimal, tx=rollback`. For staging only: a server that does not honour
    /// `tx=rollback` keeps the row (the finding says so).
    #[serde(default)]
    pub allow_writes: bool,
    /// The most requests the probes may send; discovered tables that would need more make the
    /// checks `error` before anything else is sent.
    #[serde(default = "default_max_requests")]
    pub max_requests: NonZeroU32,
    /// Two or more `[[postgrest.accounts]]`, each a test user of a different tenant.
    pub accounts: Vec<PgAccountConfig>,
    /// Rows to try to insert into another tenant's data, with `allow_writes = true`.
    #[serde(default)]
    pub write_probes: Vec<WriteProbeConfig>,
}

/// `[[postgrest.accounts]]`: a test user of one tenant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PgAccountConfig {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The tenant's value in `tenant_column`.
    #[schemars(with = "String")]
    pub tenant_id: Spanned<String>,
    /// The environment variable holding the user's JWT.
    #[schemars(with = "String")]
    pub jwt_env: Spanned<String>,
    /// Strings present only in this tenant's rows, at least 8 characters.
    #[schemars(with = "Vec<String>")]
    pub canaries: Vec<Spanned<String>>,
}

/// `[[postgrest.write_probes]]`: a row to insert as one tenant, tagged with another's id.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteProbeConfig {
    #[schemars(with = "String")]
    pub table: Spanned<String>,
    /// The row's other columns (the tenant column is set by the probe), e.g.
    /// `{ body = "launchguard probe" }`.
    pub row: serde_json::Map<String, serde_json::Value>,
}

fn identifier(value: &Spanned<String>) -> Result<String, Invalid> {
    let text = value.get_ref();
    if !text.is_empty()
        && text.len() <= 63
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(text.clone())
    } else {
        Err(Invalid::at(
            value,
            "a table name is letters, digits and `_` (at most 63)",
        ))
    }
}

pub(super) fn validate(
    config: PostgrestConfig,
    cx: &SectionContext<'_>,
) -> Result<PostgrestAgent, Invalid> {
    target_name(&config.name, "name")?;
    let url = Url::parse(config.url.get_ref())
        .map_err(|e| Invalid::at(&config.url, format!("not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host().is_none()
        || !url.path().ends_with('/')
        || url.query().is_some()
    {
        return Err(Invalid::at(
            &config.url,
            "an http:// or https:// base URL ending in `/`, without a query",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Invalid::at(
            &config.url,
            "the URL carries credentials; name the anon key's variable in anon_key_env",
        ));
    }
    env_var_name(&config.anon_key_env)?;
    if config.accounts.len() < 2 {
        return Err(cx.invalid(
            "[postgrest] needs two or more [[postgrest.accounts]], each a test user of a different tenant",
        ));
    }
    unique_names(config.accounts.iter().map(|a| &a.name), "account name")?;
    let limit = config.row_limit.get_ref().get();
    if limit > 100 {
        return Err(Invalid::at(&config.row_limit, "row_limit is at most 100"));
    }
    let mut accounts: Vec<PgAccount> = Vec::new();
    for account in &config.accounts {
        env_var_name(&account.jwt_env)?;
        if account.canaries.is_empty() {
            return Err(Invalid::at(
                &account.name,
                "give the account at least one canary",
            ));
        }
        for canary in &account.canaries {
            if canary.get_ref().chars().count() < MIN_CANARY_CHARS {
                return Err(Invalid::at(
                    canary,
                    format!("a canary has at least {MIN_CANARY_CHARS} characters"),
                ));
            }
            if let Some(other) = accounts.iter().find(|a| {
                a.canaries.iter().any(|c| {
                    c.contains(canary.get_ref().as_str()) || canary.get_ref().contains(c.as_str())
                })
            }) {
                return Err(Invalid::at(
                    canary,
                    format!(
                        "this canary overlaps account `{}`'s; each tenant's canaries must be its own",
                        other.name
                    ),
                ));
            }
        }
        if accounts
            .iter()
            .any(|a| &a.tenant_id == account.tenant_id.get_ref())
        {
            return Err(Invalid::at(
                &account.tenant_id,
                "two accounts name the same tenant_id",
            ));
        }
        accounts.push(PgAccount {
            name: account.name.get_ref().clone(),
            tenant_id: account.tenant_id.get_ref().clone(),
            jwt_env: account.jwt_env.get_ref().clone(),
            canaries: account
                .canaries
                .iter()
                .map(|c| c.get_ref().clone())
                .collect(),
        });
    }
    let tables = match &config.tables {
        Some(tables) => Some(
            tables
                .iter()
                .map(identifier)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let mut write_probes = Vec::new();
    for probe in config.write_probes {
        let table = identifier(&probe.table)?;
        if probe.row.contains_key(&config.tenant_column) {
            return Err(Invalid::at(
                &probe.table,
                format!(
                    "leave `{}` out of the row: the probe sets it to the other tenant",
                    config.tenant_column
                ),
            ));
        }
        write_probes.push(WriteProbe {
            table,
            row: probe.row,
        });
    }
    let target = Target::new(
        format!("postgrest:{}", config.name.get_ref()),
        TargetKind::Url,
        url.as_str(),
    )
    .declared_at(cx.line_of(config.name.span().start));
    Ok(PostgrestAgent {
        base: url,
        target,
        anon_key_env: config.anon_key_env.get_ref().clone(),
        tenant_column: config.tenant_column,
        tables,
        row_limit: limit,
        allow_writes: config.allow_writes,
        max_requests: config.max_requests.get(),
        accounts,
        write_probes,
        env: cx.env().clone(),
    })
}
