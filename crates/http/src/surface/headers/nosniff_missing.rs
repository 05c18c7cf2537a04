use launchguard_core::{CheckDef, Finding, Severity};

use crate::surface::judge::{page, pass, shown};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "headers.nosniff.missing",
    agent: "http",
    title: "X-Content-Type-Options: nosniff is missing",
    severity: Severity::Low,
    what: "Fails when the final answer of the page or API lacks `X-Content-Type-Options: nosniff`. Applies to \
           every role: JSON APIs need it as much as pages.",
    why: "Without it, browsers may sniff a response's type: an uploaded file or a JSON answer that contains \
          markup can be run as HTML or script in the app's origin.",
    fix: "Send `X-Content-Type-Options: nosniff` on every response (one line in the web server, the CDN or \
          the framework's security-headers middleware).",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/X-Content-Type-Options",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    let hop = match page(&DEF, x) {
        Ok(hop) => hop,
        Err(findings) => return findings,
    };
    match hop.response.header("x-content-type-options") {
        Some(value) if value.trim().eq_ignore_ascii_case("nosniff") => {
            pass(&DEF, x.target, "X-Content-Type-Options: nosniff")
        }
        other => {
            let mut finding = Finding::fail(
                &DEF,
                x.target.clone(),
                format!("{} does not send X-Content-Type-Options: nosniff", hop.url),
            )
            .with_evidence("url", hop.url.as_str());
            if let Some(value) = other {
                finding = finding.with_evidence("x_content_type_options", shown(value));
            }
            vec![finding]
        }
    }
}
