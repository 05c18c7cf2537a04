//! How the formats a person reads (terminal, Markdown, HTML) arrange the problems: root causes
//! first, what another finding explains under it, and every check that could not run on one target
//! for one reason on a single line. JSON, SARIF, JUnit and Prometheus keep every finding as it is.

use std::collections::BTreeMap;

use launchguard_core::{EvidenceValue, Finding, Severity, Status};

use super::Report;

/// The evidence key an agent sets on a finding that other findings on its target explain: the
/// check IDs of those causes.
pub const EXPLAINED_BY: &str = "explained_by";

/// What the human-readable formats show; the machine formats always carry everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    /// Failing findings below this severity are counted but not listed.
    pub min_severity: Severity,
    /// One line per finding, no evidence or fixes (terminal only).
    pub compact: bool,
}

impl Default for View {
    fn default() -> Self {
        View {
            min_severity: Severity::Info,
            compact: false,
        }
    }
}

/// A failing finding that nothing else in the report explains, with those it explains.
#[derive(Debug)]
pub struct Cause<'a> {
    pub finding: &'a Finding,
    pub explains: Vec<&'a Finding>,
}

/// Checks of one agent on one target that could not run, by reason, the most common first.
#[derive(Debug)]
pub struct Unverified<'a> {
    pub agent: &'a str,
    pub target: &'a str,
    pub reasons: Vec<(&'a str, Vec<&'a Finding>)>,
}

impl<'a> Unverified<'a> {
    pub fn findings(&self) -> impl Iterator<Item = &'a Finding> + '_ {
        self.reasons.iter().flat_map(|(_, f)| f.iter().copied())
    }

    pub fn count(&self) -> usize {
        self.reasons.iter().map(|(_, f)| f.len()).sum()
    }

    /// The check IDs, shortened to a common prefix when there are many (`tls.*`).
    pub fn checks_label(&self) -> String {
        let ids: Vec<&str> = self.findings().map(|f| f.check.as_str()).collect();
        if ids.len() <= 3 {
            return ids.join(", ");
        }
        let prefix = common_prefix(&ids);
        if prefix.is_empty() {
            format!("{} checks: {}, {}, …", ids.len(), ids[0], ids[1])
        } else {
            format!("{} checks: {prefix}*", ids.len())
        }
    }
}

/// The longest dotted prefix (ending in `.`) the IDs share.
fn common_prefix<'a>(ids: &[&'a str]) -> &'a str {
    let first = ids[0];
    let mut end = first.len();
    for id in &ids[1..] {
        end = end.min(
            first
                .bytes()
                .zip(id.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    match first[..end].rfind('.') {
        Some(dot) => &first[..=dot],
        None => "",
    }
}

/// The open problems of a report, arranged for a reader.
#[derive(Debug)]
pub struct Layout<'a> {
    /// Failing, unsuppressed findings at or above the view's severity that no other finding
    /// explains, in report order (most severe first).
    pub causes: Vec<Cause<'a>>,
    /// Unsuppressed errors, grouped by agent and target; the largest groups first.
    pub unverified: Vec<Unverified<'a>>,
    /// Failing findings below the view's severity: counted, not listed.
    pub hidden_below: usize,
}

/// The check IDs a finding's `explained_by` evidence names.
pub fn explained_by(finding: &Finding) -> Vec<&str> {
    match finding.evidence.get(EXPLAINED_BY) {
        Some(EvidenceValue::List(items)) => items
            .iter()
            .filter_map(|item| match item {
                EvidenceValue::Text(id) => Some(id.as_str()),
                _ => None,
            })
            .collect(),
        Some(EvidenceValue::Text(id)) => vec![id.as_str()],
        _ => Vec::new(),
    }
}

impl<'a> Layout<'a> {
    pub fn new(report: &'a Report, view: View) -> Self {
        let failing: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail && f.suppressed.is_none())
            .collect();
        let shown = |f: &&Finding| f.severity >= view.min_severity;
        // A finding goes under the first listed cause that failed on the same target; a cause
        // explained in turn by another stays a root, so nothing hides two levels deep.
        let cause_of = |finding: &Finding| -> Option<usize> {
            explained_by(finding).into_iter().find_map(|id| {
                failing.iter().position(|c| {
                    c.check.as_str() == id
                        && c.target.id == finding.target.id
                        && explained_by(c).is_empty()
                })
            })
        };
        let mut explains: BTreeMap<usize, Vec<&Finding>> = BTreeMap::new();
        let mut roots = Vec::new();
        for (index, finding) in failing.iter().enumerate() {
            match cause_of(finding) {
                Some(cause) if shown(finding) => explains.entry(cause).or_default().push(finding),
                Some(_) => {}
                None => roots.push(index),
            }
        }
        let hidden_below = failing.iter().filter(|f| !shown(f)).count();
        let causes = roots
            .into_iter()
            .filter_map(|index| {
                let explains = explains.remove(&index).unwrap_or_default();
                (shown(&failing[index]) || !explains.is_empty()).then(|| Cause {
                    finding: failing[index],
                    explains,
                })
            })
            .collect();

        let mut groups: BTreeMap<(&str, &str), BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
        for finding in report
            .findings
            .iter()
            .filter(|f| f.status == Status::Error && f.suppressed.is_none())
        {
            groups
                .entry((finding.agent.as_str(), finding.target.display.as_str()))
                .or_default()
                .entry(finding.message.as_str())
                .or_default()
                .push(finding);
        }
        let mut unverified: Vec<Unverified> = groups
            .into_iter()
            .map(|((agent, target), reasons)| {
                let mut reasons: Vec<_> = reasons.into_iter().collect();
                reasons.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
                Unverified {
                    agent,
                    target,
                    reasons,
                }
            })
            .collect();
        unverified.sort_by(|a, b| {
            b.count()
                .cmp(&a.count())
                .then_with(|| (a.agent, a.target).cmp(&(b.agent, b.target)))
        });
        Layout {
            causes,
            unverified,
            hidden_below,
        }
    }

    /// How many failing findings are listed (causes and what they explain).
    pub fn listed(&self) -> usize {
        self.causes.iter().map(|c| 1 + c.explains.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use launchguard_core::{CheckDef, Target, TargetKind};

    use super::*;
    use crate::report::Summary;

    static CAUSE: CheckDef = CheckDef {
        id: "test.cause",
        agent: "test",
        title: "cause",
        severity: Severity::High,
        what: "w",
        why: "y",
        fix: "f",
        references: &[],
    };
    static EFFECT: CheckDef = CheckDef {
        id: "test.effect",
        severity: Severity::Critical,
        ..CAUSE
    };

    fn target(name: &str) -> Target {
        Target::new(name, TargetKind::Table, name)
    }

    fn report(findings: Vec<Finding>) -> Report {
        let mut report: Report = serde_json::from_value(serde_json::json!({
            "schema_version": "1.2", "tool": {"name": "launchguard", "version": "0"},
            "run": {"started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z",
                    "config_path": "c", "config_digest": "d", "agents": ["test"],
                    "fail_on": "high", "fail_on_new": false, "allow_errors": false},
            "summary": Summary::default(), "findings": []
        }))
        .unwrap();
        report.findings = findings;
        report
    }

    #[test]
    fn an_explained_finding_goes_under_its_cause_on_the_same_target_only() {
        let effect = |t| {
            Finding::fail(&EFFECT, target(t), "e").with_evidence(EXPLAINED_BY, vec!["test.cause"])
        };
        let report = report(vec![
            effect("a"),
            effect("b"),
            Finding::fail(&CAUSE, target("a"), "c"),
        ]);
        let layout = Layout::new(&report, View::default());
        let roots: Vec<(&str, &str, usize)> = layout
            .causes
            .iter()
            .map(|c| {
                (
                    c.finding.check.as_str(),
                    c.finding.target.id.as_str(),
                    c.explains.len(),
                )
            })
            .collect();
        // `b` names a cause that did not fail on `b`: it stays a root, never hidden.
        assert_eq!(roots, [("test.effect", "b", 0), ("test.cause", "a", 1)]);
        assert_eq!(layout.listed(), 3);
    }

    #[test]
    fn errors_of_one_target_share_a_line() {
        let refused = |def| Finding::error(def, target("down"), "could not connect");
        let report = report(vec![
            refused(&CAUSE),
            refused(&EFFECT),
            Finding::error(&CAUSE, target("up"), "timed out"),
        ]);
        let layout = Layout::new(&report, View::default());
        assert_eq!(layout.unverified.len(), 2);
        assert_eq!(layout.unverified[0].target, "down");
        assert_eq!(layout.unverified[0].count(), 2);
        assert_eq!(layout.unverified[0].reasons.len(), 1);
    }

    #[test]
    fn min_severity_hides_and_counts() {
        let report = report(vec![
            Finding::fail(&CAUSE, target("a"), "c"),
            Finding::fail(&EFFECT, target("a"), "e"),
        ]);
        let layout = Layout::new(
            &report,
            View {
                min_severity: Severity::Critical,
                compact: false,
            },
        );
        assert_eq!(layout.causes.len(), 1);
        assert_eq!(layout.hidden_below, 1);
    }

    #[test]
    fn many_checks_share_a_prefix_label() {
        let ids = [
            "tls.cert.expired",
            "tls.cert.weak_key",
            "tls.protocol.tls10",
        ];
        assert_eq!(common_prefix(&ids), "tls.");
        assert_eq!(common_prefix(&["a.b", "c.d"]), "");
    }
}
