use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_cookies;
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "cookie.no_httponly",
    agent: "http",
    title: "Session cookie readable by scripts (no HttpOnly)",
    severity: Severity::High,
    what: "Fails for every session-like cookie set without `HttpOnly` (session-like: a name with sess, sid, auth, \
           token, jwt, login or remember, a `__Host-`/`__Secure-` prefix, or a JWT value). Other cookies may \
           legitimately be read by scripts.",
    why: "A session cookie that scripts can read is one XSS away from theft: the attacker's script sends it \
          home and the attacker is logged in as the victim, in the victim's tenant, until it expires.",
    fix: "Set `HttpOnly` on session cookies. With Supabase auth helpers, use the server-side (cookie) session \
          storage and keep tokens out of script-readable cookies and localStorage.",
    references: &["https://owasp.org/www-community/HttpOnly"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_cookies(
        &DEF,
        x,
        &|c| c.session_like,
        &|c| !c.http_only,
        "lack HttpOnly",
        (Severity::High, Severity::High),
    )
}
