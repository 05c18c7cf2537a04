//! The JSON report and its JSON Schema (`docs/report.schema.json`).

use super::Report;
use super::escape::json_ascii_controls;
use crate::baseline::Diff;

/// Control and bidi characters in strings are written as `\uXXXX` escapes: the same data, and
/// nothing raw for a terminal that shows the file.
pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut text = json_ascii_controls(serde_json::to_string_pretty(report)?);
    text.push('\n');
    Ok(text)
}

/// JSON Lines: one finding per line, this run's findings first, then the baseline problems it
/// did not find again (each with its `baseline` state). Every line has the finding schema.
pub fn render_lines(report: &Report) -> anyhow::Result<String> {
    let mut text = String::new();
    for finding in report
        .findings
        .iter()
        .chain(&report.not_rechecked)
        .chain(&report.resolved)
        .chain(&report.no_longer_audited)
    {
        text.push_str(&json_ascii_controls(serde_json::to_string(finding)?));
        text.push('\n');
    }
    Ok(text)
}

/// `launchguard diff --format json`.
pub fn render_diff(diff: &Diff) -> anyhow::Result<String> {
    let mut text = json_ascii_controls(serde_json::to_string_pretty(diff)?);
    text.push('\n');
    Ok(text)
}

/// The JSON Schema of [`Report`], generated from the types.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}
