use launchguard_core::{CheckDef, Finding, Severity};

use super::{OriginKind, judge_kinds};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.http_origin_trusted",
    agent: "http",
    title: "The plain-HTTP variant of an allowed origin gets through",
    severity: Severity::Medium,
    what: "Per CORS endpoint: for each allowed `https://` origin, sends its `http://` variant and fails when it is granted. An origin is granted as a browser grants it: one Access-Control-Allow-Origin equal to it byte for byte (credentials: one `Access-Control-Allow-Credentials` exactly `true`; a preflight: 2xx with `PUT` allowed); near misses a browser refuses go to the `refused_by_browsers` evidence, never a failure. High with credentials, medium without.",
    why: "An attacker on the victim's network injects a script into any plain-HTTP page of that host, and that script then reads the API as if it were the real app.",
    fix: "List only the https:// origins, and serve the app host only over HTTPS with HSTS.",
    references: &["https://portswigger.net/web-security/cors"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_kinds(
        &DEF,
        x,
        &[OriginKind::Http],
        "grants the http:// variant of an allowed origin",
    )
}
