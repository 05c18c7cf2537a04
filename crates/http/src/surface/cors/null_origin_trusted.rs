use launchguard_core::{CheckDef, Finding, Severity};

use super::{OriginKind, judge_kinds};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.null_origin_trusted",
    agent: "http",
    title: "The endpoint trusts the `null` origin",
    severity: Severity::High,
    what: "Per CORS endpoint: sends `Origin: null` in a simple GET and a preflight and fails when `Access-Control-Allow-Origin: null` comes back. An origin is granted as a browser grants it: one Access-Control-Allow-Origin equal to it byte for byte (credentials: one `Access-Control-Allow-Credentials` exactly `true`; a preflight: 2xx with `PUT` allowed); near misses a browser refuses go to the `refused_by_browsers` evidence, never a failure. High with credentials, medium without.",
    why: "Any site can produce a `null` origin at will (a sandboxed iframe, a `data:` document), so trusting it is trusting every site; developers add it for local files and forget it.",
    fix: "Remove `null` from the allowlist; serve local development from an http://localhost origin listed only in development configuration.",
    references: &["https://portswigger.net/web-security/cors"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_kinds(&DEF, x, &[OriginKind::Null], "trusts the null origin")
}
