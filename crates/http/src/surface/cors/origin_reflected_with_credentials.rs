use launchguard_core::{CheckDef, Finding, Severity};

use super::{OriginKind, for_each_endpoint, reflection_fail, unanswered, with_blocked};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.origin_reflected_with_credentials",
    agent: "http",
    title: "Any origin may read the endpoint with the user's cookies",
    severity: Severity::Critical,
    what: "Per CORS endpoint: sends an arbitrary origin (`https://lg-<random>.invalid`) in a simple GET and in a \
           preflight, and fails when a browser would let that origin read the answer with cookies: one \
           Access-Control-Allow-Origin equal to the origin byte for byte and one \
           `Access-Control-Allow-Credentials` exactly `true` (only spaces and tabs stripped), and for the \
           preflight a 2xx status and `PUT` listed in Access-Control-Allow-Methods. The finding lists every \
           probe origin that got through; answers that only look permissive (the origin in another case, \
           `True`, a 403 preflight) are listed in the `refused_by_browsers` evidence, never failed.",
    why: "Any web page the victim visits can call the endpoint with the victim's session cookie and read the \
          answer: their profile, their tenant's records, their API tokens. This is as bad as having no \
          same-origin policy, and the MDN Observatory misses it.",
    fix: "Compare the Origin against an exact allowlist (scheme, host and port) and echo it only on a match; \
          never echo the request's Origin unconditionally, and never pair a dynamic origin with \
          credentials without that check.",
    references: &[
        "https://portswigger.net/web-security/cors",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS#requests_with_credentials",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    for_each_endpoint(x, |target, endpoint, verdict| {
        let blocked = verdict.blocked(Some(&[OriginKind::Arbitrary]));
        let finding = match verdict.reflected() {
            Some(true) => reflection_fail(
                &DEF,
                x,
                target,
                endpoint,
                verdict,
                "any origin with credentials",
            ),
            _ if verdict.answered == 0 => unanswered(&DEF, target, verdict),
            Some(false) => Finding::pass(
                &DEF,
                target,
                "any origin is reflected, but without credentials (see cors.origin_reflected)",
            ),
            None => Finding::pass(&DEF, target, "an arbitrary origin is not reflected"),
        };
        with_blocked(finding, blocked)
    })
}
