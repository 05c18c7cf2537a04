//! `tls.protocol.*`: which protocol versions the server accepts, from one raw ClientHello per
//! version and one rustls TLS 1.3 handshake.

pub mod legacy;
pub mod tls12_missing;
pub mod tls13_missing;

use launchguard_core::Finding;

use crate::observe::Observation;

/// Adds what the inspection handshake negotiated.
pub(crate) fn negotiated(finding: Finding, obs: &Observation) -> Finding {
    match &obs.inspection {
        Ok(i) => finding
            .with_evidence("negotiated_version", i.version.as_str())
            .with_evidence("negotiated_suite", i.suite.as_str())
            .with_evidence("key_exchange_group", i.group.clone().unwrap_or_default()),
        Err(failure) => finding.with_evidence(
            "negotiated",
            format!("no TLS 1.2/1.3 handshake: {}", failure.reason()),
        ),
    }
}
