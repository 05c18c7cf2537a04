use launchguard_core::{CheckDef, Finding, Severity, TargetKind};

use super::{line_and_column, public_bodies};
use crate::surface::judge::page;
use crate::surface::{Check, Examined, SCANNER};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.secret",
    agent: "http",
    title: "A secret is shipped on the public surface",
    severity: Severity::Critical,
    what: "Runs launchguard's secrets engine (the same rules as the logs agent, `secrets.*`) over every public \
           body the crawl read: the page, the same-origin scripts it loads and the chunks they name, their \
           source maps, every exposed file, the not-found page and the health bodies. One finding per distinct \
           secret, with the rule, the URL, line and column, and the secret redacted; the severity is the rule's \
           (a Supabase service-role JWT or `sb_secret_` key is critical). Keys that are public by design (the \
           Supabase anon key) are listed as `info` passes, for inventory.",
    why: "Everything on the public surface is downloaded by every visitor and every bot. A service-role key in \
          a bundle bypasses row-level security for the whole database; an OpenAI key in a bundle is spent by \
          strangers within hours.",
    fix: "Remove the secret from the client code (only `NEXT_PUBLIC_`/`VITE_` variables that are meant to be \
          public may reach the bundle), call the provider from the server instead, and rotate the key: it has \
          been published.",
    references: &["https://supabase.com/docs/guides/api/api-keys"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    if let Err(findings) = page(&DEF, x) {
        return findings;
    }
    let bodies = public_bodies(x);
    let rules = SCANNER.rules();
    let mut findings: Vec<Finding> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut bytes = 0;
    for (part, url, response) in &bodies {
        bytes += response.body.len();
        for hit in SCANNER.scan_all(&response.body) {
            let rule = rules[hit.rule].check;
            if !rule.id.starts_with("secrets.") {
                continue;
            }
            // Shaped so that no secret rule mistakes it for an assignment: target IDs are redacted
            // like every other text of a finding.
            let key = format!("{}/{}", rule.id, hit.redacted.fingerprint);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key.clone());
            let (line, column) = line_and_column(&response.body, hit.mask.start);
            let place = format!("{url}:{line}:{column}");
            let target = x
                .target
                .child(&format!("leak/{key}"), TargetKind::Url, place.clone());
            let finding = if hit.severity == Severity::Info {
                Finding::pass(
                    &DEF,
                    target,
                    format!(
                        "public by design (inventory): {} in the {} at {place}",
                        rule.title,
                        part.describe()
                    ),
                )
            } else {
                Finding::fail(
                    &DEF,
                    target,
                    format!("{} in the {} at {place}", rule.title, part.describe()),
                )
            };
            findings.push(
                finding
                    .with_severity(hit.severity)
                    .with_stable_key(&key)
                    .with_evidence("rule", rule.id)
                    .with_evidence("url", url.as_str())
                    .with_evidence("line", line as u64)
                    .with_evidence("column", column as u64)
                    .with_evidence("where", part.describe())
                    .with_evidence("match", hit.redacted.clone()),
            );
        }
    }
    if !findings
        .iter()
        .any(|f| f.status == launchguard_core::Status::Fail)
    {
        findings.push(Finding::pass(
            &DEF,
            x.target.clone(),
            format!(
                "no secret in {} public bodies ({bytes} bytes)",
                bodies.len()
            ),
        ));
    }
    findings
}
