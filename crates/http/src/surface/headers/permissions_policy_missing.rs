use launchguard_core::{CheckDef, Finding, Severity};

use crate::surface::judge::{page, page_rules_apply, pass, shown};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "headers.permissions_policy.missing",
    agent: "http",
    title: "Permissions-Policy is missing",
    severity: Severity::Low,
    what: "Fails when the page's final answer sends neither Permissions-Policy nor the older Feature-Policy. \
           Applies to `frontend` targets and HTML answers.",
    why: "Without a policy every script on the page, and every frame it embeds, may ask for the camera, the \
          microphone, geolocation or payment: an injected or third-party script can use what the app never \
          needed.",
    fix: "Send `Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=()`, allowing only what \
          the app uses.",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Permissions-Policy",
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
    match hop
        .response
        .header("permissions-policy")
        .or(hop.response.header("feature-policy"))
    {
        Some(value) => pass(&DEF, x.target, format!("policy: {}", shown(value))),
        None => vec![
            Finding::fail(
                &DEF,
                x.target.clone(),
                format!("{} sends no Permissions-Policy", hop.url),
            )
            .with_evidence("url", hop.url.as_str()),
        ],
    }
}
