use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_cookies;
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cookie.insecure",
    agent: "http",
    title: "Cookie without the Secure attribute",
    severity: Severity::High,
    what: "On an https:// page, fails for every cookie set without `Secure`; on a plain http:// page, for \
           session-like cookies (which then travel in clear text anyway). Session-like: a name with sess, sid, \
           auth, token, jwt, login or remember, a `__Host-`/`__Secure-` prefix, or a JWT value. High for \
           session-like cookies, medium otherwise.",
    why: "A cookie without Secure is also sent over plain HTTP: one request to http:// on a hostile network \
          (a hotel Wi-Fi, a rogue access point) hands the session to whoever listens.",
    fix: "Set `Secure` on every cookie (and serve the whole site over HTTPS with HSTS); prefer the `__Host-` \
          prefix for session cookies, which browsers only accept with Secure, Path=/ and no Domain.",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/Cookies#block_access_to_your_cookies",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_cookies(
        &DEF,
        x,
        &|c| c.set_by.scheme() == "https" || c.session_like,
        &|c| !c.secure,
        "lack Secure",
        (Severity::High, Severity::Medium),
    )
}
