//! What each fuzz target checks, beyond "no panic, no hang" (libFuzzer's own timeouts and
//! crash detection): every text that reaches a reader holds no raw control character.

use chrono::{TimeZone, Utc};
use launchguard::agents::registry;
use launchguard::audit::assemble;
use launchguard::cli::ReportFormat;
use launchguard::report::escape::is_hostile;
use launchguard::report::{Report, RunInfo, render, terminal};
use launchguard_core::{Finding, Severity};

/// Panics when `text` holds a hostile character other than a line break.
pub fn assert_clean(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| is_hostile(c) && c != '\n') {
        panic!("{what} holds a raw {c:?}");
    }
}

pub fn run_info() -> RunInfo {
    RunInfo {
        started_at: Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap(),
        finished_at: Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 2).unwrap(),
        config_path: "launchguard.toml".into(),
        config_digest: "sha256:0f".into(),
        agents: vec!["health".into()],
        fail_on: Severity::High.into(),
        fail_on_new: false,
        allow_errors: false,
        baseline: None,
        suppressions: None,
        shard: None,
        timings: None,
    }
}

/// Renders every format of `report` and checks each.
pub fn render_all(report: &Report) {
    let registry = registry();
    assert_clean("terminal", &terminal::render(report, &registry, false));
    for format in [
        ReportFormat::Json,
        ReportFormat::Sarif,
        ReportFormat::Junit,
        ReportFormat::Markdown,
        ReportFormat::Html,
    ] {
        let text = render(format, report, &registry).expect("renders");
        assert_clean(&format!("{format:?}"), &text);
    }
}

/// Renders findings as a report of this run would hold them.
pub fn render_findings(findings: Vec<Finding>) {
    render_all(&assemble(findings, None, &[], run_info()));
}

/// Whether a browser lets a page of `origin` read an answer with these headers with the user's
/// cookies: one Access-Control-Allow-Origin that is exactly the origin and one
/// Access-Control-Allow-Credentials that is exactly `true`, both without their surrounding SP and
/// HTAB (the Fetch standard).
pub fn browser_reads_with_credentials(origin: &str, headers: &[(String, String)]) -> bool {
    let only = |name: &str| -> Option<&str> {
        let values: Vec<&str> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim_matches([' ', '\t']))
            .collect();
        match values.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    };
    only("access-control-allow-origin") == Some(origin)
        && only("access-control-allow-credentials") == Some("true")
}
