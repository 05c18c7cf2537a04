//! launchguard's HTTP agents: health endpoints ([`health`]) and the public HTTP surface
//! ([`surface`]: security headers, cookies, CORS, exposed files, secrets in pages and bundles).
//! Rate limits and cross-tenant probes come with a later issue.

pub mod health;
pub mod surface;

pub use health::HealthAgent;
pub use surface::SurfaceAgent;
