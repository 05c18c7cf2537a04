//! launchguard's HTTP agents: health endpoints ([`health`]), the public HTTP surface ([`surface`]:
//! security headers, cookies, CORS, exposed files, secrets in pages and bundles), rate limits
//! ([`ratelimit`]), cross-tenant probes through the application's tenant selectors ([`tenants`]) and
//! through a PostgREST / Supabase API ([`postgrest`]).

mod canary;
pub mod health;
pub mod postgrest;
pub mod ratelimit;
pub mod surface;
pub mod tenants;

pub use health::HealthAgent;
pub use surface::SurfaceAgent;
