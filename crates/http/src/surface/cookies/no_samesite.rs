use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_cookies;
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cookie.no_samesite",
    agent: "http",
    title: "Cookie without a SameSite attribute",
    severity: Severity::Medium,
    what: "Fails for every cookie set without a `SameSite` attribute. Medium when one of them is session-like, \
           low otherwise.",
    why: "Without SameSite the cookie's cross-site behaviour depends on the browser: some still send it on \
          cross-site POSTs (or for two minutes after it was set), which re-opens cross-site request forgery.",
    fix: "Set `SameSite=Lax` (or `Strict`) explicitly; use `None; Secure` only for cookies that must travel in \
          cross-site requests, and then protect state changes with CSRF tokens.",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Set-Cookie#samesitesamesite-value",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_cookies(
        &DEF,
        x,
        &|_| true,
        &|c| c.same_site.is_none(),
        "lack SameSite",
        (Severity::Medium, Severity::Low),
    )
}
