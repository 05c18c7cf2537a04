//! The lab: servers, certificate factories and fixture databases with planted flaws beside clean
//! controls, for `launchguard demo` and for the agents' tests. Agent crates never depend on it
//! except as a dev-dependency: a check never ships with the flaws it is tested against.
//!
//! - [`tls`]: a private CA (rcgen), rustls HTTPS/HTTP servers with scripted replies, and an
//!   `openssl s_server` that speaks TLS 1.0 with weak suites;
//! - [`tls_sites`]: the demo's HTTPS sites, one planted flaw each;
//! - [`dns`]: in-process hickory-server zones and a Knot DNS lab signed under a private root;
//! - [`health`]: the demo's health endpoints;
//! - [`http_sites`]: the demo's public HTTP surface: HTTPS sites with planted header, cookie, CORS,
//!   exposure and bundle-secret flaws beside clean controls;
//! - [`logs`]: the demo's log files with planted secrets and look-alikes;
//! - [`pg`]: a throwaway database loaded with the Supabase-like fixture;
//! - [`postgrest`]: a PostgREST-compatible gateway (JWT, `SET LOCAL ROLE`, claims) over its own
//!   database, with one table leaking to anon and one across tenants;
//! - [`ratelimit`]: rate-limited, unlimited and misbehaving endpoints that count requests;
//! - [`tenants`]: a multi-tenant API with one flaw per tenant selector and correct variants.

pub mod dns;
pub mod health;
pub mod http_sites;
pub mod logs;
pub mod pg;
pub mod postgrest;
pub mod ratelimit;
pub mod tenants;
pub mod tls;
pub mod tls_sites;
