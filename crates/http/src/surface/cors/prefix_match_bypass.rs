use launchguard_core::{CheckDef, Finding, Severity};

use super::{OriginKind, judge_kinds};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.prefix_match_bypass",
    agent: "http",
    title: "An allowed origin followed by the attacker's domain gets through",
    severity: Severity::High,
    what: "Per CORS endpoint: for each allowed origin, sends it followed by more labels (`https://app.example.com.lg-<random>.invalid`) and fails when that origin is granted: the server checks that the Origin *starts with* an allowed origin. An origin is granted as a browser grants it: one Access-Control-Allow-Origin equal to it byte for byte (credentials: one `Access-Control-Allow-Credentials` exactly `true`; a preflight: 2xx with `PUT` allowed); near misses a browser refuses go to the `refused_by_browsers` evidence, never a failure. High with credentials, medium without.",
    why: "The attacker registers `app.example.com.attacker.net` and reads the endpoint from it in a victim's browser.",
    fix: "Compare the whole origin string for equality against the allowlist (parse it and compare scheme, host and port), never with startsWith or an unanchored regex.",
    references: &["https://portswigger.net/web-security/cors"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_kinds(
        &DEF,
        x,
        &[OriginKind::Prefix],
        "grants a prefix look-alike of an allowed origin",
    )
}
