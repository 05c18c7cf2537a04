use launchguard_core::{CheckDef, Finding, Severity};

use super::{OriginKind, for_each_endpoint, reflection_fail, unanswered, with_blocked};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.origin_reflected",
    agent: "http",
    title: "Any origin may read the endpoint (without cookies)",
    severity: Severity::Medium,
    what: "Per CORS endpoint: fails when a browser would let an arbitrary origin read the answer without cookies: one \
           Access-Control-Allow-Origin equal to the origin byte for byte (only spaces and tabs stripped), and \
           for the preflight a 2xx status and `PUT` allowed. With exactly one `Access-Control-Allow-Credentials: \
           true` as well, cors.origin_reflected_with_credentials fails instead. Lists every probe origin that \
           got through; answers a browser refuses although they look permissive (another case, `True`, a \
           non-2xx preflight) are listed in the `refused_by_browsers` evidence, never failed.",
    why: "Every site can read the endpoint's answers from a visitor's browser: content behind IP allowlists or \
          on an intranet, and any token the answer carries. Adding credentials later turns it critical.",
    fix: "Compare the Origin against an exact allowlist and echo it only on a match (or send `*` deliberately \
          for truly public, unauthenticated data).",
    references: &["https://portswigger.net/web-security/cors"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    for_each_endpoint(x, |target, endpoint, verdict| {
        let blocked = verdict.blocked(Some(&[OriginKind::Arbitrary]));
        let finding = match verdict.reflected() {
            Some(false) => reflection_fail(&DEF, x, target, endpoint, verdict, "any origin"),
            Some(true) => Finding::skipped(
                &DEF,
                target,
                "subsumed: reflected with credentials (see cors.origin_reflected_with_credentials)",
            ),
            None if verdict.answered == 0 => unanswered(&DEF, target, verdict),
            None => Finding::pass(&DEF, target, "an arbitrary origin is not reflected"),
        };
        with_blocked(finding, blocked)
    })
}
