//! PostgREST / Supabase REST, probed as a black box with the anon key and each test tenant's JWT.
//!
//! 1. The tables: the configured list, or every path of the API's OpenAPI root (which also says
//!    which tables have the tenant column).
//! 2. Per table, with the anon key: `GET /<table>?limit=N` (`postgrest.anon_read`).
//! 3. Per table and ordered pair of accounts (A, B), with A's JWT: `GET /<table>?<tenant
//!    column>=eq.<B>&limit=N`, or `?limit=N` when the table has no tenant column
//!    (`postgrest.cross_tenant_read`); A's own rows are read the same way as the positive control
//!    (`postgrest.control_failed`).
//! 4. With `allow_writes = true` only: per write probe and ordered pair, A's JWT POSTs one row
//!    tagged with B's tenant, with `Prefer: return=minimal, tx=rollback`
//!    (`postgrest.cross_tenant_write`).
//!
//! Findings on tables are on child targets (`postgrest:<name>/<table>`); the control is on the
//! API's target. Evidence: the request (keys redacted), the status, row counts, and where a
//! canary appeared; never row data.

mod anon_read;
mod config;
mod control;
mod cross_tenant_read;
mod cross_tenant_write;

use std::sync::Arc;

use futures_util::StreamExt;
use launchguard_core::config::{Environment, Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, Finding, Redacted, Registration, Target,
    TargetKind,
};
use launchguard_net::{HttpClient, HttpOptions, Method};
use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

use crate::canary::{self, Sighting};

pub use config::{PgAccountConfig, PostgrestConfig, WriteProbeConfig};

/// Body bytes read per answer.
const BODY_CAP: usize = 256 * 1024;
/// Requests in flight at once.
const CONCURRENCY: usize = 4;
/// Most tables taken from an OpenAPI root (a hostile one may list millions).
const MAX_TABLES: usize = 200;

pub static CHECKS: &[&CheckDef] = &[
    &control::CHECK,
    &anon_read::CHECK,
    &cross_tenant_read::CHECK,
    &cross_tenant_write::CHECK,
];

#[derive(Debug, Clone)]
pub(crate) struct PgAccount {
    pub name: String,
    pub tenant_id: String,
    pub jwt_env: String,
    pub canaries: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct WriteProbe {
    pub table: String,
    pub row: serde_json::Map<String, serde_json::Value>,
}

/// A table to probe.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub name: String,
    /// Whether the table has the tenant column (unknown tables are read unfiltered).
    pub tenant_column: bool,
    pub target: Target,
}

/// What one request brought back.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub request: String,
    pub result: Result<Answer, String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    /// Rows of a JSON array answer (`None` when the body is not one, or was cut).
    pub rows: Option<Vec<serde_json::Value>>,
    pub body: Vec<u8>,
    pub preference_applied: Option<String>,
}

impl Answer {
    /// Rows whose tenant column equals `tenant`.
    pub fn rows_of(&self, column: &str, tenant: &str) -> usize {
        self.rows.as_ref().map_or(0, |rows| {
            rows.iter()
                .filter(|row| match &row[column] {
                    serde_json::Value::String(s) => s == tenant,
                    serde_json::Value::Number(n) => n.to_string() == tenant,
                    _ => false,
                })
                .count()
        })
    }

    /// Rows that carry a non-null tenant column.
    pub fn tenant_rows(&self, column: &str) -> usize {
        self.rows.as_ref().map_or(0, |rows| {
            rows.iter().filter(|row| !row[column].is_null()).count()
        })
    }

    pub fn sighting(&self, canaries: &[String]) -> Option<Sighting> {
        canary::find(&self.body, canaries)
    }
}

/// A read of `table` by `reader` (`None` = anon) selecting `selected` (an account index, or no
/// filter).
#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub table: usize,
    pub reader: Option<usize>,
    pub selected: Option<usize>,
    pub reply: Reply,
}

/// A write into `table` by `writer`, tagged with `victim`'s tenant.
#[derive(Debug, Clone)]
pub(crate) struct Write {
    pub table: usize,
    pub writer: usize,
    pub victim: usize,
    pub reply: Reply,
}

/// Everything the probes saw.
pub(crate) struct Observed<'a> {
    pub agent: &'a PostgrestAgent,
    pub tables: Vec<Table>,
    pub reads: Vec<Read>,
    pub writes: Vec<Write>,
}

impl Observed<'_> {
    /// Accounts that saw none of their own data anywhere.
    pub fn blind_accounts(&self) -> Vec<&str> {
        let column = &self.agent.tenant_column;
        self.agent
            .accounts
            .iter()
            .enumerate()
            .filter(|(i, account)| {
                !self.reads.iter().any(|read| {
                    read.reader == Some(*i)
                        && matches!(&read.reply.result, Ok(answer)
                            if answer.sighting(&account.canaries).is_some()
                                || answer.rows_of(column, &account.tenant_id) > 0)
                })
            })
            .map(|(_, account)| account.name.as_str())
            .collect()
    }
}

/// The PostgREST agent, built from a validated `[postgrest]`.
#[derive(Debug)]
pub struct PostgrestAgent {
    base: Url,
    target: Target,
    anon_key_env: String,
    tenant_column: String,
    tables: Option<Vec<String>>,
    row_limit: u32,
    allow_writes: bool,
    max_requests: u32,
    accounts: Vec<PgAccount>,
    write_probes: Vec<WriteProbe>,
    env: Environment,
}

/// The registration of `[postgrest]`.
pub struct PostgrestSpec;

pub static AGENT: Registration<PostgrestSpec> = Registration::new();

impl AgentSpec for PostgrestSpec {
    const NAME: &'static str = "postgrest";
    const ABOUT: &'static str = "PostgREST / Supabase REST as a black box: anon reads, cross-tenant reads and (staging) writes";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = PostgrestConfig;
    type Validated = PostgrestAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS
    }

    fn validate(
        config: PostgrestConfig,
        cx: &SectionContext<'_>,
    ) -> Result<PostgrestAgent, Invalid> {
        config::validate(config, cx)
    }

    fn build(agent: PostgrestAgent) -> Arc<dyn Agent> {
        Arc::new(agent)
    }
}

/// A key as request headers and as evidence.
struct Key {
    headers: Vec<(HeaderName, HeaderValue)>,
    shown: String,
}

fn key_headers(anon_key: &str, bearer: &str) -> Result<Key, String> {
    let sensitive = |text: String| {
        HeaderValue::from_str(&text).map(|mut v| {
            v.set_sensitive(true);
            v
        })
    };
    let apikey =
        sensitive(anon_key.to_owned()).map_err(|_| "the anon key is not a valid header value")?;
    let authorization =
        sensitive(format!("Bearer {bearer}")).map_err(|_| "a JWT is not a valid header value")?;
    Ok(Key {
        headers: vec![
            (HeaderName::from_static("apikey"), apikey),
            (reqwest::header::AUTHORIZATION, authorization),
        ],
        shown: format!(
            "apikey: {}, Authorization: Bearer {}",
            Redacted::new(anon_key),
            Redacted::new(bearer)
        ),
    })
}

impl Agent for PostgrestAgent {
    fn targets(&self) -> Vec<Target> {
        vec![self.target.clone()]
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let fail_all = |reason: String| {
                for check in CHECKS {
                    ctx.report(Finding::error(
                        check,
                        self.target.clone(),
                        format!("not verified: {reason}"),
                    ));
                }
            };
            let anon_key = match self.env.var(&self.anon_key_env) {
                Ok(key) => key,
                Err(e) => return fail_all(e.to_string()),
            };
            let mut keys = Vec::new();
            match key_headers(&anon_key, &anon_key) {
                Ok(key) => keys.push(key),
                Err(e) => return fail_all(e),
            }
            for account in &self.accounts {
                let jwt = match self.env.var(&account.jwt_env) {
                    Ok(jwt) => jwt,
                    Err(e) => return fail_all(e.to_string()),
                };
                match key_headers(&anon_key, &jwt) {
                    Ok(key) => keys.push(key),
                    Err(e) => return fail_all(e),
                }
            }
            let client = match HttpClient::new(
                ctx.scope.clone(),
                HttpOptions::new("PostgREST probe", BODY_CAP),
            ) {
                Ok(client) => client,
                Err(e) => return fail_all(e.to_string()),
            };
            let tables = match self.discover(&client, &keys[0]).await {
                Ok(tables) => tables,
                Err(reason) => return fail_all(reason),
            };
            let pairs: Vec<(usize, usize)> = (0..self.accounts.len())
                .flat_map(|a| (0..self.accounts.len()).map(move |b| (a, b)))
                .collect();
            // Reads: anon; then each account selecting each account (itself = the control).
            let mut reads: Vec<(usize, Option<usize>, Option<usize>)> = Vec::new();
            for (t, table) in tables.iter().enumerate() {
                reads.push((t, None, None));
                if table.tenant_column {
                    reads.extend(pairs.iter().map(|(a, b)| (t, Some(*a), Some(*b))));
                } else {
                    reads.extend((0..self.accounts.len()).map(|a| (t, Some(a), None)));
                }
            }
            let mut writes: Vec<(usize, usize, usize, &WriteProbe)> = Vec::new();
            if self.allow_writes {
                for probe in &self.write_probes {
                    if let Some(t) = tables.iter().position(|t| t.name == probe.table) {
                        writes.extend(
                            pairs
                                .iter()
                                .filter(|(a, b)| a != b)
                                .map(|(a, b)| (t, *a, *b, probe)),
                        );
                    }
                }
            }
            let planned = 1 + reads.len() + writes.len();
            if planned > self.max_requests as usize {
                return fail_all(format!(
                    "the probes of {} tables need {planned} requests, over [postgrest].max_requests ({})",
                    tables.len(),
                    self.max_requests
                ));
            }
            let read_futures: Vec<_> = reads
                .into_iter()
                .map(|(t, reader, selected)| {
                    let (client, keys, tables) = (&client, &keys, &tables);
                    async move {
                        let key = &keys[reader.map_or(0, |r| r + 1)];
                        let reply = self.read(client, key, &tables[t], selected).await;
                        Read {
                            table: t,
                            reader,
                            selected,
                            reply,
                        }
                    }
                })
                .collect();
            let reads: Vec<Read> = futures_util::stream::iter(read_futures)
                .buffered(CONCURRENCY)
                .collect()
                .await;
            let mut done = Vec::new();
            // Writes one at a time: each holds a row lock on the server until it rolls back.
            for (t, writer, victim, probe) in writes {
                let reply = self
                    .write(&client, &keys[writer + 1], &tables[t], victim, probe)
                    .await;
                done.push(Write {
                    table: t,
                    writer,
                    victim,
                    reply,
                });
            }
            let observed = Observed {
                agent: self,
                tables,
                reads,
                writes: done,
            };
            ctx.report(control::judge(&observed));
            for (t, _) in observed.tables.iter().enumerate() {
                ctx.report(anon_read::judge(&observed, t));
                ctx.report(cross_tenant_read::judge(&observed, t));
                ctx.report(cross_tenant_write::judge(&observed, t));
            }
        })
    }
}

impl PostgrestAgent {
    fn table(&self, name: &str, tenant_column: bool) -> Table {
        let display = self
            .base
            .join(name)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| name.to_owned());
        Table {
            name: name.to_owned(),
            tenant_column,
            target: self.target.child(name, TargetKind::Table, display),
        }
    }

    /// The tables to probe: the configured ones, or those of the OpenAPI root; which have the
    /// tenant column comes from the root when it answers.
    async fn discover(&self, client: &HttpClient, anon: &Key) -> Result<Vec<Table>, String> {
        let root = client.get(&self.base, &anon.headers).await;
        let document: Option<serde_json::Value> = match &root {
            Ok(response) if response.status == 200 && !response.truncated => {
                serde_json::from_slice(&response.body).ok()
            }
            _ => None,
        };
        let has_column = |table: &str| {
            document.as_ref().is_some_and(|d| {
                d["definitions"][table]["properties"]
                    .get(&self.tenant_column)
                    .is_some()
            })
        };
        if let Some(configured) = &self.tables {
            let known = document.is_some();
            return Ok(configured
                .iter()
                // Without a description, filter by the tenant column anyway: a table without it
                // answers 400 and is reported as inconclusive rather than read unfiltered.
                .map(|name| self.table(name, !known || has_column(name)))
                .collect());
        }
        let Some(document) = &document else {
            return Err(match root {
                Ok(response) => format!(
                    "the API root answered HTTP {} without an OpenAPI description; list the tables in [postgrest].tables",
                    response.status
                ),
                Err(e) => format!("the API root: {e}"),
            });
        };
        let Some(paths) = document["paths"].as_object() else {
            return Err("the API root's OpenAPI description has no paths".to_owned());
        };
        let names: Vec<&str> = paths
            .keys()
            .filter_map(|p| p.strip_prefix('/'))
            .filter(|name| {
                !name.is_empty()
                    && name.len() <= 63
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
            .take(MAX_TABLES)
            .collect();
        if names.is_empty() {
            return Err(
                "the API root lists no tables (is the schema exposed, db-schemas set?)".to_owned(),
            );
        }
        Ok(names
            .into_iter()
            .map(|n| self.table(n, has_column(n)))
            .collect())
    }

    async fn read(
        &self,
        client: &HttpClient,
        key: &Key,
        table: &Table,
        selected: Option<usize>,
    ) -> Reply {
        let mut url = match self.base.join(&table.name) {
            Ok(url) => url,
            Err(e) => {
                return Reply {
                    request: format!("GET {}{}", self.base, table.name),
                    result: Err(e.to_string()),
                };
            }
        };
        {
            let mut query = url.query_pairs_mut();
            if let Some(selected) = selected {
                query.append_pair(
                    &self.tenant_column,
                    &format!("eq.{}", self.accounts[selected].tenant_id),
                );
            }
            query.append_pair("limit", &self.row_limit.to_string());
        }
        let request = format!("GET {url} with {}", key.shown);
        let result = match client.get(&url, &key.headers).await {
            Ok(response) => Ok(Answer {
                status: response.status,
                rows: (!response.truncated)
                    .then(|| serde_json::from_slice::<Vec<serde_json::Value>>(&response.body).ok())
                    .flatten(),
                preference_applied: response.header("preference-applied").map(str::to_owned),
                body: response.body,
            }),
            Err(e) => Err(e.to_string()),
        };
        Reply { request, result }
    }

    async fn write(
        &self,
        client: &HttpClient,
        key: &Key,
        table: &Table,
        victim: usize,
        probe: &WriteProbe,
    ) -> Reply {
        let url = match self.base.join(&table.name) {
            Ok(url) => url,
            Err(e) => {
                return Reply {
                    request: format!("POST {}{}", self.base, table.name),
                    result: Err(e.to_string()),
                };
            }
        };
        let mut row = probe.row.clone();
        row.insert(
            self.tenant_column.clone(),
            serde_json::Value::String(self.accounts[victim].tenant_id.clone()),
        );
        let mut headers = key.headers.clone();
        headers.push((
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ));
        headers.push((
            HeaderName::from_static("prefer"),
            HeaderValue::from_static("return=minimal, tx=rollback"),
        ));
        let request = format!(
            "POST {url} with {}, Prefer: return=minimal, tx=rollback; {} = {}",
            key.shown, self.tenant_column, self.accounts[victim].tenant_id
        );
        let body = serde_json::Value::Object(row).to_string().into_bytes();
        let result = match client.send(Method::POST, &url, &headers, Some(body)).await {
            Ok(response) => Ok(Answer {
                status: response.status,
                rows: None,
                preference_applied: response.header("preference-applied").map(str::to_owned),
                body: response.body,
            }),
            Err(e) => Err(e.to_string()),
        };
        Reply { request, result }
    }
}
