//! One self-contained HTML file (inline CSS and script, no external assets): summary, filters by
//! severity and status, each finding with its evidence and remediation.

use askama::Template;
use launchguard_core::{BaselineState, EvidenceValue, Finding, Registry, Severity};

use super::{Report, SuppressionState};

/// Lists one item per line, so long lists of examples stay readable.
fn evidence_text(value: &EvidenceValue) -> String {
    match value {
        EvidenceValue::List(items) => items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

struct Row {
    status: &'static str,
    severity: &'static str,
    check: String,
    title: String,
    target: String,
    message: String,
    evidence: Vec<(String, String)>,
    why: String,
    fix: String,
    fingerprint: String,
    baseline: &'static str,
    suppressed: String,
}

impl Row {
    fn new(finding: &Finding, registry: &Registry) -> Self {
        let def = registry.get(finding.check.as_str());
        Row {
            status: finding.status.as_str(),
            severity: finding.severity.as_str(),
            check: finding.check.to_string(),
            title: def.map(|d| d.title.to_owned()).unwrap_or_default(),
            target: finding.target.display.clone(),
            message: finding.message.clone(),
            evidence: finding
                .evidence
                .iter()
                .map(|(k, v)| (k.clone(), evidence_text(v)))
                .collect(),
            why: def.map(|d| d.why.to_owned()).unwrap_or_default(),
            fix: finding.remediation.clone().unwrap_or_default(),
            fingerprint: finding.fingerprint.clone(),
            baseline: match finding.baseline {
                Some(BaselineState::New) => "new",
                Some(BaselineState::Unchanged) => "unchanged",
                Some(BaselineState::Resolved) => "resolved",
                None => "",
            },
            suppressed: finding
                .suppressed
                .as_ref()
                .map(|s| format!("suppressed until {}: {}", s.expires, s.reason))
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    report: &'a Report,
    rows: Vec<Row>,
    resolved: Vec<Row>,
    notes: Vec<String>,
    severities: Vec<(&'static str, usize)>,
    failing_by_severity: String,
    elapsed: String,
    started: String,
}

pub fn render(report: &Report, registry: &Registry) -> anyhow::Result<String> {
    let notes = report
        .suppression_notes
        .iter()
        .map(|n| match n.state {
            SuppressionState::Expired => {
                format!(
                    "Suppression at {} ({}) expired on {} and no longer applies.",
                    n.location, n.matches, n.expires
                )
            }
            SuppressionState::Unused => format!(
                "Suppression at {} ({}) matched nothing.",
                n.location, n.matches
            ),
        })
        .collect();
    let page = Page {
        report,
        rows: report
            .findings
            .iter()
            .map(|f| Row::new(f, registry))
            .collect(),
        resolved: report
            .resolved
            .iter()
            .map(|f| Row::new(f, registry))
            .collect(),
        notes,
        severities: Severity::ALL_DESC
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    report
                        .summary
                        .failing_by_severity
                        .get(s)
                        .copied()
                        .unwrap_or(0),
                )
            })
            .collect(),
        failing_by_severity: Severity::ALL_DESC
            .iter()
            .filter_map(|s| {
                report
                    .summary
                    .failing_by_severity
                    .get(s)
                    .map(|n| format!("{n} {s}"))
            })
            .collect::<Vec<_>>()
            .join(" · "),
        elapsed: format!(
            "{:.1} s",
            (report.run.finished_at - report.run.started_at).num_milliseconds() as f64 / 1000.0
        ),
        started: report
            .run
            .started_at
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
    };
    Ok(page.render()?)
}
