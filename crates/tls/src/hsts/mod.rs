//! `hsts.*`: the `Strict-Transport-Security` header of the first HTTPS response (redirects not
//! followed, as hstspreload does), parsed with hstspreload's rules.

pub mod invalid;
pub mod max_age_short;
pub mod missing;
pub mod no_include_subdomains;
pub mod over_http;
pub mod parse;
pub mod preload_ineligible;

use launchguard_core::{CheckDef, Finding};

use crate::observe::Observation;
use parse::Hsts;

/// The one parsed header, or the finding that says why this check has nothing to judge.
pub(crate) fn usable_header(
    check: &CheckDef,
    obs: &Observation,
) -> Result<(Hsts, String), Box<Finding>> {
    let target = obs.host.target.clone();
    let response = obs.https.as_ref().map_err(|reason| {
        Box::new(Finding::error(
            check,
            target.clone(),
            format!("not verified: no HTTPS response: {reason}"),
        ))
    })?;
    match response.sts.as_slice() {
        [] => Err(Box::new(Finding::skipped(
            check,
            target,
            "not evaluated: no HSTS header (see hsts.missing)",
        ))),
        [one] => {
            let hsts = parse::parse(one);
            if hsts.errors.is_empty() && hsts.max_age.is_some() {
                Ok((hsts, one.clone()))
            } else {
                Err(Box::new(Finding::skipped(
                    check,
                    target,
                    "not evaluated: the HSTS header is invalid (see hsts.invalid)",
                )))
            }
        }
        _ => Err(Box::new(Finding::skipped(
            check,
            target,
            "not evaluated: several HSTS headers (see hsts.invalid)",
        ))),
    }
}
