//! launchguard's `tls` agent: for every configured HTTPS hostname and tenant hostname, the
//! certificate chain (recorded by a verifier that never aborts, judged offline), the protocol
//! versions and cipher classes the server accepts (hand-built ClientHellos, no OpenSSL), the HSTS
//! header and the plain-HTTP redirect.

mod agent;
pub mod cert;
pub mod chain;
pub mod cipher;
pub mod config;
pub mod handshake;
pub mod hello;
pub mod hsts;
mod observe;
pub mod protocol;
pub mod redirect;
pub mod suites;
pub mod trust;
mod web;

pub use agent::{AGENT, TlsAgent, TlsSpec};
pub use config::{Renewal, TlsConfig, TlsTarget};

use launchguard_core::CheckDef;

/// Every check of the agent, in report order.
pub static CHECKS: &[&CheckDef] = &[
    &cert::expired::CHECK,
    &cert::not_yet_valid::CHECK,
    &cert::expiring_soon::CHECK,
    &cert::renewal_overdue::CHECK,
    &cert::hostname_mismatch::CHECK,
    &cert::inconsistent_addresses::CHECK,
    &cert::self_signed::CHECK,
    &cert::untrusted::CHECK,
    &cert::chain_incomplete::CHECK,
    &cert::chain_order::CHECK,
    &cert::key_too_small::CHECK,
    &cert::weak_signature::CHECK,
    &cert::lifetime_too_long::CHECK,
    &cert::no_revocation_info::CHECK,
    &cert::no_stapling::CHECK,
    &cert::no_scts::CHECK,
    &protocol::legacy::CHECK,
    &protocol::tls12_missing::CHECK,
    &protocol::tls13_missing::CHECK,
    &cipher::null::CHECK,
    &cipher::anon::CHECK,
    &cipher::weak::CHECK,
    &cipher::no_forward_secrecy::CHECK,
    &cipher::cbc::CHECK,
    &hsts::missing::CHECK,
    &hsts::invalid::CHECK,
    &hsts::max_age_short::CHECK,
    &hsts::no_include_subdomains::CHECK,
    &hsts::preload_ineligible::CHECK,
    &hsts::over_http::CHECK,
    &redirect::missing::CHECK,
    &redirect::insecure_hop::CHECK,
    &redirect::not_permanent::CHECK,
    &redirect::chain_too_long::CHECK,
];
