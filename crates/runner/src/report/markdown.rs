//! Markdown for a ticket or a pull-request comment.

use std::fmt::Write;

use launchguard_core::{BaselineState, Finding, Registry, Severity, Status};

use super::{Report, SuppressionState};

/// Makes text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn baseline(finding: &Finding) -> &'static str {
    match finding.baseline {
        Some(BaselineState::New) => "new",
        Some(BaselineState::Unchanged) => "unchanged",
        Some(BaselineState::Resolved) => "resolved",
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
            "| {} | `{}` | {} | {} | {} |",
            f.severity,
            f.check,
            cell(&f.target.display),
            cell(&f.message),
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
        "**Result: exit {}** — {}.  \nConfiguration `{}` ({}), agents: {}, run {} → {}.\n",
        s.exit_code,
        s.verdict,
        report.run.config_path,
        report.run.config_digest,
        report.run.agents.join(", "),
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
            "Against the baseline: **{} new**, {} unchanged, {} resolved.\n",
            s.new, s.unchanged, s.resolved
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
                    f.check,
                    f.severity,
                    cell(&f.target.display)
                );
                let _ = writeln!(out, "{}\n", f.message);
                for (key, value) in &f.evidence {
                    let _ = writeln!(
                        out,
                        "- **{key}**: `{}`",
                        value.to_string().replace('`', "'")
                    );
                }
                if let Some(def) = registry.get(f.check.as_str()) {
                    let _ = writeln!(
                        out,
                        "\n**Why it matters.** {}\n\n**How to fix.** {}",
                        def.why, def.fix
                    );
                }
                let _ = writeln!(out, "\nFingerprint `{}`\n</details>\n", f.fingerprint);
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
    if !report.resolved.is_empty() {
        let _ = writeln!(out, "## Resolved since the baseline\n");
        table(&mut out, &report.resolved.iter().collect::<Vec<_>>());
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
                "- `{}` ({}): {state} — {}",
                note.location, note.matches, note.reason
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "<sub>{} {} · report schema {}</sub>",
        report.tool.name, report.tool.version, report.schema_version
    );
    out
}
