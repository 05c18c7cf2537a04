//! The terminal report: failures grouped by severity, then what could not be verified, then a
//! one-line summary. Colour only when asked for (a TTY without NO_COLOR, or --color always).
//!
//! Every string a peer or a file controls goes through [`escape::visible`] here, and the whole
//! text through [`escape::terminal_output`] on its way out.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use launchguard_core::{BaselineState, Finding, Registry, Severity, Status};

use super::escape::visible as v;
use super::{Report, SuppressionState, first_sentence};
use crate::baseline::Diff;

struct Palette {
    on: bool,
}

impl Palette {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, severity: Severity, text: &str) -> String {
        let style = match severity {
            Severity::Critical => Style::new()
                .bold()
                .fg_color(Some(AnsiColor::BrightRed.into())),
            Severity::High => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            Severity::Medium => Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Low => Style::new().bold().fg_color(Some(AnsiColor::Blue.into())),
            Severity::Info => Style::new().bold(),
        };
        self.paint(style, text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    fn status(&self, status: Status) -> String {
        let (color, label) = match status {
            Status::Fail => (AnsiColor::Red, "FAIL "),
            Status::Error => (AnsiColor::Magenta, "ERROR"),
            Status::Skipped => (AnsiColor::BrightBlack, "SKIP "),
            Status::Pass => (AnsiColor::Green, "PASS "),
        };
        self.paint(Style::new().bold().fg_color(Some(color.into())), label)
    }
}

fn baseline_tag(finding: &Finding) -> &'static str {
    match finding.baseline {
        Some(BaselineState::New) => "  [new]",
        Some(BaselineState::Unchanged) => "  [unchanged]",
        Some(BaselineState::Resolved) => "  [resolved]",
        Some(BaselineState::NotRechecked) => "  [not re-checked]",
        Some(BaselineState::NoLongerAudited) => "  [no longer audited]",
        None => "",
    }
}

/// Longest evidence value shown in the terminal (a certificate chain runs to kilobytes).
const EVIDENCE_VALUE_CHARS: usize = 200;

fn write_finding(out: &mut String, p: &Palette, finding: &Finding, registry: &Registry) {
    let _ = writeln!(
        out,
        "  {} {}  {}{}",
        p.status(finding.status),
        p.bold(&v(finding.check.as_str())),
        v(&finding.target.display),
        baseline_tag(finding)
    );
    let _ = writeln!(out, "        {}", v(&finding.message));
    if !finding.evidence.is_empty() {
        let mut shortened = false;
        let evidence: Vec<String> = finding
            .evidence
            .iter()
            .map(|(key, value)| {
                let value = value.to_string();
                let key = v(key);
                match value.char_indices().nth(EVIDENCE_VALUE_CHARS) {
                    Some((cut, _)) => {
                        shortened = true;
                        format!("{key}={}…", v(&value[..cut]))
                    }
                    None => format!("{key}={}", v(&value)),
                }
            })
            .collect();
        let note = if shortened {
            " (shortened; the JSON and HTML reports have it all)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "        {}",
            p.dim(&format!("evidence: {}{note}", evidence.join("; ")))
        );
    }
    if finding.status == Status::Fail
        && let Some(def) = registry.get(finding.check.as_str())
    {
        let _ = writeln!(
            out,
            "        fix: {}  {}",
            first_sentence(def.fix),
            p.dim(&format!("(launchguard explain {})", def.id))
        );
    }
    if let Some(suppressed) = &finding.suppressed {
        let _ = writeln!(
            out,
            "        {}",
            p.dim(&format!(
                "suppressed until {}: {}",
                v(&suppressed.expires),
                v(&suppressed.reason)
            ))
        );
    }
}

pub fn render(report: &Report, registry: &Registry, color: bool) -> String {
    let p = Palette { on: color };
    let mut out = String::new();
    let elapsed =
        (report.run.finished_at - report.run.started_at).num_milliseconds() as f64 / 1000.0;
    let _ = writeln!(
        out,
        "{} {} · {} · agents: {} · {:.1} s\n",
        p.bold(&v(&report.tool.name)),
        v(&report.tool.version),
        v(&report.run.config_path),
        v(&report.run.agents.join(", ")),
        elapsed
    );
    let open: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    for severity in Severity::ALL_DESC {
        let failing: Vec<&&Finding> = open
            .iter()
            .filter(|f| f.status == Status::Fail && f.severity == severity)
            .collect();
        if failing.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "{}",
            p.severity(
                severity,
                &format!("{} ({})", severity.as_str().to_uppercase(), failing.len())
            )
        );
        for finding in failing {
            write_finding(&mut out, &p, finding, registry);
        }
        out.push('\n');
    }
    let errors: Vec<&&Finding> = open.iter().filter(|f| f.status == Status::Error).collect();
    if !errors.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                Style::new()
                    .bold()
                    .fg_color(Some(AnsiColor::Magenta.into())),
                &format!("COULD NOT VERIFY ({})", errors.len())
            )
        );
        for finding in errors {
            write_finding(&mut out, &p, finding, registry);
        }
        out.push('\n');
    }
    let suppressed = report.suppressed_findings();
    if !suppressed.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.bold(&format!("SUPPRESSED ({})", suppressed.len()))
        );
        for finding in suppressed {
            write_finding(&mut out, &p, finding, registry);
        }
        out.push('\n');
    }
    if !report.not_rechecked.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                Style::new()
                    .bold()
                    .fg_color(Some(AnsiColor::Magenta.into())),
                &format!(
                    "NOT RE-CHECKED SINCE BASELINE ({}): still open, the check could not run on its target this time",
                    report.not_rechecked.len()
                )
            )
        );
        for finding in &report.not_rechecked {
            write_finding(&mut out, &p, finding, registry);
        }
        out.push('\n');
    }
    for (title, gone) in [
        ("RESOLVED SINCE BASELINE", &report.resolved),
        (
            "NO LONGER AUDITED (the target had no finding this time)",
            &report.no_longer_audited,
        ),
    ] {
        if gone.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", p.bold(&format!("{title} ({})", gone.len())));
        for finding in gone {
            let label = if finding.baseline == Some(BaselineState::Resolved) {
                p.status(Status::Pass)
            } else {
                p.dim("GONE ")
            };
            let _ = writeln!(
                out,
                "  {label}  {}  {}  (was {} {})",
                v(finding.check.as_str()),
                v(&finding.target.display),
                finding.status,
                finding.severity
            );
        }
        out.push('\n');
    }
    for note in &report.suppression_notes {
        let what = match note.state {
            SuppressionState::Expired => {
                format!("expired on {} and no longer applies", note.expires)
            }
            SuppressionState::Unused => "matched nothing in this run".to_owned(),
        };
        let _ = writeln!(
            out,
            "warning: suppression at {} ({}) {what}",
            v(&note.location),
            v(&note.matches)
        );
    }
    if !report.suppression_notes.is_empty() {
        out.push('\n');
    }
    out.push_str(&render_summary(report, color));
    out
}

/// The two closing lines: counts and the exit code with its reason.
pub fn render_summary(report: &Report, color: bool) -> String {
    let p = Palette { on: color };
    let mut out = String::new();
    let s = &report.summary;
    let by_severity: Vec<String> = Severity::ALL_DESC
        .iter()
        .filter_map(|sev| s.failing_by_severity.get(sev).map(|n| format!("{n} {sev}")))
        .collect();
    let open_failures: usize = s.failing_by_severity.values().sum();
    let failed = if by_severity.is_empty() {
        "0 failed".to_owned()
    } else {
        format!("{open_failures} failed ({})", by_severity.join(", "))
    };
    let mut parts = vec![
        failed,
        format!("{} could not verify", s.error),
        format!("{} passed", s.pass),
        format!("{} skipped", s.skipped),
    ];
    if s.suppressed > 0 {
        parts.push(format!("{} suppressed", s.suppressed));
    }
    if report.run.baseline.is_some() {
        let mut against = format!(
            "{} new, {} unchanged, {} resolved",
            s.new, s.unchanged, s.resolved
        );
        if s.not_rechecked > 0 {
            against.push_str(&format!(", {} not re-checked", s.not_rechecked));
        }
        if s.no_longer_audited > 0 {
            against.push_str(&format!(", {} no longer audited", s.no_longer_audited));
        }
        parts.push(against);
    }
    let _ = writeln!(out, "{} {}", p.bold("Summary:"), parts.join(" · "));
    let _ = writeln!(
        out,
        "{} exit {}: {}",
        p.bold("Result:"),
        s.exit_code,
        v(&s.verdict)
    );
    out
}

/// `launchguard diff` as text: each group with one line per problem.
pub fn render_diff(diff: &Diff, color: bool) -> String {
    let p = Palette { on: color };
    let mut out = format!(
        "{} {} → {}\n\n",
        p.bold("launchguard diff"),
        v(&diff.old),
        v(&diff.new)
    );
    for (title, note, findings) in diff.groups() {
        let _ = writeln!(out, "{} ({}){note}", p.bold(title), findings.len());
        for f in findings {
            let status = if f.status == Status::Error {
                "could not verify"
            } else {
                f.severity.as_str()
            };
            let _ = writeln!(
                out,
                "  {status}  {}  {}  — {}",
                v(f.check.as_str()),
                v(&f.target.display),
                v(&f.message)
            );
        }
        out.push('\n');
    }
    out
}
