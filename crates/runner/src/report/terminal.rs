//! The terminal report: failures grouped by severity, then what could not be verified, then a
//! one-line summary. Colour only when asked for (a TTY without NO_COLOR, or --color always).
//!
//! Every string a peer or a file controls goes through [`escape::visible`] here, and the whole
//! text through [`escape::terminal_output`] on its way out.

use std::collections::BTreeSet;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use launchguard_core::{BaselineState, Finding, Registry, Severity, Status};

use super::escape::visible as v;
use super::layout::{EXPLAINED_BY, Layout, View};
use super::{Report, SuppressionState, Timings, first_sentence};
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

/// The evidence as one `key=value; ...` text, long values shortened; `explained_by` is left out
/// because the layout shows it, and a long value already shown for the same target (the same
/// certificate chain under each of its findings) is not repeated.
fn evidence_line(
    finding: &Finding,
    shown: &mut BTreeSet<(String, String, String)>,
) -> Option<String> {
    let mut shortened = false;
    let evidence: Vec<String> = finding
        .evidence
        .iter()
        .filter(|(key, _)| key.as_str() != EXPLAINED_BY)
        .map(|(key, value)| {
            let value = value.to_string();
            let key_shown = v(key);
            let long = value.chars().count() > 60;
            if long && !shown.insert((finding.target.id.clone(), key.clone(), value.clone())) {
                return format!("{key_shown}=(as above)");
            }
            let key = key_shown;
            match value.char_indices().nth(EVIDENCE_VALUE_CHARS) {
                Some((cut, _)) => {
                    shortened = true;
                    format!("{key}={}…", v(&value[..cut]))
                }
                None => format!("{key}={}", v(&value)),
            }
        })
        .collect();
    if evidence.is_empty() {
        return None;
    }
    let note = if shortened {
        " (shortened; the JSON and HTML reports have it all)"
    } else {
        ""
    };
    Some(format!("evidence: {}{note}", evidence.join("; ")))
}

/// Writes each check's fix the first time the check appears, then never again; remembers the
/// long evidence values already shown.
struct Fixes<'r> {
    registry: &'r Registry,
    shown: BTreeSet<String>,
    evidence: BTreeSet<(String, String, String)>,
}

impl Fixes<'_> {
    fn write(&mut self, out: &mut String, p: &Palette, finding: &Finding, indent: &str) {
        if finding.status != Status::Fail || !self.shown.insert(finding.check.to_string()) {
            return;
        }
        if let Some(def) = self.registry.get(finding.check.as_str()) {
            let _ = writeln!(
                out,
                "{indent}fix: {}  {}",
                first_sentence(def.fix),
                p.dim(&format!("(launchguard explain {})", def.id))
            );
        }
    }
}

fn write_finding(out: &mut String, p: &Palette, finding: &Finding, fixes: &mut Fixes) {
    let _ = writeln!(
        out,
        "  {} {}  {}{}",
        p.status(finding.status),
        p.bold(&v(finding.check.as_str())),
        v(&finding.target.display),
        baseline_tag(finding)
    );
    let _ = writeln!(out, "        {}", v(&finding.message));
    if let Some(evidence) = evidence_line(finding, &mut fixes.evidence) {
        let _ = writeln!(out, "        {}", p.dim(&evidence));
    }
    fixes.write(out, p, finding, "        ");
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

/// A finding another explains: one line under its cause.
fn write_explained(out: &mut String, p: &Palette, finding: &Finding) {
    let _ = writeln!(
        out,
        "        {} {} {}  {}{}",
        p.dim("└"),
        p.severity(finding.severity, finding.severity.as_str()),
        p.bold(&v(finding.check.as_str())),
        v(&finding.message),
        baseline_tag(finding)
    );
}

/// One line per finding: `SEVERITY status check target — message [baseline]`.
fn compact_line(out: &mut String, p: &Palette, finding: &Finding) {
    let _ = writeln!(
        out,
        "{} {} {} {} — {}{}",
        p.severity(
            finding.severity,
            &format!("{:<8}", finding.severity.as_str())
        ),
        p.status(finding.status),
        v(finding.check.as_str()),
        v(&finding.target.display),
        v(&finding.message),
        baseline_tag(finding)
    );
}

fn magenta(p: &Palette, text: &str) -> String {
    p.paint(
        Style::new()
            .bold()
            .fg_color(Some(AnsiColor::Magenta.into())),
        text,
    )
}

/// The report as a person reads it: the verdict first, then root causes by severity with what
/// they explain beneath them, each fix once, then what could not be verified (one line per
/// target and reason), then the baseline and suppression sections, then the timings.
pub fn render(report: &Report, registry: &Registry, color: bool) -> String {
    render_view(report, registry, color, View::default())
}

pub fn render_view(report: &Report, registry: &Registry, color: bool, view: View) -> String {
    let p = Palette { on: color };
    let mut out = String::new();
    let elapsed =
        (report.run.finished_at - report.run.started_at).num_milliseconds() as f64 / 1000.0;
    let shard = report
        .run
        .shard
        .as_ref()
        .map(|s| format!(" · shard {}", v(s)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} · {} · agents: {}{shard} · {:.1} s\n",
        p.bold(&v(&report.tool.name)),
        v(&report.tool.version),
        v(&report.run.config_path),
        v(&report.run.agents.join(", ")),
        elapsed
    );
    out.push_str(&render_summary(report, color));
    out.push('\n');
    let layout = Layout::new(report, view);
    if view.compact {
        for cause in &layout.causes {
            compact_line(&mut out, &p, cause.finding);
            for explained in &cause.explains {
                compact_line(&mut out, &p, explained);
            }
        }
        for group in &layout.unverified {
            for finding in group.findings() {
                compact_line(&mut out, &p, finding);
            }
        }
        for finding in report
            .not_rechecked
            .iter()
            .filter(|f| f.suppressed.is_none())
        {
            compact_line(&mut out, &p, finding);
        }
        return out;
    }
    let mut fixes = Fixes {
        registry,
        shown: BTreeSet::new(),
        evidence: BTreeSet::new(),
    };
    for severity in Severity::ALL_DESC {
        let causes: Vec<_> = layout
            .causes
            .iter()
            .filter(|c| c.finding.severity == severity)
            .collect();
        if causes.is_empty() {
            continue;
        }
        let explained: usize = causes.iter().map(|c| c.explains.len()).sum();
        let under = if explained > 0 {
            format!(", and {explained} finding(s) they explain beneath them")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}{}",
            p.severity(
                severity,
                &format!("{} ({})", severity.as_str().to_uppercase(), causes.len())
            ),
            p.dim(&under)
        );
        for cause in causes {
            write_finding(&mut out, &p, cause.finding, &mut fixes);
            if !cause.explains.is_empty() {
                let _ = writeln!(
                    out,
                    "        {}",
                    p.dim(&format!(
                        "explains {} more on this target:",
                        cause.explains.len()
                    ))
                );
                for finding in &cause.explains {
                    write_explained(&mut out, &p, finding);
                }
            }
        }
        out.push('\n');
    }
    if layout.hidden_below > 0 {
        let _ = writeln!(
            out,
            "{}\n",
            p.dim(&format!(
                "{} failing finding(s) below {} not listed (--min-severity); the counts above include them",
                layout.hidden_below, view.min_severity
            ))
        );
    }
    if !layout.unverified.is_empty() {
        let errors: usize = layout.unverified.iter().map(|g| g.count()).sum();
        let _ = writeln!(
            out,
            "{}",
            magenta(
                &p,
                &format!(
                    "COULD NOT VERIFY ({errors} check(s) on {} target(s), one line per target)",
                    layout.unverified.len()
                )
            )
        );
        for group in &layout.unverified {
            let (message, _) = &group.reasons[0];
            let others: String = group.reasons[1..]
                .iter()
                .map(|(message, findings)| {
                    format!(" (and {} more: {})", findings.len(), v(message))
                })
                .collect();
            let new = group
                .findings()
                .filter(|f| f.baseline == Some(BaselineState::New))
                .count();
            let new = match new {
                0 => String::new(),
                n if n == group.count() => "  [new]".to_owned(),
                n => format!("  [{n} new]"),
            };
            let _ = writeln!(
                out,
                "  {} {}  {}  {}{others}{new}",
                p.status(Status::Error),
                v(group.target),
                p.bold(&v(&group.checks_label())),
                v(message)
            );
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
            write_finding(&mut out, &p, finding, &mut fixes);
        }
        out.push('\n');
    }
    if !report.not_rechecked.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            magenta(
                &p,
                &format!(
                    "NOT RE-CHECKED SINCE BASELINE ({}): still open, the check could not run on its target this time",
                    report.not_rechecked.len()
                )
            )
        );
        for finding in &report.not_rechecked {
            write_finding(&mut out, &p, finding, &mut fixes);
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
    if let Some(timings) = &report.run.timings {
        out.push_str(&p.dim(&timings_line(timings)));
        out.push('\n');
    }
    out
}

/// Per-agent durations and the slowest checks, one line.
pub fn timings_line(timings: &Timings) -> String {
    let mut agents: Vec<(&String, &u64)> = timings.agents.iter().collect();
    agents.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut checks: Vec<(&String, &u64)> = timings.checks.iter().collect();
    checks.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let seconds = |ms: &u64| format!("{:.1} s", *ms as f64 / 1000.0);
    format!(
        "time per agent: {}; slowest checks (from their agent's start): {}",
        agents
            .iter()
            .map(|(name, ms)| format!("{} {}", v(name), seconds(ms)))
            .collect::<Vec<_>>()
            .join(", "),
        checks
            .iter()
            .take(3)
            .map(|(id, ms)| format!("{} {}", v(id), seconds(ms)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The verdict in words, then the counts: the first lines of the terminal report, and what is
/// said on stderr when no terminal report is asked for.
pub fn render_summary(report: &Report, color: bool) -> String {
    let p = Palette { on: color };
    let mut out = String::new();
    let s = &report.summary;
    let verdict_style = match s.exit_code {
        0 => Style::new().bold().fg_color(Some(AnsiColor::Green.into())),
        1 => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
        _ => Style::new()
            .bold()
            .fg_color(Some(AnsiColor::Magenta.into())),
    };
    let _ = writeln!(out, "{}", p.paint(verdict_style, &v(&s.verdict)));
    let open_failures: usize = s.failing_by_severity.values().sum();
    let mut parts = vec![
        format!("exit {}", s.exit_code),
        format!("{open_failures} failed"),
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
    let _ = writeln!(out, "{}", parts.join(" · "));
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
