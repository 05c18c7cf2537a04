use launchguard_core::{CheckDef, Finding, Severity};

use super::Csp;
use crate::surface::judge::{page, page_rules_apply, pass, shown};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "headers.xfo.missing",
    agent: "http",
    title: "The page may be framed by any site (clickjacking)",
    severity: Severity::Medium,
    what: "Fails when the page's final answer has neither `X-Frame-Options: DENY` or `SAMEORIGIN` nor a \
           Content-Security-Policy header with `frame-ancestors` (a policy in a `<meta>` tag cannot carry \
           frame-ancestors; `ALLOW-FROM` is ignored by current browsers). Applies to `frontend` targets and to \
           HTML answers of any other role.",
    why: "A page that any site can frame can be overlaid with a decoy: the user believes they click the \
          attacker's button and instead confirms a transfer, invites a member or deletes a tenant.",
    fix: "Send `Content-Security-Policy: frame-ancestors 'none'` (or 'self', or the hosts that may embed \
          the app), and `X-Frame-Options: DENY` for older browsers.",
    references: &[
        "https://cheatsheetseries.owasp.org/cheatsheets/Clickjacking_Defense_Cheat_Sheet.html",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    let hop = match page(&DEF, x) {
        Ok(hop) => hop,
        Err(findings) => return findings,
    };
    if let Err(reason) = page_rules_apply(x, &hop.response) {
        return vec![Finding::skipped(&DEF, x.target.clone(), reason)];
    }
    let response = &hop.response;
    if let Some(ancestors) = response
        .headers_named("content-security-policy")
        .find_map(|policy| {
            Csp::parse(policy)
                .get("frame-ancestors")
                .map(|s| s.join(" "))
        })
    {
        return pass(
            &DEF,
            x.target,
            format!("CSP frame-ancestors {}", shown(&ancestors)),
        );
    }
    match response.header("x-frame-options").map(str::trim) {
        Some(value)
            if value.eq_ignore_ascii_case("deny") || value.eq_ignore_ascii_case("sameorigin") =>
        {
            pass(&DEF, x.target, format!("X-Frame-Options: {}", shown(value)))
        }
        other => {
            let mut finding = Finding::fail(
                &DEF,
                x.target.clone(),
                match other {
                    Some(value) => format!(
                        "{} sends X-Frame-Options `{}`, which browsers do not honour, and no CSP frame-ancestors",
                        hop.url,
                        shown(value)
                    ),
                    None => format!(
                        "{} sends neither X-Frame-Options nor CSP frame-ancestors",
                        hop.url
                    ),
                },
            )
            .with_evidence("url", hop.url.as_str());
            if let Some(value) = other {
                finding = finding.with_evidence("x_frame_options", shown(value));
            }
            vec![finding]
        }
    }
}
