//! A node_exporter textfile-collector file (`--format prometheus`): write it into the collector's
//! directory (`-o /var/lib/node_exporter/textfile/launchguard.prom`; written atomically, as the
//! collector requires) and the weekly audit shows up in Prometheus and Grafana
//! (`docs/grafana-dashboard.json`).

use std::collections::BTreeMap;
use std::fmt::Write;

use launchguard_core::{Severity, Status};

use super::Report;

/// A label value in the exposition format: backslash, double quote and newline escaped.
fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut by_check: BTreeMap<(&str, &str, Severity, Status), usize> = BTreeMap::new();
    for finding in &report.findings {
        *by_check
            .entry((
                finding.check.as_str(),
                finding.agent.as_str(),
                finding.severity,
                finding.status,
            ))
            .or_default() += 1;
    }
    family(
        &mut out,
        "launchguard_findings",
        "Findings of the last run by check, severity and status (suppressed ones included).",
    );
    for ((check, agent, severity, status), count) in &by_check {
        let _ = writeln!(
            out,
            "launchguard_findings{{check=\"{}\",agent=\"{}\",severity=\"{severity}\",status=\"{status}\"}} {count}",
            label(check),
            label(agent)
        );
    }
    family(
        &mut out,
        "launchguard_failing_findings",
        "Failing findings of the last run that no suppression covers, by severity.",
    );
    for severity in Severity::ALL_DESC {
        let count = report
            .summary
            .failing_by_severity
            .get(&severity)
            .copied()
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "launchguard_failing_findings{{severity=\"{severity}\"}} {count}"
        );
    }
    let s = &report.summary;
    for (name, help, value) in [
        (
            "launchguard_errors",
            "Checks of the last run that could not run (status error).",
            s.error,
        ),
        (
            "launchguard_new_findings",
            "Problems of the last run that the baseline did not have.",
            s.new,
        ),
        (
            "launchguard_not_rechecked",
            "Baseline problems the last run could not check again.",
            s.not_rechecked,
        ),
        (
            "launchguard_suppressed_findings",
            "Findings an unexpired suppression covers.",
            s.suppressed,
        ),
    ] {
        family(&mut out, name, help);
        let _ = writeln!(out, "{name} {value}");
    }
    family(
        &mut out,
        "launchguard_exit_code",
        "Exit code of the last run: 0 clean, 1 failing findings, 2 unverified.",
    );
    let _ = writeln!(out, "launchguard_exit_code {}", s.exit_code);
    family(
        &mut out,
        "launchguard_last_run_timestamp_seconds",
        "When the last run finished, in Unix seconds.",
    );
    let _ = writeln!(
        out,
        "launchguard_last_run_timestamp_seconds {}",
        report.run.finished_at.timestamp()
    );
    family(
        &mut out,
        "launchguard_run_duration_seconds",
        "Wall time of the last run.",
    );
    let _ = writeln!(
        out,
        "launchguard_run_duration_seconds {:.3}",
        (report.run.finished_at - report.run.started_at).num_milliseconds() as f64 / 1000.0
    );
    if let Some(timings) = &report.run.timings {
        family(
            &mut out,
            "launchguard_agent_duration_seconds",
            "Wall time of each agent in the last run.",
        );
        for (agent, ms) in &timings.agents {
            let _ = writeln!(
                out,
                "launchguard_agent_duration_seconds{{agent=\"{}\"}} {:.3}",
                label(agent),
                *ms as f64 / 1000.0
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_cannot_break_out() {
        assert_eq!(label("a\"b\\c\nd\re"), "a\\\"b\\\\c\\nd e");
    }
}
