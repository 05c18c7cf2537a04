//! `https.redirect.*`: what the plain-HTTP port does, one request per hop, up to
//! `[tls].max_redirects` + 1 redirects, never leaving the scope. A hop is its status line and
//! headers: one whose body alone was cut off is judged (and followed), one cut off before its
//! headers ended ends the walk with an error that says so.

pub mod chain_too_long;
pub mod insecure_hop;
pub mod missing;
pub mod not_permanent;

use launchguard_core::{CheckDef, Finding, Status};

use crate::observe::Observation;
use crate::web::Walk;

/// The walk with at least one redirect, or the finding that says why this check has nothing to
/// judge.
pub(crate) fn walk<'a>(check: &CheckDef, obs: &'a Observation) -> Result<&'a Walk, Box<Finding>> {
    let walk = answered_walk(check, obs).map_err(|finding| {
        if finding.status == Status::Pass {
            Box::new(Finding::skipped(
                check,
                finding.target,
                "does not apply: nothing listens on the plain-HTTP port",
            ))
        } else {
            finding
        }
    })?;
    if walk.redirects().next().is_none() {
        return Err(Box::new(Finding::skipped(
            check,
            obs.host.target.clone(),
            "not evaluated: plain HTTP does not redirect (see https.redirect.missing)",
        )));
    }
    Ok(walk)
}

/// The walk when plain HTTP answered, or the finding for every other case: a closed port passes
/// (nothing is served without TLS), `http_port = 0` is skipped, any other failure is an error.
pub(crate) fn answered_walk<'a>(
    check: &CheckDef,
    obs: &'a Observation,
) -> Result<&'a Walk, Box<Finding>> {
    let target = obs.host.target.clone();
    match &obs.walk {
        None => Err(Box::new(Finding::skipped(
            check,
            target,
            "does not apply: http_port = 0",
        ))),
        Some(Err(reason)) if reason.is_refused() => Err(Box::new(Finding::pass(
            check,
            target,
            "nothing listens on the plain-HTTP port",
        ))),
        Some(Err(reason)) => Err(Box::new(Finding::error(
            check,
            target,
            format!("not verified: {reason}"),
        ))),
        Some(Ok(walk)) => Ok(walk),
    }
}

/// Whether the first redirect goes to https:// on the same host.
pub(crate) fn first_hop_secure(obs: &Observation, walk: &Walk) -> bool {
    walk.redirects().next().is_some_and(|hop| {
        hop.location
            .as_deref()
            .and_then(|l| hop.url.join(l).ok())
            .is_some_and(|next| {
                next.scheme() == "https"
                    && next.host_str().is_some_and(|h| {
                        h.eq_ignore_ascii_case(&obs.host.name)
                            || h.trim_matches(|c| c == '[' || c == ']') == obs.host.name
                    })
            })
    })
}

/// The walk as evidence.
pub(crate) fn with_hops(finding: Finding, walk: &Walk) -> Finding {
    let finding = finding.with_evidence("hops", walk.describe().join(" ; "));
    match &walk.stopped {
        Some(why) => finding.with_evidence("stopped", why.as_str()),
        None => finding,
    }
}
