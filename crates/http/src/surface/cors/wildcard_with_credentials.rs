use launchguard_core::{CheckDef, Finding, Severity};

use super::{for_each_endpoint, with_blocked};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.wildcard_with_credentials",
    agent: "http",
    title: "Access-Control-Allow-Origin: * together with credentials",
    severity: Severity::Medium,
    what: "Per CORS endpoint: fails when a probe is answered with `Access-Control-Allow-Origin: *` (as a browser \
           reads it: sent once, a preflight only when 2xx and allowing `PUT`) and exactly one \
           `Access-Control-Allow-Credentials: true`.",
    why: "Browsers refuse this combination, so the configuration does not do what its author wanted; the \
          usual \"fix\" is to echo the request's origin, which makes every site a trusted reader with the \
          user's cookies.",
    fix: "Decide: public data without credentials (`*`, no Allow-Credentials), or an exact allowlist echoed \
          with credentials. Never both.",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSNotSupportingCredentials",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    for_each_endpoint(x, |target, endpoint, verdict| {
        let finding = match verdict.wildcard {
            Some(true) => Finding::fail(
                &DEF,
                target,
                format!(
                    "{} answers Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true",
                    endpoint.url
                ),
            )
            .with_evidence("access_control_allow_origin", "*")
            .with_evidence("access_control_allow_credentials", "true"),
            _ if verdict.answered == 0 => {
                Finding::error(&DEF, target, "not verified: no CORS probe was answered")
            }
            _ => Finding::pass(&DEF, target, "no wildcard with credentials"),
        };
        with_blocked(finding, verdict.blocked(None))
    })
}
