use launchguard_core::{CheckDef, Finding, Severity};

use super::enforced_csp;
use crate::surface::judge::{page, page_rules_apply, pass, shown};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "headers.csp.missing",
    agent: "http",
    title: "No Content-Security-Policy on the page",
    severity: Severity::Medium,
    what: "Fails when the page's final answer (after in-scope redirects) carries no enforced \
           Content-Security-Policy: neither a header nor a `<meta http-equiv>` policy. A policy sent only as \
           Content-Security-Policy-Report-Only is named in the message but does not count. Applies to \
           `frontend` targets and to HTML answers of any other role.",
    why: "Without a policy, one injected script (a stored XSS in a tenant's data, a compromised third-party \
          script) runs with the full rights of the page: it reads the session, the Supabase client's tokens \
          and every tenant record the user can see.",
    fix: "Send a Content-Security-Policy header from the server or the CDN, for example \
          `default-src 'self'; script-src 'self' 'nonce-{random}'; object-src 'none'; base-uri 'none'; \
          frame-ancestors 'none'` (Next.js: set it in middleware with a per-request nonce). Start with \
          Report-Only to find breakage, then enforce.",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CSP",
        "https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html",
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
    match enforced_csp(&hop.response) {
        Some((policy, from_meta)) => pass(
            &DEF,
            x.target,
            format!(
                "enforced policy from {}: {}",
                if from_meta {
                    "a <meta> tag"
                } else {
                    "the header"
                },
                shown(&policy)
            ),
        ),
        None => {
            let mut message = format!("{} sends no Content-Security-Policy", hop.url);
            let mut finding = Finding::fail(&DEF, x.target.clone(), String::new())
                .with_evidence("url", hop.url.as_str())
                .with_evidence("http_status", hop.response.status);
            if let Some(report_only) = hop.response.header("content-security-policy-report-only") {
                message.push_str(
                    " (only Content-Security-Policy-Report-Only, which enforces nothing)",
                );
                finding = finding.with_evidence("report_only", shown(report_only));
            }
            finding.message = message;
            vec![finding]
        }
    }
}
