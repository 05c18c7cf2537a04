//! The demo lab's public HTTP surface: HTTPS sites under `*.lab.test` (certificates from a CA made
//! at run time) with one family of planted flaws each, beside clean controls.
//!
//! - `http-clean.lab.test`: a single-page app that answers its shell for every path (the soft-404
//!   case), strict headers, a `__Host-` session cookie, the public Supabase anon key in its bundle;
//! - `http-shop.lab.test`: an unsafe CSP, ignored X-Frame-Options, no nosniff, `unsafe-url`,
//!   versions in headers, insecure and broad cookies on a cacheable page, a service-role key in the
//!   bundle, an OpenAI key in a chunk, a source map with an `sb_secret_` key, `.env`, `.git`,
//!   metrics, a debug page, a directory listing, a database dump and internal addresses;
//! - `http-legacy.lab.test`: a page with no security header at all;
//! - `http-api.lab.test`: a JSON API whose endpoints each implement one CORS mistake, and
//!   `/v1/me`, which grants exactly its allowlist (the clean control).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::Response;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::tls::{Authority, LeafSpec, server_config};

/// The CA file the demo configuration names, written beside it.
pub const CA_FILE: &str = "http-lab-ca.pem";
/// The origin the lab API intends to allow.
pub const ALLOWED_ORIGIN: &str = "https://app.lab.test";
/// Planted secrets: reports must never contain them in full.
pub const SERVICE_ROLE_JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImxnaHR0cGxhYnByb2plY3RyZWYwIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMDAwMDAwMDAwfQ.bm90QVJlYWxTaWduYXR1cmVMYWJGaXh0dXJlT25seQ";
pub const ANON_JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImxnaHR0cGxhYnByb2plY3RyZWYwIiwicm9sZSI6ImFub24iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.bm90QVJlYWxTaWduYXR1cmVMYWJGaXh0dXJlT25seQ";
pub const OPENAI_KEY: &str =
    "sk-proj-LgHttpLab7q6w5e4r3t2y1u0iOpAsDfGhJkLzXcVbNmQwErTyUiOp0987654321zyxwVUTS";
pub const SB_SECRET: &str = "sb_secret_LgHttpLabSecretKey0123456789_abcdef";
pub const DB_PASSWORD: &str = "lg-http-lab-Vq8Zr4Tn2Wy6";
/// The CORS endpoints of the lab API and the one mistake each makes.
pub const CORS_ENDPOINTS: &[(&str, &str)] = &[
    (
        "/v1/reflect-credentials",
        "reflects any origin, with credentials",
    ),
    ("/v1/reflect", "reflects any origin, without credentials"),
    ("/v1/null", "trusts the null origin"),
    (
        "/v1/prefix",
        "checks that the origin starts with the allowed one",
    ),
    (
        "/v1/suffix",
        "checks that the origin ends with the allowed host",
    ),
    ("/v1/http", "trusts the http:// variant"),
    (
        "/v1/regex",
        "matches an unanchored-subdomain regex with unescaped dots",
    ),
    ("/v1/wildcard", "answers *"),
    ("/v1/wildcard-credentials", "answers * with credentials"),
];

/// A TLS listener for axum: handshakes each accepted connection before handing it over.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            if let Ok(Ok(tls)) =
                tokio::time::timeout(Duration::from_secs(5), self.acceptor.accept(stream)).await
            {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Serves `router` over HTTPS on `addr` (port 0: any) with a certificate for `host` from `ca`;
/// counts requests in `seen`.
pub async fn serve_https_router(
    ca: &Authority,
    host: &str,
    addr: &str,
    router: Router,
    seen: Arc<AtomicUsize>,
) -> anyhow::Result<SocketAddr> {
    let leaf = ca.issue(&LeafSpec::for_names(&[host]));
    let config = server_config(
        vec![leaf.cert.clone()],
        leaf.key(),
        None,
        rustls::ALL_VERSIONS,
    );
    let tcp = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot bind {addr} for the HTTP lab"))?;
    let local = tcp.local_addr()?;
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(config),
    };
    let router = router.layer(axum::middleware::from_fn(
        move |request: Request<Body>, next: axum::middleware::Next| {
            let seen = seen.clone();
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                next.run(request).await
            }
        },
    ));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!("HTTP lab site stopped: {e}");
        }
    });
    Ok(local)
}

fn respond(status: u16, headers: &[(&str, &str)], body: impl Into<Body>) -> Response {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).expect("valid lab response")
}

const CLEAN_CSP: &str = "default-src 'self'; script-src 'self' 'nonce-lab0nce' 'strict-dynamic'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The clean control: a single-page app whose shell answers every path.
pub fn clean_site() -> Router {
    Router::new().fallback(|request: Request<Body>| async move {
        let path = request.uri().path().to_owned();
        let hardened = [
            ("content-security-policy", CLEAN_CSP),
            ("x-frame-options", "DENY"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
            ("cache-control", "no-store"),
            ("server", "lab"),
        ];
        match path.as_str() {
            "/static/app.js" => {
                let mut headers = hardened.to_vec();
                headers.push(("content-type", "text/javascript"));
                respond(
                    200,
                    &headers,
                    format!(
                        "const supabase = createClient(\"https://lghttplab.supabase.co\",\n  \"{ANON_JWT}\");\nrender(document.getElementById(\"root\"));\n"
                    ),
                )
            }
            "/health" => respond(200, &[("content-type", "application/json"), ("x-content-type-options", "nosniff")], r#"{"status":"ok"}"#),
            _ => {
                let mut headers = hardened.to_vec();
                headers.push(("content-type", "text/html; charset=utf-8"));
                headers.push(("set-cookie", "__Host-session=lab-clean-session-0123456789; Path=/; Secure; HttpOnly; SameSite=Lax"));
                respond(
                    200,
                    &headers,
                    "<!doctype html><html><head><title>Clean app</title></head><body><div id=root></div>\n<script nonce=lab0nce src=\"/static/app.js\"></script></body></html>\n",
                )
            }
        }
    })
}

fn shop_env() -> String {
    format!(
        "# production\nNEXT_PUBLIC_SUPABASE_URL=https://lghttplab.supabase.co\nexport SUPABASE_SERVICE_ROLE_KEY=\"{SERVICE_ROLE_JWT}\"\nDATABASE_URL = postgres://shop:{DB_PASSWORD}@10.0.3.7:5432/shop\n"
    )
}

/// The flawed frontend: one planted flaw per header, cookie and exposure check.
pub fn shop_site() -> Router {
    Router::new().fallback(shop_answer)
}

async fn shop_answer(request: Request<Body>) -> Response {
    let path = request.uri().path().to_owned();
    let versions = [("server", "nginx/1.18.0"), ("x-powered-by", "PHP/8.1.2")];
    let text = |body: String| respond(200, &[("content-type", "text/plain")], body);
    match path.as_str() {
            "/" => respond(
                200,
                &[
                    ("content-type", "text/html; charset=utf-8"),
                    ("content-security-policy", "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' data: *"),
                    ("x-frame-options", "ALLOW-FROM https://partner.lab.test"),
                    ("referrer-policy", "unsafe-url"),
                    ("cache-control", "public, max-age=600"),
                    versions[0],
                    versions[1],
                    ("set-cookie", "sessionid=lab-shop-session-0123456789; Path=/"),
                    ("set-cookie", "tracking=lab1; SameSite=None"),
                    ("set-cookie", "sb-lab-auth-token=lab-shop-token-0123456789; Domain=lab.test; Path=/; Secure; HttpOnly; SameSite=Lax"),
                ],
                "<!doctype html><html><head><title>Shop</title></head><body>\n<!-- backend: http://10.0.3.7:8080/internal -->\n<script src=\"/static/app.js\"></script></body></html>\n",
            ),
            "/static/app.js" => respond(
                200,
                &[("content-type", "text/javascript"), versions[0]],
                format!(
                    "const admin = createClient(\"https://lghttplab.supabase.co\",\n    \"{SERVICE_ROLE_JWT}\");\nconst reports = () => import(\"/static/chunk-reports.js\");\n//# sourceMappingURL=app.js.map\n"
                ),
            ),
            "/static/chunk-reports.js" => respond(
                200,
                &[("content-type", "text/javascript")],
                format!("export const ai = new OpenAI({{ apiKey: \"{OPENAI_KEY}\" }});\n"),
            ),
            "/static/app.js.map" => respond(
                200,
                &[("content-type", "application/json")],
                format!(
                    "{{\"version\":3,\"sources\":[\"src/admin.ts\"],\"sourcesContent\":[\"// server only!\\nconst key = '{SB_SECRET}';\\n\"],\"mappings\":\"AAAA\"}}"
                ),
            ),
            "/static/" => respond(
                200,
                &[("content-type", "text/html")],
                "<html><head><title>Index of /static/</title></head><body><h1>Index of /static/</h1><a href=\"app.js\">app.js</a> <a href=\"app.js.map\">app.js.map</a></body></html>",
            ),
            "/.env" => text(shop_env()),
            "/.git/config" => text("[core]\n\trepositoryformatversion = 0\n\tbare = false\n[remote \"origin\"]\n\turl = https://git.lab.test/acme/shop.git\n".into()),
            "/.git/HEAD" => text("ref: refs/heads/main\n".into()),
            "/metrics" => text("# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\nhttp_requests_total{tenant=\"acme\",route=\"/checkout\"} 1027\n".into()),
            "/debug" => respond(
                500,
                &[("content-type", "text/html")],
                "<html><head><title>TimeoutError // Werkzeug Debugger</title></head><body><pre>Traceback (most recent call last):\n  File \"/srv/shop/app.py\", line 88, in checkout\nTimeoutError</pre></body></html>",
            ),
            "/backup.sql" => text("--\n-- PostgreSQL database dump\n--\nCREATE TABLE public.orders (id bigint, tenant_id uuid, total numeric);\nCOPY public.orders (id, tenant_id, total) FROM stdin;\n".into()),
            "/health" => respond(
                200,
                &[("content-type", "application/json")],
                format!("{{\"status\":\"ok\",\"db\":\"postgres://shop:{DB_PASSWORD}@db-primary.internal:5432/shop\"}}"),
            ),
            _ => respond(404, &[("content-type", "text/plain")], "Not Found"),
        }
}

/// A page from before anyone thought about headers.
pub fn legacy_site() -> Router {
    Router::new().fallback(|request: Request<Body>| async move {
        match request.uri().path() {
            "/" => respond(
                200,
                &[
                    ("content-type", "text/html"),
                    ("server", "Apache/2.4.41 (Ubuntu)"),
                ],
                "<html><body><h1>Legacy portal</h1></body></html>",
            ),
            _ => respond(404, &[("content-type", "text/html")], "<h1>Not Found</h1>"),
        }
    })
}

/// What an unescaped, unanchored regex `https://([a-z0-9-]+.)?app.lab.test` accepts: any one
/// character where a dot is meant, and any subdomain.
fn sloppy_regex_match(origin: &str) -> bool {
    let Some(host) = origin.strip_prefix("https://") else {
        return false;
    };
    let tail = |h: &str| {
        let b = h.as_bytes();
        b.len() == 12 && &b[..3] == b"app" && &b[4..7] == b"lab" && &b[8..] == b"test"
    };
    tail(host) || host.split_once('.').is_some_and(|(_, rest)| tail(rest))
}

/// Whether endpoint `path` grants `origin`, and with credentials.
fn cors_policy(path: &str, origin: &str) -> Option<(String, bool)> {
    let allowed = origin == ALLOWED_ORIGIN;
    let echo = |credentials| Some((origin.to_owned(), credentials));
    match path {
        "/v1/me" if allowed => echo(true),
        "/v1/reflect-credentials" => echo(true),
        "/v1/reflect" => echo(false),
        "/v1/null" if allowed || origin == "null" => echo(true),
        "/v1/prefix" if origin.starts_with(ALLOWED_ORIGIN) => echo(true),
        "/v1/suffix" if origin.starts_with("https://") && origin.ends_with("app.lab.test") => {
            echo(true)
        }
        "/v1/http" if allowed || origin == "http://app.lab.test" => echo(true),
        "/v1/regex" if sloppy_regex_match(origin) => echo(true),
        "/v1/wildcard" => Some(("*".into(), false)),
        "/v1/wildcard-credentials" => Some(("*".into(), true)),
        _ => None,
    }
}

/// The lab API: JSON, hardened headers, one CORS mistake per endpoint.
pub fn api_site() -> Router {
    Router::new().fallback(api_answer)
}

async fn api_answer(request: Request<Body>) -> Response {
    let path = request.uri().path().to_owned();
    let known = path == "/v1/me" || CORS_ENDPOINTS.iter().any(|(p, _)| *p == path);
    if !known {
        return respond(
            404,
            &[
                ("content-type", "application/json"),
                ("x-content-type-options", "nosniff"),
            ],
            r#"{"error":"not found"}"#,
        );
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/json".parse().expect("valid"),
    );
    headers.insert("x-content-type-options", "nosniff".parse().expect("valid"));
    headers.insert(header::CACHE_CONTROL, "no-store".parse().expect("valid"));
    headers.insert(header::VARY, "Origin".parse().expect("valid"));
    if !origin.is_empty()
        && let Some((allow, credentials)) = cors_policy(&path, &origin)
        && let Ok(value) = allow.parse()
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        if credentials {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                "true".parse().expect("valid"),
            );
        }
    }
    let (status, body) = if request.method() == Method::OPTIONS {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            "GET, PUT".parse().expect("valid"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "authorization, content-type".parse().expect("valid"),
        );
        (StatusCode::NO_CONTENT, String::new())
    } else {
        (
            StatusCode::OK,
            r#"{"id":"lab-user","tenant":"acme"}"#.to_owned(),
        )
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The running HTTP lab: its `[http]` section and the requests each site received.
pub struct HttpLab {
    pub section: String,
    /// Requests received, per target name of the section.
    pub received: Vec<(&'static str, Arc<AtomicUsize>)>,
    pub ca: Authority,
}

/// Starts the HTTP lab on the current runtime, on 127.0.0.1; writes its CA into `dir`.
pub async fn start(dir: &Path) -> anyhow::Result<HttpLab> {
    let ca = Authority::root("launchguard HTTP lab CA");
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join(CA_FILE), &ca.pem)
        .with_context(|| format!("cannot write {}", dir.join(CA_FILE).display()))?;
    let mut section = format!(
        "\n# The public HTTP surface: HTTPS sites under *.lab.test, certificates from the lab CA.\n[http]\nca_file = \"{CA_FILE}\"\n"
    );
    let mut received = Vec::new();
    let sites: [(&'static str, &str, Router, &str, &str); 4] = [
        (
            "web",
            "http-clean.lab.test",
            clean_site(),
            "frontend",
            "# Clean control: a single-page app (every path answers its shell), strict headers, a __Host- session\n# cookie, the public Supabase anon key in its bundle (inventory, not a leak).",
        ),
        (
            "shop",
            "http-shop.lab.test",
            shop_site(),
            "frontend",
            "# Planted: an unsafe CSP, an ignored X-Frame-Options, no nosniff, Referrer-Policy unsafe-url, versions in\n# headers, insecure and broad cookies on a cacheable page, a service-role key in the bundle, an OpenAI key in\n# a chunk, a source map with an sb_secret_ key, .env, .git, metrics, a debug page, a directory listing, a\n# database dump and internal addresses.",
        ),
        (
            "legacy",
            "http-legacy.lab.test",
            legacy_site(),
            "frontend",
            "# Planted: no security header at all, and the server's version.",
        ),
        (
            "api",
            "http-api.lab.test",
            api_site(),
            "api",
            "# Planted: one CORS mistake per endpoint (see cors_paths); /v1/me grants exactly its allowlist (clean control).",
        ),
    ];
    for (name, host, router, role, comment) in sites {
        let seen = Arc::new(AtomicUsize::new(0));
        let addr = serve_https_router(&ca, host, "127.0.0.1:0", router, seen.clone()).await?;
        received.push((name, seen));
        let mut extra = String::new();
        let url_path = if name == "api" {
            let paths: Vec<String> = CORS_ENDPOINTS
                .iter()
                .map(|(p, _)| format!("\"{p}\""))
                .collect();
            extra = format!(
                "allowed_origins = [\"{ALLOWED_ORIGIN}\"]\ncredentials = true\ncors_paths = [{}]\nmax_requests = 200\n",
                paths.join(", ")
            );
            "/v1/me"
        } else {
            "/"
        };
        section.push_str(&format!(
            "\n{comment}\n[[http.targets]]\nname = \"{name}\"\nurl = \"https://{host}:{port}{url_path}\"\nrole = \"{role}\"\naddress = \"127.0.0.1\"\n{extra}",
            port = addr.port()
        ));
    }
    Ok(HttpLab {
        section,
        received,
        ca,
    })
}

/// The endpoints of [`cors_near_miss_site`]: each answers more permissively than it should, in a
/// way that a browser's CORS check still refuses (for cookies, or wholly).
pub const CORS_NEAR_MISSES: &[(&str, &str)] = &[
    (
        "/near/case",
        "echoes the origin upper-cased, with credentials",
    ),
    (
        "/near/credentials-capitalised",
        "echoes the origin with `Access-Control-Allow-Credentials: True`",
    ),
    (
        "/near/credentials-upper",
        "echoes the origin with `Access-Control-Allow-Credentials: TRUE`",
    ),
    (
        "/near/nbsp",
        "echoes the origin followed by a no-break space",
    ),
    (
        "/near/two-origins",
        "sends Access-Control-Allow-Origin twice",
    ),
    (
        "/near/preflight-403",
        "grants the origin with credentials in a 403 preflight only",
    ),
    (
        "/near/preflight-get-only",
        "grants the origin with credentials in a preflight that allows GET only",
    ),
    (
        "/near/preflight-500-wildcard",
        "answers `*` in a 500 preflight only",
    ),
];

/// A plain-HTTP API whose CORS answers are near misses ([`CORS_NEAR_MISSES`]): permissive at a
/// glance, refused by browsers. Any other path is a 404.
pub fn cors_near_miss_site() -> Router {
    Router::new().fallback(|request: Request<Body>| async move {
        let path = request.uri().path().to_owned();
        let preflight = request.method() == Method::OPTIONS;
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .map(|v| v.as_bytes().to_vec())
            .unwrap_or_default();
        let echo = |suffix: &[u8]| [origin.as_slice(), suffix].concat();
        let (status, allow_origin, credentials, methods): (u16, Vec<Vec<u8>>, &str, &str) =
            match path.as_str() {
                "/near/case" => (200, vec![origin.to_ascii_uppercase()], "true", "GET, PUT"),
                "/near/credentials-capitalised" => (200, vec![echo(b"")], "True", "GET, PUT"),
                "/near/credentials-upper" => (200, vec![echo(b"")], "TRUE", "GET, PUT"),
                "/near/nbsp" => (200, vec![echo("\u{a0}".as_bytes())], "true", "GET, PUT"),
                "/near/two-origins" => (200, vec![echo(b""), echo(b"")], "true", "GET, PUT"),
                "/near/preflight-403" if preflight => (403, vec![echo(b"")], "true", "GET, PUT"),
                "/near/preflight-get-only" if preflight => (204, vec![echo(b"")], "true", "GET"),
                "/near/preflight-500-wildcard" if preflight => {
                    (500, vec![b"*".to_vec()], "", "GET, PUT")
                }
                _ if CORS_NEAR_MISSES.iter().any(|(p, _)| *p == path) => (200, Vec::new(), "", ""),
                _ => return respond(404, &[("content-type", "application/json")], "{}"),
            };
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/json".parse().expect("valid"),
        );
        headers.insert(header::VARY, "Origin".parse().expect("valid"));
        if !origin.is_empty() {
            for value in allow_origin {
                if let Ok(value) = axum::http::HeaderValue::from_bytes(&value) {
                    headers.append(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
                }
            }
            if !credentials.is_empty() {
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    credentials.parse().expect("valid"),
                );
            }
            if preflight && !methods.is_empty() {
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    methods.parse().expect("valid"),
                );
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "authorization, content-type".parse().expect("valid"),
                );
            }
        }
        let body = if preflight {
            ""
        } else {
            r#"{"id":"lab-user"}"#
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = StatusCode::from_u16(status).expect("a valid status");
        *response.headers_mut() = headers;
        response
    })
}

/// One plain-HTTP site with every planted flaw (the shop's pages and files, the API's CORS
/// endpoints under `/v1/`), for the benchmark: tools that cannot be given a private CA can read it.
pub fn bench_site() -> Router {
    Router::new().fallback(|request: Request<Body>| async move {
        if request.uri().path().starts_with("/v1/") {
            api_answer(request).await
        } else {
            shop_answer(request).await
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sloppy_regex_takes_look_alikes_and_subdomains_but_not_strangers() {
        assert!(sloppy_regex_match("https://app.lab.test"));
        assert!(sloppy_regex_match("https://appxlab.test"));
        assert!(sloppy_regex_match("https://lg-1.app.lab.test"));
        assert!(!sloppy_regex_match("https://lg-1.invalid"));
        assert!(!sloppy_regex_match("http://app.lab.test"));
    }
}
