//! `tls.cert.*`, `tls.ocsp.*`, `tls.ct.*`: the presented chain, judged offline from what the
//! inspection handshake recorded.

pub mod chain_incomplete;
pub mod chain_order;
pub mod expired;
pub mod expiring_soon;
pub mod hostname_mismatch;
pub mod inconsistent_addresses;
pub mod key_too_small;
pub mod lifetime_too_long;
pub mod no_revocation_info;
pub mod no_scts;
pub mod no_stapling;
pub mod not_yet_valid;
pub mod renewal_overdue;
pub mod self_signed;
pub mod untrusted;
pub mod weak_signature;

use launchguard_core::{CheckDef, Finding};

use crate::chain::{CertInfo, chain_evidence};
use crate::observe::Observation;
use crate::trust::Trust;

/// The chain, or the `error` finding that says why there is none.
pub(crate) fn chain<'a>(
    check: &CheckDef,
    obs: &'a Observation,
) -> Result<&'a [CertInfo], Box<Finding>> {
    obs.chain.as_deref().map_err(|reason| {
        Box::new(Finding::error(
            check,
            obs.host.target.clone(),
            format!("not verified: {reason}"),
        ))
    })
}

/// The chain of a leaf that has not expired, or the finding that says why there is nothing to
/// judge (an expired certificate is tls.cert.expired's).
pub(crate) fn unexpired_chain<'a>(
    check: &CheckDef,
    obs: &'a Observation,
) -> Result<&'a [CertInfo], Box<Finding>> {
    let chain = chain(check, obs)?;
    if obs.now > chain[0].not_after {
        return Err(Box::new(Finding::skipped(
            check,
            obs.host.target.clone(),
            "not evaluated: the certificate has expired (see tls.cert.expired)",
        )));
    }
    Ok(chain)
}

/// The chain and the verdict on its path to a trust anchor, or the finding that says why there
/// are none.
pub(crate) fn chain_and_trust<'a>(
    check: &CheckDef,
    obs: &'a Observation,
) -> Result<(&'a [CertInfo], &'a Trust), Box<Finding>> {
    let chain = chain(check, obs)?;
    let trust = obs.trust.as_ref().map_err(|reason| {
        Box::new(Finding::error(
            check,
            obs.host.target.clone(),
            format!("not verified: {reason}"),
        ))
    })?;
    Ok((chain, trust))
}

/// A finding about the presented chain, with the chain (and how it was read, when not from the
/// inspection handshake) as evidence.
pub(crate) fn about_chain(finding: Finding, obs: &Observation, chain: &[CertInfo]) -> Finding {
    let finding = finding
        .with_evidence("chain", chain_evidence(chain))
        .with_evidence("leaf_sha256", chain[0].sha256.as_str());
    match &obs.chain_source {
        Some(source) => finding.with_evidence("chain_source", source.as_str()),
        None => finding,
    }
}

/// `#i` and the subject, to name a certificate of the chain in a message.
pub(crate) fn name(index: usize, cert: &CertInfo) -> String {
    format!("#{index} ({})", cert.subject)
}
