use launchguard_core::{CheckDef, Finding, Severity};

use super::{for_each_endpoint, with_blocked};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.wildcard",
    agent: "http",
    title: "Access-Control-Allow-Origin: * (any site may read)",
    severity: Severity::Low,
    what: "Per CORS endpoint: fails when a browser lets any origin read an answer through `Access-Control-Allow-Origin: \
           *` (sent once; a preflight only when 2xx and allowing `PUT`), without credentials; with exactly \
           `Access-Control-Allow-Credentials: true`, cors.wildcard_with_credentials fails instead. A `*` that \
           browsers refuse (in a 500 preflight, say) is listed in the `refused_by_browsers` evidence. Low: fine \
           for public data, a leak for anything behind a network boundary or an IP allowlist.",
    why: "Every site can read the endpoint from a visitor's browser, including from inside a company network \
          the endpoint trusts.",
    fix: "If the data is not public, replace `*` with an exact allowlist; if it is, record the decision and \
          suppress this finding with a reason.",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Origin",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    for_each_endpoint(x, |target, endpoint, verdict| {
        let finding = match verdict.wildcard {
            Some(false) => Finding::fail(
                &DEF,
                target,
                format!("{} answers Access-Control-Allow-Origin: *", endpoint.url),
            )
            .with_evidence("access_control_allow_origin", "*"),
            Some(true) => Finding::skipped(
                &DEF,
                target,
                "subsumed: wildcard with credentials (see cors.wildcard_with_credentials)",
            ),
            None if verdict.answered == 0 => {
                Finding::error(&DEF, target, "not verified: no CORS probe was answered")
            }
            None => Finding::pass(&DEF, target, "no wildcard"),
        };
        with_blocked(finding, verdict.blocked(None))
    })
}
