//! launchguard's HTTP agents: health endpoints ([`health`]), rate limits ([`ratelimit`]),
//! cross-tenant probes through the application's tenant selectors ([`tenants`]) and through a
//! PostgREST / Supabase API ([`postgrest`]). Security headers, cookies, CORS and exposures come
//! with later issues.

mod canary;
pub mod health;
pub mod postgrest;
pub mod ratelimit;
pub mod tenants;

pub use health::HealthAgent;
