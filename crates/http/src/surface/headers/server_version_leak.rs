use std::sync::LazyLock;

use launchguard_core::{CheckDef, Finding, Severity};
use regex::Regex;

use crate::surface::judge::{listed, page, pass, shown};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "headers.server_version_leak",
    agent: "http",
    title: "Response headers name software versions",
    severity: Severity::Low,
    what: "Fails when a header that names software (Server, X-Powered-By, X-AspNet-Version, \
           X-AspNetMvc-Version, X-Generator, X-Runtime-Version, X-Version, Via) carries a version number, on the \
           page's answers (redirects included) or on the error page of a path that does not exist.",
    why: "An exact version lets an attacker pick a known exploit without probing, and scanners index sites by \
          it.",
    fix: "Hide versions: `server_tokens off` (nginx), `ServerTokens Prod` (Apache), `app.disable('x-powered-by')` \
          (Express), `poweredByHeader: false` (Next.js), or strip the headers at the CDN.",
    references: &[
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/01-Information_Gathering/02-Fingerprint_Web_Server",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

const NAMING: &[&str] = &[
    "server",
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-generator",
    "x-runtime-version",
    "x-version",
    "via",
];

static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d+\.\d+").expect("built-in pattern compiles"));

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    if let Err(findings) = page(&DEF, x) {
        return findings;
    }
    let answers = x
        .surface
        .hops
        .iter()
        .map(|h| &h.response)
        .chain(x.surface.baseline.ok());
    let mut leaks: Vec<String> = Vec::new();
    for response in answers {
        for (name, value) in &response.headers {
            if NAMING.contains(&name.as_str()) && VERSION.is_match(value) {
                let leak = format!("{name}: {}", shown(value));
                if !leaks.contains(&leak) {
                    leaks.push(leak);
                }
            }
        }
    }
    if leaks.is_empty() {
        return pass(
            &DEF,
            x.target,
            "no version in Server, X-Powered-By or similar headers",
        );
    }
    vec![
        Finding::fail(
            &DEF,
            x.target.clone(),
            format!("versions in response headers: {}", listed(&leaks, 5)),
        )
        .with_evidence("headers", leaks),
    ]
}
