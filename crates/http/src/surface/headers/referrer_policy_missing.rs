use launchguard_core::{CheckDef, Finding, Severity};

use crate::surface::judge::{page, page_rules_apply, pass, shown};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "headers.referrer_policy.missing",
    agent: "http",
    title: "Referrer-Policy is missing or leaks full URLs",
    severity: Severity::Low,
    what: "Fails when the page's final answer sends no Referrer-Policy, or one whose effective value (the \
           last one a browser recognises) is `unsafe-url`, which sends the full URL, query included, to every \
           site, over plain HTTP too. Applies to `frontend` targets and HTML answers.",
    why: "URLs of multi-tenant apps carry tenant names, record IDs, invitation and reset tokens; without a \
          policy the app depends on each browser's default, and `unsafe-url` hands them to every third party.",
    fix: "Send `Referrer-Policy: strict-origin-when-cross-origin` (or `no-referrer` for sensitive apps).",
    references: &[
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Referrer-Policy",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

const KNOWN: &[&str] = &[
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    let hop = match page(&DEF, x) {
        Ok(hop) => hop,
        Err(findings) => return findings,
    };
    if let Err(reason) = page_rules_apply(x, &hop.response) {
        return vec![Finding::skipped(&DEF, x.target.clone(), reason)];
    }
    let values: Vec<String> = hop
        .response
        .headers_named("referrer-policy")
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect();
    let effective = values.iter().rev().find(|v| KNOWN.contains(&v.as_str()));
    match effective {
        Some(policy) if policy != "unsafe-url" => {
            pass(&DEF, x.target, format!("Referrer-Policy: {policy}"))
        }
        Some(_) => vec![
            Finding::fail(
                &DEF,
                x.target.clone(),
                format!(
                    "{} sends Referrer-Policy: unsafe-url (full URLs to every site)",
                    hop.url
                ),
            )
            .with_evidence("url", hop.url.as_str())
            .with_evidence("referrer_policy", "unsafe-url"),
        ],
        None => {
            let mut finding = Finding::fail(
                &DEF,
                x.target.clone(),
                format!("{} sends no valid Referrer-Policy", hop.url),
            )
            .with_evidence("url", hop.url.as_str());
            if !values.is_empty() {
                finding = finding.with_evidence("referrer_policy", shown(&values.join(", ")));
            }
            vec![finding]
        }
    }
}
