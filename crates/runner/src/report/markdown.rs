//! Markdown for a ticket or a pull-request comment.
//!
//! Every string a peer or a file controls is escaped for where it lands: prose and table cells
//! through [`markdown_text`], evidence through [`markdown_code`], the `<details>` summaries (raw
//! HTML) through [`html_text`]. Nothing in a finding can open a tag, a link, a heading or a cell.

use std::collections::BTreeMap;
use std::fmt::Write;

use launchguard_core::{BaselineState, Finding, Registry, Severity, Status};

use super::escape::{html_text, markdown_code, markdown_text as md};
use super::layout::{Layout, View};
use super::{Report, SuppressionState};
use crate::baseline::Diff;

/// A code span inside a table cell: GFM splits cells on `|` even in code spans.
fn cell_code(text: &str) -> String {
    markdown_code(text).replace('|', "\\|")
}

fn baseline(finding: &Finding) -> &'static str {
    match finding.baseline {
        Some(BaselineState::New) => "new",
        Some(BaselineState::Unchanged) => "unchanged",
        Some(BaselineState::Resolved) => "resolved",
        Some(BaselineState::NotRechecked) => "not re-checked",
        Some(BaselineState::NoLongerAudited) => "no longer audited",
        None => "",
    }
}

/// GitHub refuses a comment longer than 65,536 characters; the report stops adding rows a little
/// before that, whatever the run size, and says how many it left out.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// Kept free for the closing lines.
const RESERVE: usize = 1_500;

/// A Markdown document that never grows past the budget: whole lines only.
struct Budgeted {
    out: String,
    chars: usize,
    limit: usize,
    left_out: usize,
}

impl Budgeted {
    /// Adds `text` when it fits; returns whether it did.
    fn push(&mut self, text: &str) -> bool {
        let chars = text.chars().count();
        if self.chars + chars > self.limit {
            self.left_out += 1;
            return false;
        }
        self.out.push_str(text);
        self.chars += chars;
        true
    }

    /// Adds rows while they fit, then one line that says how many did not.
    fn rows(&mut self, rows: impl ExactSizeIterator<Item = String>, what: &str) {
        let total = rows.len();
        let mut shown = 0;
        for row in rows {
            if !self.push(&row) {
                break;
            }
            shown += 1;
        }
        if shown < total {
            self.out.push_str(&format!(
                "\n_{} more {what} not shown here (comment size limit): see the JSON or HTML report._\n",
                total - shown
            ));
        }
    }
}

fn table_rows<'a>(findings: &'a [&'a Finding]) -> impl ExactSizeIterator<Item = String> + 'a {
    findings.iter().map(|f| {
        format!(
            "| {} | {} | {} | {} | {} |\n",
            f.severity,
            cell_code(f.check.as_str()),
            md(&f.target.display),
            md(&f.message),
            baseline(f)
        )
    })
}

const TABLE_HEAD: &str =
    "| Severity | Check | Target | Finding | Baseline |\n|---|---|---|---|---|\n";

pub fn render(report: &Report, registry: &Registry) -> String {
    render_view(report, registry, View::default())
}

/// The verdict and counts first, then root causes in one table (what each explains counted in
/// it), what could not be verified one row per target, and every check's evidence and fix once,
/// collapsed. Fits a pull-request comment whatever the run size.
pub fn render_view(report: &Report, registry: &Registry, view: View) -> String {
    let mut doc = Budgeted {
        out: String::new(),
        chars: 0,
        limit: GITHUB_COMMENT_LIMIT - RESERVE,
        left_out: 0,
    };
    let s = &report.summary;
    let shard = report
        .run
        .shard
        .as_ref()
        .map(|s| format!(", shard {}", md(s)))
        .unwrap_or_default();
    doc.push(&format!(
        "# launchguard report\n\n**{}** (exit {})\n\nConfiguration {} ({}), agents: {}{shard}, run {} → {}.\n\n",
        md(&s.verdict),
        s.exit_code,
        markdown_code(&report.run.config_path),
        md(&report.run.config_digest),
        md(&report.run.agents.join(", ")),
        report.run.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
        report.run.finished_at.format("%H:%M:%S UTC"),
    ));
    let by_severity: Vec<String> = Severity::ALL_DESC
        .iter()
        .filter_map(|sev| s.failing_by_severity.get(sev).map(|n| format!("{n} {sev}")))
        .collect();
    doc.push(&format!(
        "| failed | by severity | could not verify | passed | skipped | suppressed |\n|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} |\n\n",
        s.failing_by_severity.values().sum::<usize>(),
        if by_severity.is_empty() { "–".to_owned() } else { by_severity.join(", ") },
        s.error,
        s.pass,
        s.skipped,
        s.suppressed
    ));
    if report.run.baseline.is_some() {
        doc.push(&format!(
            "Against the baseline: **{} new**, {} unchanged, {} resolved, **{} not re-checked**, {} no longer audited.\n\n",
            s.new, s.unchanged, s.resolved, s.not_rechecked, s.no_longer_audited
        ));
    }
    let layout = Layout::new(report, view);
    if !layout.causes.is_empty() {
        let explained: usize = layout.causes.iter().map(|c| c.explains.len()).sum();
        let note = if explained > 0 {
            format!(
                " {explained} more failing finding(s) are explained by these and counted in the last column."
            )
        } else {
            String::new()
        };
        doc.push(&format!(
            "## Failures\n\n{} root cause(s), most severe first.{note}\n\n| Severity | Check | Target | Finding | Explains | Baseline |\n|---|---|---|---|---|---|\n",
            layout.causes.len()
        ));
        let rows = layout.causes.iter().map(|c| {
            let explains: Vec<String> = c
                .explains
                .iter()
                .map(|f| cell_code(f.check.as_str()))
                .collect();
            format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                c.finding.severity,
                cell_code(c.finding.check.as_str()),
                md(&c.finding.target.display),
                md(&c.finding.message),
                explains.join(", "),
                baseline(c.finding)
            )
        });
        doc.rows(rows, "root causes");
        doc.push("\n");
    }
    if layout.hidden_below > 0 {
        doc.push(&format!(
            "_{} failing finding(s) below {} are counted above, not listed (--min-severity)._\n\n",
            layout.hidden_below, view.min_severity
        ));
    }
    if !layout.unverified.is_empty() {
        let errors: usize = layout.unverified.iter().map(|g| g.count()).sum();
        doc.push(&format!(
            "## Could not verify\n\n{errors} check(s) on {} target(s), one row per target.\n\n| Target | Checks | Why |\n|---|---|---|\n",
            layout.unverified.len()
        ));
        let rows = layout.unverified.iter().map(|g| {
            let why: Vec<String> = g
                .reasons
                .iter()
                .map(|(message, findings)| format!("{} ({})", md(message), findings.len()))
                .collect();
            format!(
                "| {} | {} | {} |\n",
                md(g.target),
                cell_code(&g.checks_label()),
                why.join("; ")
            )
        });
        doc.rows(rows, "targets");
        doc.push("\n");
    }
    let suppressed = report.suppressed_findings();
    for (title, list) in [
        ("## Suppressed\n\n", suppressed),
        (
            "## Not re-checked since the baseline\n\nStill open: their check could not run on their target this time (error, skipped or no result).\n\n",
            report.not_rechecked.iter().collect(),
        ),
        (
            "## Resolved since the baseline\n\nChecked again on the same target and not found.\n\n",
            report.resolved.iter().collect(),
        ),
        (
            "## No longer audited\n\nTheir target had no finding this time (removed from the configuration, or its agent did not run).\n\n",
            report.no_longer_audited.iter().collect(),
        ),
    ] {
        if !list.is_empty() && doc.push(title) && doc.push(TABLE_HEAD) {
            doc.rows(table_rows(&list), "rows");
            doc.push("\n");
        }
    }
    if !report.suppression_notes.is_empty() && doc.push("## Suppressions to review\n\n") {
        let rows = report.suppression_notes.iter().map(|note| {
            let state = match note.state {
                SuppressionState::Expired => format!("expired on {}", note.expires),
                SuppressionState::Unused => "matched nothing".to_owned(),
            };
            format!(
                "- {} ({}): {} — {}\n",
                markdown_code(&note.location),
                md(&note.matches),
                md(&state),
                md(&note.reason)
            )
        });
        doc.rows(rows, "notes");
        doc.push("\n");
    }
    // Evidence and fixes last and collapsed: each check's fix once, then its findings' evidence.
    let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for cause in &layout.causes {
        by_check
            .entry(cause.finding.check.as_str())
            .or_default()
            .push(cause.finding);
        for f in &cause.explains {
            by_check.entry(f.check.as_str()).or_default().push(f);
        }
    }
    if !by_check.is_empty()
        && doc.push(&format!(
            "## Evidence and fixes\n\nOne entry per check ({}), collapsed.\n\n",
            by_check.len()
        ))
    {
        let entries = by_check.iter().map(|(check, findings)| {
            let mut entry = format!(
                "<details><summary><b>{}</b> ({} finding(s))</summary>\n\n",
                html_text(check),
                findings.len()
            );
            if let Some(def) = registry.get(check) {
                let _ = writeln!(
                    entry,
                    "**{}.** {}\n\n**How to fix.** {}\n",
                    md(def.title),
                    def.why,
                    def.fix
                );
            }
            for f in findings {
                let evidence: Vec<String> = f
                    .evidence
                    .iter()
                    .map(|(key, value)| {
                        format!("{}={}", md(key), markdown_code(&value.to_string()))
                    })
                    .collect();
                let _ = writeln!(
                    entry,
                    "- {}: {}; fingerprint {}",
                    md(&f.target.display),
                    if evidence.is_empty() {
                        "no evidence".to_owned()
                    } else {
                        evidence.join("; ")
                    },
                    markdown_code(&f.fingerprint)
                );
            }
            entry.push_str("\n</details>\n\n");
            entry
        });
        let entries: Vec<String> = entries.collect();
        doc.rows(entries.into_iter(), "checks' evidence");
    }
    let mut out = doc.out;
    let _ = writeln!(
        out,
        "<sub>{} {} · report schema {}{}</sub>",
        html_text(&report.tool.name),
        html_text(&report.tool.version),
        html_text(&report.schema_version),
        if doc.left_out > 0 {
            " · shortened to fit a comment: the JSON and HTML reports have everything"
        } else {
            ""
        }
    );
    out
}

/// `launchguard diff --format markdown`.
pub fn render_diff(diff: &Diff) -> String {
    let mut out = format!(
        "**launchguard diff** {} → {}\n\n",
        markdown_code(&diff.old),
        markdown_code(&diff.new)
    );
    for (title, note, findings) in diff.groups() {
        let _ = writeln!(out, "**{title} ({})**{note}\n", findings.len());
        for f in findings {
            let status = if f.status == Status::Error {
                "could not verify"
            } else {
                f.severity.as_str()
            };
            let _ = writeln!(
                out,
                "- {status} {} {} — {}",
                markdown_code(f.check.as_str()),
                md(&f.target.display),
                md(&f.message)
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use launchguard_core::{CheckDef, Finding, Target, TargetKind};

    use super::*;
    use crate::report::Summary;

    static DEF: CheckDef = CheckDef {
        id: "test.check",
        agent: "test",
        title: "t",
        severity: Severity::High,
        what: "w",
        why: "y",
        fix: "f",
        references: &[],
    };

    #[test]
    fn a_huge_run_still_fits_a_pull_request_comment() {
        let mut report: Report = serde_json::from_value(serde_json::json!({
            "schema_version": "1.2", "tool": {"name": "launchguard", "version": "0"},
            "run": {"started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z",
                    "config_path": "c", "config_digest": "d", "agents": ["test"],
                    "fail_on": "high", "fail_on_new": false, "allow_errors": false},
            "summary": Summary::default(), "findings": []
        }))
        .unwrap();
        for i in 0..5_000 {
            let target = Target::new(
                format!("t{i}"),
                TargetKind::Host,
                format!("host-{i}.example.com"),
            );
            report.findings.push(
                Finding::fail(&DEF, target.clone(), "é".repeat(100))
                    .with_evidence("detail", "x".repeat(300)),
            );
            report.findings.push(Finding::error(
                &DEF,
                target.child("sub", TargetKind::Host, format!("sub-{i}")),
                "timed out",
            ));
        }
        let text = render(&report, &crate::agents::registry());
        assert!(
            text.chars().count() <= GITHUB_COMMENT_LIMIT,
            "{}",
            text.chars().count()
        );
        assert!(text.contains("more root causes not shown here"));
        assert!(
            text.contains("more targets not shown here") || !text.contains("## Could not verify")
        );
        assert!(text.ends_with("the JSON and HTML reports have everything</sub>\n"));
    }
}
