//! Markdown for a ticket or a pull-request comment.
//!
//! Every string a peer or a file controls is escaped for where it lands: prose and table cells
//! through [`markdown_text`], evidence through [`markdown_code`], the `<details>` summaries (raw
//! HTML) through [`html_text`]. Nothing in a finding can open a tag, a link, a heading or a cell.

use std::fmt::Write;

use launchguard_core::{BaselineState, Finding, Registry, Severity, Status};

use super::escape::{html_text, markdown_code, markdown_text as md};
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

fn table(out: &mut String, findings: &[&Finding]) {
    let _ = writeln!(
        out,
        "| Severity | Check | Target | Finding | Baseline |\n|---|---|---|---|---|"
    );
    for f in findings {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            f.severity,
            cell_code(f.check.as_str()),
            md(&f.target.display),
            md(&f.message),
            baseline(f)
        );
    }
    out.push('\n');
}

pub fn render(report: &Report, registry: &Registry) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(out, "# launchguard report\n");
    let _ = writeln!(
        out,
        "**Result: exit {}** — {}.  \nConfiguration {} ({}), agents: {}, run {} → {}.\n",
        s.exit_code,
        md(&s.verdict),
        markdown_code(&report.run.config_path),
        md(&report.run.config_digest),
        md(&report.run.agents.join(", ")),
        report.run.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
        report.run.finished_at.format("%H:%M:%S UTC"),
    );
    let _ = writeln!(
        out,
        "| fail | could not verify | pass | skipped | suppressed |\n|---|---|---|---|---|"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |\n",
        s.fail, s.error, s.pass, s.skipped, s.suppressed
    );
    if report.run.baseline.is_some() {
        let _ = writeln!(
            out,
            "Against the baseline: **{} new**, {} unchanged, {} resolved, **{} not re-checked**, {} no longer audited.\n",
            s.new, s.unchanged, s.resolved, s.not_rechecked, s.no_longer_audited
        );
    }

    let open = |status: Status| -> Vec<&Finding> {
        report
            .findings
            .iter()
            .filter(|f| f.status == status && f.suppressed.is_none())
            .collect()
    };
    let failures = open(Status::Fail);
    if !failures.is_empty() {
        let _ = writeln!(out, "## Failures\n");
        table(&mut out, &failures);
        for severity in Severity::ALL_DESC {
            for f in failures.iter().filter(|f| f.severity == severity) {
                let _ = writeln!(
                    out,
                    "<details><summary><b>{}</b> {} — {}</summary>\n",
                    html_text(f.check.as_str()),
                    f.severity,
                    html_text(&f.target.display)
                );
                let _ = writeln!(out, "{}\n", md(&f.message));
                for (key, value) in &f.evidence {
                    let _ = writeln!(
                        out,
                        "- **{}**: {}",
                        md(key),
                        markdown_code(&value.to_string())
                    );
                }
                if let Some(def) = registry.get(f.check.as_str()) {
                    let _ = writeln!(
                        out,
                        "\n**Why it matters.** {}\n\n**How to fix.** {}",
                        def.why, def.fix
                    );
                }
                let _ = writeln!(
                    out,
                    "\nFingerprint {}\n</details>\n",
                    markdown_code(&f.fingerprint)
                );
            }
        }
    }
    let errors = open(Status::Error);
    if !errors.is_empty() {
        let _ = writeln!(out, "## Could not verify\n");
        table(&mut out, &errors);
    }
    let suppressed = report.suppressed_findings();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "## Suppressed\n");
        table(&mut out, &suppressed);
    }
    for (title, gone) in [
        (
            "## Not re-checked since the baseline\n\nStill open: their check could not run on their target this time (error, skipped or no result).\n",
            &report.not_rechecked,
        ),
        (
            "## Resolved since the baseline\n\nChecked again on the same target and not found.\n",
            &report.resolved,
        ),
        (
            "## No longer audited\n\nTheir target had no finding this time (removed from the configuration, or its agent did not run).\n",
            &report.no_longer_audited,
        ),
    ] {
        if !gone.is_empty() {
            let _ = writeln!(out, "{title}");
            table(&mut out, &gone.iter().collect::<Vec<_>>());
        }
    }
    if !report.suppression_notes.is_empty() {
        let _ = writeln!(out, "## Suppressions to review\n");
        for note in &report.suppression_notes {
            let state = match note.state {
                SuppressionState::Expired => format!("expired on {}", note.expires),
                SuppressionState::Unused => "matched nothing".to_owned(),
            };
            let _ = writeln!(
                out,
                "- {} ({}): {} — {}",
                markdown_code(&note.location),
                md(&note.matches),
                md(&state),
                md(&note.reason)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "<sub>{} {} · report schema {}</sub>",
        html_text(&report.tool.name),
        html_text(&report.tool.version),
        html_text(&report.schema_version)
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
