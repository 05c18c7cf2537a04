use launchguard_core::{CheckDef, Finding, Severity};

use super::{OriginKind, judge_kinds};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cors.suffix_match_bypass",
    agent: "http",
    title: "A domain ending in an allowed host gets through",
    severity: Severity::High,
    what: "Per CORS endpoint: for each allowed origin with a host name, sends a host with characters in front of it (`https://lg<random>app.example.com`) and fails when it is granted: the server checks that the Origin *ends with* the allowed host. An origin is granted as a browser grants it: one Access-Control-Allow-Origin equal to it byte for byte (credentials: one `Access-Control-Allow-Credentials` exactly `true`; a preflight: 2xx with `PUT` allowed); near misses a browser refuses go to the `refused_by_browsers` evidence, never a failure. High with credentials, medium without.",
    why: "The attacker registers `evilapp.example.com`-style names (`notexample.com` against a check for `example.com`) and reads the endpoint from a victim's browser.",
    fix: "Compare the whole origin for equality, or when subdomains are intended, require the dot: the host equals the domain or ends with `.` + the domain.",
    references: &["https://portswigger.net/web-security/cors"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_kinds(
        &DEF,
        x,
        &[OriginKind::Suffix],
        "grants a suffix look-alike of an allowed host",
    )
}
