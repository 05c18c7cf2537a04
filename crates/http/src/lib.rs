//! launchguard's HTTP agents. For now: health endpoints ([`health`]). Security headers, cookies,
//! CORS, rate limits, exposures and cross-tenant probes come with later issues.

pub mod health;

pub use health::HealthAgent;
