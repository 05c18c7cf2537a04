use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_cookies;
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cookie.samesite_none_insecure",
    agent: "http",
    title: "SameSite=None cookie without Secure",
    severity: Severity::Medium,
    what: "Fails for every cookie set with `SameSite=None` but without `Secure`.",
    why: "Current browsers reject such a cookie outright (the feature that depends on it silently breaks); \
          older ones send it cross-site over plain HTTP, the worst of both.",
    fix: "Add `Secure` to every `SameSite=None` cookie, or use `SameSite=Lax` if the cookie is not needed in \
          cross-site requests.",
    references: &["https://web.dev/articles/samesite-cookies-explained"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_cookies(
        &DEF,
        x,
        &|c| c.same_site.as_deref() == Some("none"),
        &|c| !c.secure,
        "are SameSite=None without Secure",
        (Severity::Medium, Severity::Medium),
    )
}
