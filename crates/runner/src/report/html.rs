//! One self-contained HTML file (inline CSS and script, no external assets): summary, filters by
//! severity and status, each finding with its evidence and remediation.
//!
//! The template escapes markup; every string from a finding is also made visible first
//! ([`visible`]), so control and bidi characters cannot hide or reorder what a reader sees.

use askama::Template;
use launchguard_core::{BaselineState, EvidenceValue, Finding, Registry, Severity};

use super::escape::visible;
use super::{Report, SuppressionState};

fn v(text: &str) -> String {
    visible(text).into_owned()
}

/// Lists one item per line, so long lists of examples stay readable.
fn evidence_text(value: &EvidenceValue) -> String {
    match value {
        EvidenceValue::List(items) => items
            .iter()
            .map(|item| v(&item.to_string()))
            .collect::<Vec<_>>()
            .join("\n"),
        other => v(&other.to_string()),
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
            check: v(finding.check.as_str()),
            title: def.map(|d| d.title.to_owned()).unwrap_or_default(),
            target: v(&finding.target.display),
            message: v(&finding.message),
            evidence: finding
                .evidence
                .iter()
                .map(|(key, value)| (v(key), evidence_text(value)))
                .collect(),
            why: def.map(|d| d.why.to_owned()).unwrap_or_default(),
            fix: finding.remediation.as_deref().map(v).unwrap_or_default(),
            fingerprint: v(&finding.fingerprint),
            baseline: match finding.baseline {
                Some(BaselineState::New) => "new",
                Some(BaselineState::Unchanged) => "unchanged",
                Some(BaselineState::Resolved) => "resolved",
                Some(BaselineState::NotRechecked) => "not re-checked",
                Some(BaselineState::NoLongerAudited) => "no longer audited",
                None => "",
            },
            suppressed: finding
                .suppressed
                .as_ref()
                .map(|s| v(&format!("suppressed until {}: {}", s.expires, s.reason)))
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    report: &'a Report,
    rows: Vec<Row>,
    not_rechecked: Vec<Row>,
    resolved: Vec<Row>,
    no_longer_audited: Vec<Row>,
    config_path: String,
    agents: String,
    verdict: String,
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
            SuppressionState::Expired => v(&format!(
                "Suppression at {} ({}) expired on {} and no longer applies.",
                n.location, n.matches, n.expires
            )),
            SuppressionState::Unused => v(&format!(
                "Suppression at {} ({}) matched nothing.",
                n.location, n.matches
            )),
        })
        .collect();
    let page = Page {
        report,
        rows: report
            .findings
            .iter()
            .map(|f| Row::new(f, registry))
            .collect(),
        not_rechecked: report
            .not_rechecked
            .iter()
            .map(|f| Row::new(f, registry))
            .collect(),
        resolved: report
            .resolved
            .iter()
            .map(|f| Row::new(f, registry))
            .collect(),
        no_longer_audited: report
            .no_longer_audited
            .iter()
            .map(|f| Row::new(f, registry))
            .collect(),
        config_path: v(&report.run.config_path),
        agents: v(&report.run.agents.join(", ")),
        verdict: v(&report.summary.verdict),
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
