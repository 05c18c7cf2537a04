//! A multi-tenant API: each tenant has a bearer token (also accepted as a `session` cookie), notes
//! that carry the tenant's canary, and five ways of choosing the tenant (header, subdomain,
//! cookie, path, query), each served in three variants:
//!
//! - `correct`: the selector must name the token's tenant, else 403;
//! - `flawed`: the selector is trusted over the token (any valid token reads any tenant);
//! - `public`: no token needed at all (and the selector is trusted).
//!
//! Routes: `/<variant>/h/notes/<id>` (`X-Tenant-Id`), `/<variant>/s/notes/<id>` (the first label
//! of `Host`), `/<variant>/c/notes/<id>` (cookie `tenant`), `/<variant>/t/<tenant>/notes/<id>`,
//! `/<variant>/q/notes/<id>?tenant_id=<tenant>`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// Names of the lab's tenants, in order; `start` uses the first `n`.
const NAMES: [&str; 6] = ["acme", "globex", "initech", "umbrella", "hooli", "stark"];

/// The five selectors as the routes spell them, with the check kind they exercise.
pub const SELECTORS: [(&str, &str); 5] = [
    ("header", "h"),
    ("subdomain", "s"),
    ("cookie", "c"),
    ("path", "t"),
    ("query", "q"),
];

/// The domain below which each tenant has a subdomain (`acme.tenants.lab.test`).
pub const SUBDOMAIN_BASE: &str = "tenants.lab.test";

/// One tenant of the lab.
#[derive(Debug, Clone)]
pub struct LabTenant {
    pub id: String,
    /// The bearer token (and `session` cookie value). A secret: reports must never contain it.
    pub token: String,
    /// Present in every note of this tenant and nowhere else.
    pub canary: String,
    /// The tenant's notes, as paths relative to a selector's base (`notes/acme-n1`).
    pub resources: Vec<String>,
}

struct Data {
    by_token: HashMap<String, String>,
    /// (tenant, note id) → body.
    notes: HashMap<(String, String), String>,
    requests: AtomicUsize,
    /// Requests whose credentials belong to the selected tenant, to another one, or are absent.
    own: AtomicUsize,
    other: AtomicUsize,
    anonymous: AtomicUsize,
}

/// The running multi-tenant API.
pub struct TenantLab {
    pub addr: SocketAddr,
    pub tenants: Vec<LabTenant>,
    data: Arc<Data>,
}

impl TenantLab {
    /// Requests the API received so far.
    pub fn requests(&self) -> usize {
        self.data.requests.load(Ordering::SeqCst)
    }

    /// Requests so far whose credentials belonged to the tenant they selected (controls), to
    /// another tenant (cross-tenant attempts), and requests without credentials.
    pub fn requests_by_asker(&self) -> (usize, usize, usize) {
        (
            self.data.own.load(Ordering::SeqCst),
            self.data.other.load(Ordering::SeqCst),
            self.data.anonymous.load(Ordering::SeqCst),
        )
    }

    /// The environment variable that holds `tenant`'s token in [`TenantLab::section`].
    pub fn token_var(tenant: &LabTenant) -> String {
        format!("LG_LAB_{}_TOKEN", tenant.id.to_ascii_uppercase())
    }

    /// The variables and values [`TenantLab::section`] names.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        self.tenants
            .iter()
            .map(|t| (TenantLab::token_var(t), t.token.clone()))
            .collect()
    }

    /// A selector's base URL for `variant` (`correct`, `flawed` or `public`) and kind.
    pub fn base(&self, variant: &str, kind: &str) -> String {
        let port = self.addr.port();
        match kind {
            "header" => format!("http://{}/{variant}/h/", self.addr),
            "subdomain" => format!("http://{{tenant}}.{SUBDOMAIN_BASE}:{port}/{variant}/s/"),
            "cookie" => format!("http://{}/{variant}/c/", self.addr),
            "path" => format!("http://{}/{variant}/t/{{tenant}}/", self.addr),
            _ => format!("http://{}/{variant}/q/", self.addr),
        }
    }

    /// A `[tenants]` section: every tenant, and one selector per `(name, variant, kind)`.
    pub fn section(&self, selectors: &[(&str, &str, &str)]) -> String {
        let mut text = String::from("[tenants]\n");
        for tenant in &self.tenants {
            let resources: Vec<String> = tenant
                .resources
                .iter()
                .map(|r| format!("\"{r}\""))
                .collect();
            text.push_str(&format!(
                "\n[[tenants.accounts]]\nname = \"{id}\"\nselector_value = \"{id}\"\ntoken_env = \"{var}\"\ncanaries = [\"{canary}\"]\nresources = [{resources}]\n",
                id = tenant.id,
                var = TenantLab::token_var(tenant),
                canary = tenant.canary,
                resources = resources.join(", "),
            ));
        }
        for (name, variant, kind) in selectors {
            let extra = match *kind {
                "header" => "header = \"X-Tenant-Id\"\n".to_owned(),
                "cookie" => "cookie = \"tenant\"\n".to_owned(),
                "query" => "parameter = \"tenant_id\"\n".to_owned(),
                "subdomain" => "connect_to = \"127.0.0.1\"\n".to_owned(),
                _ => String::new(),
            };
            text.push_str(&format!(
                "\n[[tenants.selectors]]\nname = \"{name}\"\nkind = \"{kind}\"\nbase = \"{base}\"\n{extra}",
                base = self.base(variant, kind),
            ));
        }
        text
    }
}

/// The demo's selectors: one flawed and one correct per kind, and a public one.
pub const DEMO_SELECTORS: [(&str, &str, &str); 11] = [
    ("flawed-header", "flawed", "header"),
    ("correct-header", "correct", "header"),
    ("flawed-subdomain", "flawed", "subdomain"),
    ("correct-subdomain", "correct", "subdomain"),
    ("flawed-cookie", "flawed", "cookie"),
    ("correct-cookie", "correct", "cookie"),
    ("flawed-path", "flawed", "path"),
    ("correct-path", "correct", "path"),
    ("flawed-query", "flawed", "query"),
    ("correct-query", "correct", "query"),
    ("public-query", "public", "query"),
];

/// The demo's `[tenants]` section, with comments saying what is planted.
pub fn demo_section(lab: &TenantLab) -> String {
    format!(
        "\n# Planted: a multi-tenant API whose `flawed-*` selectors trust the tenant the client names over\n\
         # the token's, and whose `public-query` needs no token at all; the `correct-*` selectors answer 403.\n{}",
        lab.section(&DEMO_SELECTORS)
    )
}

fn nonce() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Starts the API with `tenants` tenants (at most 6) of `resources` notes each.
pub async fn start(tenants: usize, resources: usize) -> anyhow::Result<TenantLab> {
    anyhow::ensure!(
        (2..=NAMES.len()).contains(&tenants),
        "the lab has 2 to {} tenants",
        NAMES.len()
    );
    let seed = nonce();
    let mut by_token = HashMap::new();
    let mut notes = HashMap::new();
    let mut list = Vec::new();
    for (index, id) in NAMES.iter().take(tenants).enumerate() {
        let token = format!(
            "lg-lab-token-{id}-{:x}",
            seed.wrapping_mul(31 + index as u128)
        );
        let canary = format!("lg-canary-{id}-{:08x}", (seed >> 7) as u32 ^ index as u32);
        let mut paths = Vec::new();
        for n in 1..=resources {
            let note = format!("{id}-n{n}");
            notes.insert(
                (id.to_string(), note.clone()),
                format!(
                    "{{\"tenant\":\"{id}\",\"id\":\"{note}\",\n\"title\":\"Quarterly plan {n}\",\n\"body\":\"internal notes {canary}\"}}"
                ),
            );
            paths.push(format!("notes/{note}"));
        }
        by_token.insert(token.clone(), id.to_string());
        list.push(LabTenant {
            id: id.to_string(),
            token,
            canary,
            resources: paths,
        });
    }
    let data = Arc::new(Data {
        by_token,
        notes,
        requests: AtomicUsize::new(0),
        own: AtomicUsize::new(0),
        other: AtomicUsize::new(0),
        anonymous: AtomicUsize::new(0),
    });
    let router = Router::new().fallback(answer).with_state(data.clone());
    let addr = crate::health::serve(router).await?;
    Ok(TenantLab {
        addr,
        tenants: list,
        data,
    })
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn token_tenant<'a>(data: &'a Data, headers: &HeaderMap) -> Option<&'a str> {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    bearer
        .or_else(|| cookie(headers, "session"))
        .and_then(|token| data.by_token.get(token))
        .map(String::as_str)
}

async fn answer(State(data): State<Arc<Data>>, uri: Uri, headers: HeaderMap) -> Response {
    data.requests.fetch_add(1, Ordering::SeqCst);
    let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    let (variant, selected, note) = match segments.as_slice() {
        [variant, "h", "notes", note] => (
            *variant,
            headers.get("x-tenant-id").and_then(|v| v.to_str().ok()),
            *note,
        ),
        [variant, "s", "notes", note] => (
            *variant,
            headers
                .get("host")
                .and_then(|v| v.to_str().ok())
                .and_then(|host| host.split('.').next()),
            *note,
        ),
        [variant, "c", "notes", note] => (*variant, cookie(&headers, "tenant"), *note),
        [variant, "t", tenant, "notes", note] => (*variant, Some(*tenant), *note),
        [variant, "q", "notes", note] => (
            *variant,
            uri.query()
                .into_iter()
                .flat_map(|q| q.split('&'))
                .filter_map(|pair| pair.split_once('='))
                .find(|(n, _)| *n == "tenant_id")
                .map(|(_, v)| v),
            *note,
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let caller = token_tenant(&data, &headers);
    let counter = match (caller, selected) {
        (None, _) => &data.anonymous,
        (Some(caller), Some(selected)) if caller == selected => &data.own,
        (Some(_), _) => &data.other,
    };
    counter.fetch_add(1, Ordering::SeqCst);
    let tenant = match (variant, caller, selected) {
        ("public", _, Some(selected)) => selected,
        ("flawed", Some(_), Some(selected)) => selected,
        ("correct", Some(caller), Some(selected)) if caller == selected => caller,
        ("correct", Some(_), Some(_)) => {
            return (StatusCode::FORBIDDEN, r#"{"error":"not your tenant"}"#).into_response();
        }
        ("correct" | "flawed", None, _) => {
            return (StatusCode::UNAUTHORIZED, r#"{"error":"sign in"}"#).into_response();
        }
        _ => return (StatusCode::BAD_REQUEST, r#"{"error":"no tenant"}"#).into_response(),
    };
    match data.notes.get(&(tenant.to_owned(), note.to_owned())) {
        Some(body) => (
            StatusCode::OK,
            [("content-type", "application/json")],
            body.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, r#"{"error":"no such note"}"#).into_response(),
    }
}
