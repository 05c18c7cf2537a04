use launchguard_core::{CheckDef, Finding, Severity};

use super::{OriginKind, judge_kinds};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.not_in_allowlist",
    agent: "http",
    title: "An origin outside the declared allowlist gets through",
    severity: Severity::Medium,
    what: "Per CORS endpoint: fails when an origin that is not in `allowed_origins` and not explained by a more specific cause gets through: an unlisted subdomain of an allowed host (`https://lg-<random>.app.example.com`) or an allowed host with a dot replaced by a letter (`https://appxexample.com`, what an unescaped `.` in a regex allows). An origin is granted as a browser grants it: one Access-Control-Allow-Origin equal to it byte for byte (credentials: one `Access-Control-Allow-Credentials` exactly `true`; a preflight: 2xx with `PUT` allowed); near misses a browser refuses go to the `refused_by_browsers` evidence, never a failure. High with credentials, medium without. A server that grants exactly the allowlist gives nothing.",
    why: "Each unlisted origin that the server trusts is one more place an attacker's script can run from: a tenant's custom subdomain, a taken-over dangling subdomain, or a domain registered to match a sloppy regex.",
    fix: "Make the server's allowlist match the declared one exactly (escape dots in regexes and anchor them), or add the origin to allowed_origins if it is really intended.",
    references: &["https://portswigger.net/web-security/cors"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_kinds(
        &DEF,
        x,
        &[OriginKind::Subdomain, OriginKind::UnescapedDot],
        "grants origins outside the declared allowlist",
    )
}
