//! A PostgREST-compatible gateway over a throwaway PostgreSQL database, so that the RLS the
//! PostgREST probes meet is PostgreSQL's own.
//!
//! Per request, as PostgREST does: the `Authorization: Bearer` JWT is verified (HS256 with the
//! lab's secret; none means the anon role), and in one transaction the gateway runs
//! `SET LOCAL ROLE <the claims' role>` and `set_config('request.jwt.claims', <claims>, true)`
//! before the query, connected as a NOINHERIT `authenticator` role. Supported: `GET /` (an
//! OpenAPI 2 description of the exposed tables), `GET /<table>?limit=N&<column>=eq.<value>`, and
//! `POST /<table>` with a JSON object, honouring `Prefer: return=minimal` and `tx=rollback`
//! (answered in `Preference-Applied`). Errors carry PostgREST's shape and statuses: 42501 is 401
//! for anon and 403 otherwise, 23xxx is 409, an unknown table 404.
//!
//! Schema `api` (every table has RLS or not as planted):
//! - `notes`: RLS by `tenant_id` from the claims, for reads and writes: the correct table;
//! - `projects`: RLS with `USING (true)` / `WITH CHECK (true)` for `authenticated`: cross-tenant
//!   reads and writes;
//! - `profiles`: no RLS, readable by `anon`: leaks to anyone;
//! - `plans`: no tenant data, readable by `anon`: a public table, fine.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::Mutex;
use tokio_postgres::{Client, Config, NoTls};

/// The HS256 secret the lab's tokens are signed with (a test value, never a real one).
const JWT_SECRET: &[u8] = b"launchguard-lab-postgrest-secret-at-least-32-bytes";
/// Connections the gateway keeps (requests beyond wait for one).
const POOL: usize = 4;

/// The lab's tenants: (tenant id, canary).
pub const TENANTS: [(&str, &str); 2] = [
    ("acme", "lg-canary-pgrst-acme-51c3"),
    ("globex", "lg-canary-pgrst-globex-9e07"),
];

const SCHEMA: &str = r#"
create schema api;
grant usage on schema api to @anon@, @authenticated@;

create table api.notes (id serial primary key, tenant_id text not null, body text not null);
alter table api.notes enable row level security;
create policy own_notes on api.notes to @authenticated@
  using (tenant_id = current_setting('request.jwt.claims', true)::json->>'tenant_id')
  with check (tenant_id = current_setting('request.jwt.claims', true)::json->>'tenant_id');
grant select, insert on api.notes to @authenticated@;

create table api.projects (id serial primary key, tenant_id text not null, name text not null);
alter table api.projects enable row level security;
create policy any_project on api.projects to @authenticated@ using (true) with check (true);
grant select, insert on api.projects to @authenticated@;

create table api.profiles (id serial primary key, tenant_id text not null, display text not null);
grant select on api.profiles to @anon@, @authenticated@;

create table api.plans (id serial primary key, name text not null);
grant select on api.plans to @anon@, @authenticated@;

grant usage on all sequences in schema api to @authenticated@;

insert into api.plans (name) values ('free'), ('pro');
"#;

/// Mints an HS256 JWT with `claims` (a JSON object), signed with the lab's secret.
pub fn mint(claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(JWT_SECRET).expect("any key length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// The claims of a token signed with the lab's secret; `None` for anything else.
fn verify(token: &str) -> Option<serde_json::Value> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header["alg"] != "HS256" {
        return None;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(JWT_SECRET).expect("any key length");
    mac.update(signing_input.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?)
        .ok()?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims.is_object().then_some(claims)
}

struct Gateway {
    pool: Vec<Mutex<Client>>,
    next: AtomicUsize,
    /// API role name (`anon`, `authenticated`) → database role.
    roles: HashMap<&'static str, String>,
    /// Table → columns, from the catalog at start.
    tables: Vec<(String, Vec<String>)>,
    requests: AtomicUsize,
}

/// The running gateway and its database.
pub struct PostgrestLab {
    pub addr: SocketAddr,
    /// The anon key: a JWT with `role = anon`.
    pub anon_key: String,
    /// Per tenant of [`TENANTS`]: a JWT with `role = authenticated` and the tenant's `tenant_id`.
    pub tenant_tokens: Vec<String>,
    gateway: Arc<Gateway>,
    admin: Config,
    database: String,
    prefix: String,
}

async fn connect(config: &Config) -> anyhow::Result<Client> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

impl PostgrestLab {
    /// Creates the database and roles (names unique to this call) through `admin_url`, a
    /// superuser on a local server with trust authentication, and starts the gateway.
    pub async fn start(admin_url: &str) -> anyhow::Result<PostgrestLab> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let prefix = format!(
            "lgpr{}x{}_",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin: Config = admin_url.parse()?;
        let database = format!("{prefix}db");
        let client = connect(&admin).await?;
        let role = |name: &str| format!("{prefix}{name}");
        client
            .batch_execute(&format!("create database {database}"))
            .await?;
        client
            .batch_execute(&format!(
                "create role {anon} nologin; create role {auth} nologin;
                 create role {authenticator} login noinherit;
                 grant {anon}, {auth} to {authenticator};",
                anon = role("anon"),
                auth = role("authenticated"),
                authenticator = role("authenticator"),
            ))
            .await?;
        let mut lab_admin = admin.clone();
        lab_admin.dbname(&database);
        let owner = connect(&lab_admin).await?;
        let mut seed = SCHEMA
            .replace("@anon@", &role("anon"))
            .replace("@authenticated@", &role("authenticated"));
        for (tenant, canary) in TENANTS {
            seed.push_str(&format!(
                "insert into api.notes (tenant_id, body) values ('{tenant}', 'meeting notes {canary}');
                 insert into api.projects (tenant_id, name) values ('{tenant}', 'roadmap {canary}');
                 insert into api.profiles (tenant_id, display) values ('{tenant}', 'owner {canary}');\n"
            ));
        }
        owner.batch_execute(&seed).await?;
        let tables = {
            let rows = owner
                .query(
                    "select c.relname::text, array_agg(a.attname::text order by a.attnum)
                       from pg_class c join pg_namespace n on n.oid = c.relnamespace
                       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                      where n.nspname = 'api' and c.relkind = 'r'
                      group by c.relname order by c.relname",
                    &[],
                )
                .await?;
            rows.iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, Vec<String>>(1)))
                .collect()
        };
        let mut as_authenticator = lab_admin.clone();
        as_authenticator.user(role("authenticator"));
        let mut pool = Vec::new();
        for _ in 0..POOL {
            pool.push(Mutex::new(connect(&as_authenticator).await?));
        }
        let gateway = Arc::new(Gateway {
            pool,
            next: AtomicUsize::new(0),
            roles: HashMap::from([
                ("anon", role("anon")),
                ("authenticated", role("authenticated")),
            ]),
            tables,
            requests: AtomicUsize::new(0),
        });
        let router = Router::new().fallback(answer).with_state(gateway.clone());
        let addr = crate::health::serve(router).await?;
        Ok(PostgrestLab {
            addr,
            anon_key: mint(&serde_json::json!({"role": "anon", "iss": "lab"})),
            tenant_tokens: TENANTS
                .iter()
                .map(|(tenant, _)| {
                    mint(&serde_json::json!({
                        "role": "authenticated",
                        "sub": format!("user-of-{tenant}"),
                        "tenant_id": tenant,
                    }))
                })
                .collect(),
            gateway,
            admin,
            database,
            prefix,
        })
    }

    /// Requests the gateway answered so far.
    pub fn requests(&self) -> usize {
        self.gateway.requests.load(Ordering::SeqCst)
    }

    /// Rows of `table` of `tenant`, read as the owner (to check what writes left behind).
    pub async fn count(&self, table: &str, tenant: &str) -> anyhow::Result<i64> {
        let mut config = self.admin.clone();
        config.dbname(&self.database);
        let client = connect(&config).await?;
        let row = client
            .query_one(
                &format!("select count(*) from api.{table} where tenant_id = $1"),
                &[&tenant],
            )
            .await?;
        Ok(row.get(0))
    }

    /// Drops the database and the roles.
    pub async fn drop(self) {
        let Ok(client) = connect(&self.admin).await else {
            return;
        };
        let _ = client
            .batch_execute(&format!(
                "drop database if exists {} with (force)",
                self.database
            ))
            .await;
        for role in ["authenticator", "anon", "authenticated"] {
            let _ = client
                .batch_execute(&format!("drop role if exists {}{role}", self.prefix))
                .await;
        }
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        serde_json::json!({"code": code, "message": message}).to_string(),
    )
        .into_response()
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn answer(
    State(gateway): State<Arc<Gateway>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    gateway.requests.fetch_add(1, Ordering::SeqCst);
    let claims = match headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        Some(token) => match verify(token) {
            Some(claims) => claims,
            None => return error(StatusCode::UNAUTHORIZED, "PGRST301", "JWT invalid"),
        },
        None => serde_json::json!({"role": "anon"}),
    };
    let api_role = claims["role"].as_str().unwrap_or("anon").to_owned();
    let Some(db_role) = gateway.roles.get(api_role.as_str()).cloned() else {
        return error(StatusCode::UNAUTHORIZED, "PGRST301", "role not allowed");
    };
    let path = uri.path().trim_matches('/');
    if path.is_empty() && method == Method::GET {
        return openapi(&gateway);
    }
    let Some((table, columns)) = gateway.tables.iter().find(|(t, _)| t == path) else {
        return error(StatusCode::NOT_FOUND, "PGRST205", "no such table");
    };
    let prefer = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_owned())
        .collect::<Vec<_>>();
    let rollback = prefer.iter().any(|p| p == "tx=rollback");
    let slot = gateway.next.fetch_add(1, Ordering::Relaxed) % gateway.pool.len();
    let mut client = gateway.pool[slot].lock().await;
    let result = async {
        let tx = client.transaction().await?;
        tx.batch_execute(&format!("set local role {db_role}")).await?;
        tx.execute(
            "select set_config('request.jwt.claims', $1, true)",
            &[&claims.to_string()],
        )
        .await?;
        let answer = if method == Method::GET {
            let mut limit: i64 = 1_000;
            let mut filters: Vec<(String, String)> = Vec::new();
            for pair in uri.query().unwrap_or("").split('&').filter(|p| !p.is_empty()) {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                if key == "limit" {
                    limit = value.parse().unwrap_or(limit);
                } else if let Some(value) = value.strip_prefix("eq.") {
                    filters.push((key.to_owned(), value.to_owned()));
                }
            }
            if let Some((unknown, _)) = filters.iter().find(|(k, _)| !columns.contains(k)) {
                return Ok::<_, tokio_postgres::Error>(Err(error(
                    StatusCode::BAD_REQUEST,
                    "42703",
                    &format!("column {unknown} does not exist"),
                )));
            }
            let conditions: Vec<String> = filters
                .iter()
                .enumerate()
                .map(|(i, (k, _))| format!("{}::text = ${}", quote_ident(k), i + 1))
                .collect();
            let sql = format!(
                "select coalesce(json_agg(t), '[]')::text from (select * from api.{} {} limit {limit}) t",
                quote_ident(table),
                if conditions.is_empty() {
                    String::new()
                } else {
                    format!("where {}", conditions.join(" and "))
                }
            );
            let values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = filters
                .iter()
                .map(|(_, v)| v as &(dyn tokio_postgres::types::ToSql + Sync))
                .collect();
            let row = tx.query_one(&sql, &values).await?;
            let rows: String = row.get(0);
            Ok(Ok((StatusCode::OK, rows)))
        } else if method == Method::POST {
            let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(&body) else {
                return Ok(Err(error(StatusCode::BAD_REQUEST, "PGRST102", "not a JSON object")));
            };
            if let Some(unknown) = object.keys().find(|k| !columns.contains(k)) {
                return Ok(Err(error(
                    StatusCode::BAD_REQUEST,
                    "PGRST204",
                    &format!("column {unknown} does not exist"),
                )));
            }
            let names: Vec<String> = object.keys().map(|k| quote_ident(k)).collect();
            let sql = format!(
                "insert into api.{table} ({cols}) select {cols} from json_populate_record(null::api.{table}, $1::text::json)",
                table = quote_ident(table),
                cols = names.join(", ")
            );
            let json = serde_json::Value::Object(object).to_string();
            tx.execute(&sql, &[&json]).await?;
            Ok(Ok((StatusCode::CREATED, String::new())))
        } else {
            return Ok(Err(error(
                StatusCode::METHOD_NOT_ALLOWED,
                "PGRST117",
                "unsupported method",
            )));
        };
        if rollback {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        answer
    }
    .await;
    match result {
        Ok(Ok((status, body))) => {
            let mut response =
                (status, [("content-type", "application/json")], body).into_response();
            let applied: Vec<&str> = prefer
                .iter()
                .map(String::as_str)
                .filter(|p| *p == "tx=rollback" || *p == "return=minimal")
                .collect();
            if !applied.is_empty()
                && let Ok(value) = applied.join(", ").parse()
            {
                response.headers_mut().insert("preference-applied", value);
            }
            response
        }
        Ok(Err(response)) => response,
        Err(e) => match e.as_db_error() {
            Some(db) => {
                let code = db.code().code();
                let status = match code {
                    "42501" if api_role == "anon" => StatusCode::UNAUTHORIZED,
                    "42501" => StatusCode::FORBIDDEN,
                    c if c.starts_with("23") => StatusCode::CONFLICT,
                    _ => StatusCode::BAD_REQUEST,
                };
                error(status, code, db.message())
            }
            None => error(
                StatusCode::SERVICE_UNAVAILABLE,
                "PGRST000",
                "database unavailable",
            ),
        },
    }
}

fn openapi(gateway: &Gateway) -> Response {
    let mut paths = serde_json::Map::new();
    let mut definitions = serde_json::Map::new();
    paths.insert("/".into(), serde_json::json!({}));
    for (table, columns) in &gateway.tables {
        paths.insert(
            format!("/{table}"),
            serde_json::json!({"get": {}, "post": {}}),
        );
        let properties: serde_json::Map<String, serde_json::Value> = columns
            .iter()
            .map(|c| (c.clone(), serde_json::json!({"type": "string"})))
            .collect();
        definitions.insert(
            table.clone(),
            serde_json::json!({"type": "object", "properties": properties}),
        );
    }
    (
        StatusCode::OK,
        [("content-type", "application/openapi+json")],
        serde_json::json!({"swagger": "2.0", "paths": paths, "definitions": definitions})
            .to_string(),
    )
        .into_response()
}
