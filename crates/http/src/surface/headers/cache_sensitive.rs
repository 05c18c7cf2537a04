use launchguard_core::{CheckDef, Finding, Severity};

use crate::surface::cookies::set_cookies;
use crate::surface::judge::{page, pass, shown};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "headers.cache_sensitive",
    agent: "http",
    title: "An authenticated response may be stored by caches",
    severity: Severity::Medium,
    what: "When the page was requested with credentials (headers_from_env) or its answer sets a session-like \
           cookie, fails unless the answer's Cache-Control contains `no-store`. Skipped for anonymous answers \
           that set no session cookie.",
    why: "A CDN, a proxy or the browser's disk cache that keeps an authenticated page hands one tenant's data \
          (and its fresh session cookie) to the next visitor, or leaves it on a shared computer.",
    fix: "Send `Cache-Control: no-store` (with `private` if you like) on every response that depends on who \
          asks, and never mark such responses `public` or give them `s-maxage`.",
    references: &[
        "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#web-content-caching",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    let hop = match page(&DEF, x) {
        Ok(hop) => hop,
        Err(findings) => return findings,
    };
    let session_cookie = set_cookies(&hop.url, &hop.response)
        .into_iter()
        .find(|c| c.session_like)
        .map(|c| c.name);
    let why = match (&session_cookie, x.surface.authenticated) {
        (_, true) => "requested with credentials (headers_from_env)".to_owned(),
        (Some(name), false) => format!("sets the session-like cookie `{name}`"),
        (None, false) => {
            return vec![Finding::skipped(
                &DEF,
                x.target.clone(),
                "not applicable: an anonymous answer that sets no session cookie (configure headers_from_env to check an authenticated page)",
            )];
        }
    };
    let cache_control = hop
        .response
        .headers_named("cache-control")
        .collect::<Vec<_>>()
        .join(", ");
    let no_store = cache_control
        .split(',')
        .any(|d| d.trim().eq_ignore_ascii_case("no-store"));
    if no_store {
        return pass(
            &DEF,
            x.target,
            format!("{why}; Cache-Control: {}", shown(&cache_control)),
        );
    }
    vec![
        Finding::fail(
            &DEF,
            x.target.clone(),
            format!(
                "{} {why}, but {}",
                hop.url,
                if cache_control.is_empty() {
                    "sends no Cache-Control".to_owned()
                } else {
                    format!(
                        "its Cache-Control `{}` has no no-store",
                        shown(&cache_control)
                    )
                }
            ),
        )
        .with_evidence("url", hop.url.as_str())
        .with_evidence("cache_control", shown(&cache_control)),
    ]
}
