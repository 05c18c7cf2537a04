//! One self-contained HTML file (inline CSS and script, no external assets): the verdict first,
//! findings grouped by agent and target with what a root cause explains nested under it, a
//! search box, filters by status, severity and "new only", fixes in view, and each check's docs
//! at the end, linked from every finding.
//!
//! The template escapes markup; every string from a finding is also made visible first
//! ([`visible`]), so control and bidi characters cannot hide or reorder what a reader sees.

use std::collections::BTreeSet;

use askama::Template;
use launchguard_core::{BaselineState, EvidenceValue, Finding, Registry, Severity, Status};

use super::escape::visible;
use super::layout::{EXPLAINED_BY, Layout, View, explained_by};
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
    id: String,
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
    /// `new` or empty, for the "new only" view.
    baseline_key: &'static str,
    suppressed: String,
    /// Anchors of the findings that explain this one.
    explained_by: Vec<(String, String)>,
    references: Vec<&'static str>,
    /// Findings this one explains.
    children: Vec<Row>,
}

/// The anchor of a finding: its fingerprint is unique and stable.
fn anchor(finding: &Finding) -> String {
    format!(
        "f-{}",
        finding
            .fingerprint
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    )
}

impl Row {
    fn new(finding: &Finding, registry: &Registry, report: &Report) -> Self {
        let def = registry.get(finding.check.as_str());
        let explained_by = explained_by(finding)
            .into_iter()
            .map(|id| {
                let cause = report.findings.iter().find(|c| {
                    c.check.as_str() == id
                        && c.target.id == finding.target.id
                        && c.status == Status::Fail
                });
                (
                    cause.map(anchor).unwrap_or_else(|| format!("check-{id}")),
                    v(id),
                )
            })
            .collect();
        Row {
            id: anchor(finding),
            status: finding.status.as_str(),
            severity: finding.severity.as_str(),
            check: v(finding.check.as_str()),
            title: def.map(|d| d.title.to_owned()).unwrap_or_default(),
            target: v(&finding.target.display),
            message: v(&finding.message),
            evidence: finding
                .evidence
                .iter()
                .filter(|(key, _)| key.as_str() != EXPLAINED_BY)
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
            baseline_key: match finding.baseline {
                Some(BaselineState::New) => "new",
                _ => "",
            },
            suppressed: finding
                .suppressed
                .as_ref()
                .map(|s| v(&format!("suppressed until {}: {}", s.expires, s.reason)))
                .unwrap_or_default(),
            explained_by,
            references: def.map(|d| d.references.to_vec()).unwrap_or_default(),
            children: Vec::new(),
        }
    }
}

/// Checks of one target that could not run for one reason: one entry.
struct ErrorGroup {
    severity: &'static str,
    count: usize,
    checks: Vec<String>,
    message: String,
    baseline_key: &'static str,
}

/// What the page shows under one target: root causes (with what they explain), errors by reason,
/// then the other findings.
struct TargetGroup {
    target: String,
    problems: usize,
    /// The most severe open failure, for the order of targets.
    worst: Option<Severity>,
    rows: Vec<Row>,
    errors: Vec<ErrorGroup>,
}

struct AgentGroup {
    name: String,
    problems: usize,
    targets: Vec<TargetGroup>,
}

/// A check's docs, shown once at the end of the page and linked from every finding.
struct CheckDoc {
    id: String,
    title: String,
    severity: &'static str,
    what: String,
    why: String,
    fix: String,
    references: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    report: &'a Report,
    agents: Vec<AgentGroup>,
    not_rechecked: Vec<Row>,
    resolved: Vec<Row>,
    no_longer_audited: Vec<Row>,
    docs: Vec<CheckDoc>,
    config_path: String,
    agent_names: String,
    verdict: String,
    notes: Vec<String>,
    severities: Vec<(&'static str, usize)>,
    failing_by_severity: String,
    elapsed: String,
    started: String,
    shard: String,
    hidden_below: String,
    timings: String,
}

/// Groups the findings by agent, then target; within a target root causes carry what they
/// explain, and errors share one entry per reason.
fn group(report: &Report, registry: &Registry, view: View) -> (Vec<AgentGroup>, usize) {
    let layout = Layout::new(report, view);
    let mut placed: BTreeSet<*const Finding> = BTreeSet::new();
    // agent -> target -> group, in report order of first appearance.
    let mut agents: Vec<AgentGroup> = Vec::new();
    fn target_group<'g>(
        agents: &'g mut Vec<AgentGroup>,
        agent: &str,
        target: &str,
    ) -> &'g mut TargetGroup {
        let a = match agents.iter().position(|a| a.name == agent) {
            Some(i) => i,
            None => {
                agents.push(AgentGroup {
                    name: agent.to_owned(),
                    problems: 0,
                    targets: Vec::new(),
                });
                agents.len() - 1
            }
        };
        let targets = &mut agents[a].targets;
        let t = match targets.iter().position(|t| t.target == target) {
            Some(i) => i,
            None => {
                targets.push(TargetGroup {
                    target: target.to_owned(),
                    problems: 0,
                    worst: None,
                    rows: Vec::new(),
                    errors: Vec::new(),
                });
                targets.len() - 1
            }
        };
        &mut targets[t]
    }
    for cause in &layout.causes {
        let mut row = Row::new(cause.finding, registry, report);
        placed.insert(cause.finding);
        for child in &cause.explains {
            placed.insert(*child);
            row.children.push(Row::new(child, registry, report));
        }
        let group = target_group(
            &mut agents,
            &cause.finding.agent,
            &v(&cause.finding.target.display),
        );
        group.problems += 1 + cause.explains.len();
        group.worst = group.worst.max(Some(cause.finding.severity));
        group.rows.push(row);
    }
    for unverified in &layout.unverified {
        let group = target_group(&mut agents, unverified.agent, &v(unverified.target));
        for (message, findings) in &unverified.reasons {
            placed.extend(findings.iter().map(|f| *f as *const Finding));
            group.problems += findings.len();
            group.errors.push(ErrorGroup {
                severity: findings
                    .iter()
                    .map(|f| f.severity)
                    .max()
                    .unwrap_or(Severity::Info)
                    .as_str(),
                count: findings.len(),
                checks: findings.iter().map(|f| v(f.check.as_str())).collect(),
                message: v(message),
                baseline_key: if findings
                    .iter()
                    .any(|f| f.baseline == Some(BaselineState::New))
                {
                    "new"
                } else {
                    ""
                },
            });
        }
    }
    for finding in &report.findings {
        if placed.contains(&(finding as *const Finding)) {
            continue;
        }
        // Suppressed findings and those below --min-severity stay reachable through the filters.
        let group = target_group(&mut agents, &finding.agent, &v(&finding.target.display));
        group.rows.push(Row::new(finding, registry, report));
    }
    for agent in &mut agents {
        agent.problems = agent.targets.iter().map(|t| t.problems).sum();
        // Targets with the most severe failures first, then the most problems, then by name.
        agent.targets.sort_by(|a, b| {
            (b.worst, b.problems)
                .cmp(&(a.worst, a.problems))
                .then(a.target.cmp(&b.target))
        });
    }
    (agents, layout.hidden_below)
}

pub fn render(report: &Report, registry: &Registry) -> anyhow::Result<String> {
    render_view(report, registry, View::default())
}

pub fn render_view(report: &Report, registry: &Registry, view: View) -> anyhow::Result<String> {
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
    let (agents, hidden_below) = group(report, registry, view);
    let rows = |list: &[Finding]| -> Vec<Row> {
        list.iter().map(|f| Row::new(f, registry, report)).collect()
    };
    let seen: BTreeSet<&str> = report
        .findings
        .iter()
        .chain(&report.not_rechecked)
        .chain(&report.resolved)
        .chain(&report.no_longer_audited)
        .map(|f| f.check.as_str())
        .collect();
    let docs = seen
        .into_iter()
        .filter_map(|id| registry.get(id))
        .map(|d| CheckDoc {
            id: d.id.to_owned(),
            title: d.title.to_owned(),
            severity: d.severity.as_str(),
            what: d.what.to_owned(),
            why: d.why.to_owned(),
            fix: d.fix.to_owned(),
            references: d.references.to_vec(),
        })
        .collect();
    let page = Page {
        report,
        agents,
        not_rechecked: rows(&report.not_rechecked),
        resolved: rows(&report.resolved),
        no_longer_audited: rows(&report.no_longer_audited),
        docs,
        config_path: v(&report.run.config_path),
        agent_names: v(&report.run.agents.join(", ")),
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
        shard: report.run.shard.as_deref().map(v).unwrap_or_default(),
        hidden_below: if hidden_below > 0 {
            format!(
                "{hidden_below} failing finding(s) below {} are hidden by default (--min-severity); tick their severity to see them.",
                view.min_severity
            )
        } else {
            String::new()
        },
        timings: report
            .run
            .timings
            .as_ref()
            .map(|t| v(&super::terminal::timings_line(t)))
            .unwrap_or_default(),
    };
    Ok(page.render()?)
}
