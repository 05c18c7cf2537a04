use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_cookies;
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cookie.broad_domain",
    agent: "http",
    title: "Cookie shared with sibling hosts (Domain attribute)",
    severity: Severity::Low,
    what: "Fails for every cookie whose `Domain` attribute names a parent of the host that set it (for example \
           `Domain=example.com` from `app.example.com`), so that every subdomain receives it. Medium when one of \
           them is session-like.",
    why: "Every host under that domain receives the cookie: a tenant's custom subdomain, a marketing site on a \
          third-party platform, a forgotten staging host, or a subdomain taken over through a dangling DNS \
          record can read the session.",
    fix: "Leave `Domain` out so the cookie stays on the host that set it (the `__Host-` prefix enforces this), \
          or scope it to the narrowest host that needs it.",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/Cookies#define_where_cookies_are_sent",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_cookies(
        &DEF,
        x,
        &|c| c.domain.is_some(),
        &|c| {
            let host = c.set_by.host_str().unwrap_or("").to_ascii_lowercase();
            c.domain.as_deref().is_some_and(|domain| domain != host)
        },
        "are shared with every host under their Domain",
        (Severity::Medium, Severity::Low),
    )
}
