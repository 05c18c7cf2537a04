//! SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).
//!
//! One rule per check; one result per failing finding, and one per baseline problem that is gone:
//! resolved ones as `baselineState: absent` with `kind: pass`; ones that could not be re-checked
//! as still open (`baselineState: unchanged`, `kind: fail`, so that code scanning does not close
//! their alerts); ones no longer audited as `absent` with `kind: notApplicable`. Each result says
//! its launchguard state in `properties.baseline`. Display texts are made visible
//! ([`visible`]); the data in `properties` is kept as found. Findings about URLs, hosts and tables point at the configuration line
//! that declared their target, because SARIF consumers need a file location; the URL or table is in
//! the message and in a logical location. Checks that could not run become tool execution
//! notifications, and the invocation is then not successful.

use launchguard_core::{BaselineState, Finding, Registry, Severity, Status, TargetKind};
use serde_json::{Value, json};

use super::Report;
use super::escape::{json_ascii_controls, visible};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// SARIF's text fields are read by tools that cap them at 1024 characters.
const MAX_DESCRIPTION: usize = 1000;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn capped(text: &str) -> String {
    if text.chars().count() <= MAX_DESCRIPTION {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX_DESCRIPTION - 1).collect();
        short.push('…');
        short
    }
}

fn rule(def: &launchguard_core::CheckDef) -> Value {
    json!({
        "id": def.id,
        "name": def.title,
        "shortDescription": { "text": capped(def.title) },
        "fullDescription": { "text": capped(def.what) },
        "help": {
            "text": format!("Why: {}\n\nHow to fix: {}", def.why, def.fix),
            "markdown": format!("**Why it matters.** {}\n\n**How to fix.** {}", def.why, def.fix),
        },
        "defaultConfiguration": { "level": level(def.severity) },
        "properties": {
            "tags": ["security", def.agent],
            "precision": "high",
            "problem.severity": level(def.severity),
            "security-severity": def.severity.security_score(),
        },
    })
}

/// Where a result points: the file and line of a finding about a file (`path:line`), else the
/// configuration line that declared the target.
fn physical_location(finding: &Finding, config_uri: &str) -> (String, u32) {
    if finding.target.kind == TargetKind::File
        && let Some((file, line)) = finding.target.display.rsplit_once(':')
        && let Ok(line) = line.parse::<u32>()
    {
        return (config_uri_of(file), line.max(1));
    }
    (
        config_uri.to_owned(),
        finding.target.config_line.unwrap_or(1),
    )
}

fn result(finding: &Finding, rule_index: Option<usize>, config_uri: &str) -> Value {
    let hash = finding.fingerprint.trim_start_matches("lgf1:");
    let (uri, line) = physical_location(finding, config_uri);
    let mut text = if finding.message.contains(&finding.target.display) {
        visible(&finding.message).into_owned()
    } else {
        format!(
            "{} [{}]",
            visible(&finding.message),
            visible(&finding.target.display)
        )
    };
    match finding.baseline {
        Some(BaselineState::NotRechecked) => {
            text = format!("Not re-checked this run (the check could not run), still open: {text}");
        }
        Some(BaselineState::NoLongerAudited) => {
            text = format!("No longer audited (the target had no finding this run): {text}");
        }
        _ => {}
    }
    let mut result = json!({
        "ruleId": finding.check.as_str(),
        "level": level(finding.severity),
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri },
                "region": { "startLine": line },
            },
            "logicalLocations": [{
                "kind": "resource",
                "name": visible(&finding.target.id),
                "fullyQualifiedName": visible(&finding.target.display),
            }],
        }],
        "partialFingerprints": {
            "primaryLocationLineHash": format!("{}:1", &hash[..hash.len().min(16)]),
            "launchguard/finding/v1": finding.fingerprint,
        },
        "properties": {
            "severity": finding.severity.as_str(),
            "status": finding.status.as_str(),
            "target": finding.target.id,
            "evidence": finding.evidence,
        },
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    if let Some(state) = finding.baseline {
        result["baselineState"] = json!(match state {
            BaselineState::New => "new",
            BaselineState::Unchanged | BaselineState::NotRechecked => "unchanged",
            BaselineState::Resolved | BaselineState::NoLongerAudited => "absent",
        });
        result["properties"]["baseline"] = json!(state);
        match state {
            BaselineState::Resolved => {
                result["kind"] = json!("pass");
                result["level"] = json!("none");
            }
            BaselineState::NoLongerAudited => {
                result["kind"] = json!("notApplicable");
                result["level"] = json!("none");
            }
            _ => {}
        }
    }
    if let Some(suppressed) = &finding.suppressed {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("{} (expires {})", visible(&suppressed.reason), visible(&suppressed.expires)),
        }]);
    }
    result
}

/// Repository-relative paths are what code-scanning uploads expect; keep what the user gave,
/// with forward slashes, percent-encoded into a valid URI reference (a file name may hold
/// spaces, `#`, `:` or control characters).
fn config_uri_of(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

pub fn render(report: &Report, registry: &Registry) -> anyhow::Result<String> {
    let defs: Vec<_> = registry.iter().collect();
    let index_of = |id: &str| defs.iter().position(|d| d.id == id);
    let uri = config_uri_of(&report.run.config_path);
    let results: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .chain(
            report
                .not_rechecked
                .iter()
                .filter(|f| f.status == Status::Fail),
        )
        .chain(&report.resolved)
        .chain(&report.no_longer_audited)
        .map(|f| result(f, index_of(f.check.as_str()), &uri))
        .collect();
    let notifications: Vec<Value> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .map(|f| {
            json!({
                "level": "error",
                "message": { "text": format!("{} could not verify {}: {}", visible(f.check.as_str()), visible(&f.target.display), visible(&f.message)) },
                "descriptor": { "id": f.check.as_str() },
            })
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": defs.iter().map(|d| rule(d)).collect::<Vec<_>>(),
            }},
            "automationDetails": { "id": "launchguard/" },
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "exitCode": report.summary.exit_code,
                "startTimeUtc": report.run.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "endTimeUtc": report.run.finished_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    let mut text = json_ascii_controls(serde_json::to_string_pretty(&log)?);
    text.push('\n');
    Ok(text)
}
