//! The report: one value rendered into every format, written atomically.

pub mod escape;
pub mod html;
pub mod json;
pub mod junit;
pub mod layout;
pub mod markdown;
pub mod notify;
pub mod prometheus;
pub mod sarif;
pub mod terminal;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use launchguard_core::{BaselineState, Finding, Registry, Severity, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// MAJOR.MINOR: a minor bump only adds optional fields or enum values; `diff` and `--baseline`
/// refuse a report of another major version.
pub const SCHEMA_VERSION: &str = "1.2";

/// A launchguard report (`launchguard-report.json`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub schema_version: String,
    pub tool: Tool,
    pub run: RunInfo,
    pub summary: Summary,
    /// Every finding of this run, problems first (fail, error, skipped, pass), then by severity,
    /// check and target.
    pub findings: Vec<Finding>,
    /// Problems of the baseline report that this run checked again and did not find
    /// (`baseline: resolved`): their check ran on their target and passed.
    #[serde(default)]
    pub resolved: Vec<Finding>,
    /// Problems of the baseline report whose check could not run on their target this time
    /// (`error`, `skipped` or no result; `baseline: not_rechecked`). Still open: nobody looked.
    #[serde(default)]
    pub not_rechecked: Vec<Finding>,
    /// Problems of the baseline report whose target had no finding at all this time: removed
    /// from the configuration, or its agent did not run (`baseline: no_longer_audited`).
    #[serde(default)]
    pub no_longer_audited: Vec<Finding>,
    /// Suppressions that did not apply: expired, or matching nothing.
    #[serde(default)]
    pub suppression_notes: Vec<SuppressionNote>,
}

impl Report {
    /// Findings an unexpired suppression covers.
    pub fn suppressed_findings(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RunInfo {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The configuration file, as given on the command line.
    pub config_path: String,
    /// `sha256:` of the configuration file's bytes.
    pub config_digest: String,
    /// The agents that ran.
    pub agents: Vec<String>,
    pub fail_on: FailOn,
    pub fail_on_new: bool,
    pub allow_errors: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<String>,
    /// `I/N` when this run was shard I of N (`--shard`); `launchguard merge` joins the shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// How long each agent ran and when each check concluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
}

/// Durations in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    /// Wall time of each agent, from its start to its last finding.
    pub agents: BTreeMap<String, u64>,
    /// For each check ID: the time from its agent's start until its last finding arrived (agents
    /// run their checks concurrently, so these overlap and do not add up).
    pub checks: BTreeMap<String, u64>,
}

/// The `--fail-on` threshold: a severity, or `none` (failing findings never set the exit code).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    /// The lowest severity that fails the run, if any does.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }

    /// Whether a failing finding of `severity` reaches the threshold.
    pub fn reached_by(self, severity: Severity) -> bool {
        self.threshold().is_some_and(|t| severity >= t)
    }
}

impl From<Severity> for FailOn {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Critical => FailOn::Critical,
            Severity::High => FailOn::High,
            Severity::Medium => FailOn::Medium,
            Severity::Low => FailOn::Low,
            Severity::Info => FailOn::Info,
        }
    }
}

impl std::fmt::Display for FailOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.threshold() {
            Some(severity) => severity.fmt(f),
            None => f.write_str("none"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub skipped: usize,
    /// Failing findings by severity (suppressed ones excluded).
    pub failing_by_severity: BTreeMap<Severity, usize>,
    pub suppressed: usize,
    pub new: usize,
    pub unchanged: usize,
    pub resolved: usize,
    /// Baseline problems whose check could not run this time; counted like errors.
    #[serde(default)]
    pub not_rechecked: usize,
    /// Baseline problems whose target was not audited this time.
    #[serde(default)]
    pub no_longer_audited: usize,
    /// The process exit code this report led to.
    pub exit_code: i32,
    /// Why, in one sentence.
    pub verdict: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionState {
    /// Past its `expires` date: no longer applied.
    Expired,
    /// Matched no finding of this run.
    Unused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SuppressionNote {
    pub state: SuppressionState,
    /// `file:line` of the suppression.
    pub location: String,
    /// What it matches (a fingerprint or check and target pattern).
    pub matches: String,
    pub reason: String,
    pub expires: String,
}

/// How findings turn into an exit code.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub fail_on: FailOn,
    pub fail_on_new: bool,
    pub allow_errors: bool,
}

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_UNVERIFIED: i32 = 2;
pub const EXIT_USAGE: i32 = 64;

/// "5 critical, 10 high" for the failing findings among `findings`, most severe first.
fn count_by_severity<'a>(findings: impl Iterator<Item = &'a Finding>) -> String {
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for finding in findings {
        *counts.entry(finding.severity).or_default() += 1;
    }
    Severity::ALL_DESC
        .iter()
        .filter_map(|s| counts.get(s).map(|n| format!("{n} {s}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fails on failing findings at or above `fail_on` (only new ones with `fail_on_new`), then on
/// what could not be verified unless `allow_errors`: errors, and baseline problems that were not
/// re-checked (an unverified problem is never resolved). Suppressed findings never count.
///
/// The sentence comes first in every format, so it says the outcome in words: "Not ready to
/// launch: 5 critical, 10 high ..." or "No failing checks at or above high".
pub fn verdict(findings: &[Finding], not_rechecked: &[Finding], policy: Policy) -> (i32, String) {
    let counted = |f: &&Finding| f.suppressed.is_none();
    let failing_open: Vec<&Finding> = findings
        .iter()
        .filter(counted)
        .filter(|f| f.status == Status::Fail)
        .collect();
    let is_new = |f: &&&Finding| !policy.fail_on_new || f.baseline == Some(BaselineState::New);
    let failing: Vec<&Finding> = failing_open
        .iter()
        .filter(|f| policy.fail_on.reached_by(f.severity))
        .filter(is_new)
        .copied()
        .collect();
    let below = count_by_severity(
        failing_open
            .iter()
            .filter(|f| !policy.fail_on.reached_by(f.severity) || !is_new(f))
            .copied(),
    );
    let errors = findings
        .iter()
        .filter(counted)
        .filter(|f| f.status == Status::Error)
        .count();
    let not_rechecked = not_rechecked.iter().filter(counted).count();
    let mut unverified = Vec::new();
    if errors > 0 {
        unverified.push(format!("{errors} check(s) could not run"));
    }
    if not_rechecked > 0 {
        unverified.push(format!(
            "{not_rechecked} baseline problem(s) could not be re-checked"
        ));
    }
    let unverified = unverified.join(", ");
    let qualifier = if policy.fail_on_new { "new " } else { "" };
    let threshold = match policy.fail_on.threshold() {
        Some(severity) => format!("at or above {severity}"),
        None => "counted (--fail-on none)".to_owned(),
    };
    let other = if below.is_empty() {
        String::new()
    } else {
        format!("; other failing: {below}")
    };
    if !failing.is_empty() {
        let also = if unverified.is_empty() {
            String::new()
        } else {
            format!("; {unverified}")
        };
        (
            EXIT_FINDINGS,
            format!(
                "Not ready to launch: {} {qualifier}failing ({threshold}){also}{other}",
                count_by_severity(failing.into_iter())
            ),
        )
    } else if !unverified.is_empty() && !policy.allow_errors {
        (
            EXIT_UNVERIFIED,
            format!("Not verified: {unverified}; no {qualifier}failing checks {threshold}{other}"),
        )
    } else if !unverified.is_empty() {
        (
            EXIT_OK,
            format!(
                "No {qualifier}failing checks {threshold}, but {unverified} (allowed by --allow-errors){other}"
            ),
        )
    } else {
        (
            EXIT_OK,
            format!("No {qualifier}failing checks {threshold}{other}"),
        )
    }
}

/// Problems first, then most severe, then by check and target: a stable order for every format.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.status,
            std::cmp::Reverse(a.severity),
            &a.check,
            &a.target.id,
            &a.fingerprint,
        )
            .cmp(&(
                b.status,
                std::cmp::Reverse(b.severity),
                &b.check,
                &b.target.id,
                &b.fingerprint,
            ))
    });
}

/// How many baseline problems a run resolved, could not re-check, and no longer audits.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoneCounts {
    pub resolved: usize,
    pub not_rechecked: usize,
    pub no_longer_audited: usize,
}

pub fn summarize(
    findings: &[Finding],
    gone: GoneCounts,
    (exit_code, verdict): (i32, String),
) -> Summary {
    let mut summary = Summary {
        total: findings.len(),
        resolved: gone.resolved,
        not_rechecked: gone.not_rechecked,
        no_longer_audited: gone.no_longer_audited,
        exit_code,
        verdict,
        ..Summary::default()
    };
    for finding in findings {
        match finding.status {
            Status::Pass => summary.pass += 1,
            Status::Fail => summary.fail += 1,
            Status::Error => summary.error += 1,
            Status::Skipped => summary.skipped += 1,
        }
        if finding.suppressed.is_some() {
            summary.suppressed += 1;
        } else if finding.status == Status::Fail {
            *summary
                .failing_by_severity
                .entry(finding.severity)
                .or_default() += 1;
        }
        match finding.baseline {
            Some(BaselineState::New) => summary.new += 1,
            Some(BaselineState::Unchanged) => summary.unchanged += 1,
            _ => {}
        }
    }
    summary
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so that
/// a reader never sees half a report.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    staged(path, bytes)?.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `bytes` written and synced to a temporary file beside `path`, ready to be renamed over it;
/// dropped unrenamed, it is removed.
fn staged(path: &Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new()
        .prefix(".launchguard-")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    // Reports hold redacted evidence only; make them readable like any other output file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(file)
}

/// Renders one format as everyone sees it by default.
pub fn render(
    format: crate::cli::ReportFormat,
    report: &Report,
    registry: &Registry,
) -> anyhow::Result<String> {
    render_view(format, report, registry, layout::View::default())
}

/// Renders one format; `view` shapes the formats a person reads (terminal, Markdown, HTML).
pub fn render_view(
    format: crate::cli::ReportFormat,
    report: &Report,
    registry: &Registry,
    view: layout::View,
) -> anyhow::Result<String> {
    use crate::cli::ReportFormat as F;
    Ok(match format {
        F::Terminal => terminal::render_view(report, registry, false, view),
        F::Json => json::render(report)?,
        F::Jsonl => json::render_lines(report)?,
        F::Sarif => sarif::render(report, registry)?,
        F::Junit => junit::render(report)?,
        F::Markdown => markdown::render_view(report, registry, view),
        F::Html => html::render_view(report, registry, view)?,
        F::Prometheus => prometheus::render(report),
    })
}

/// Writes the file formats among `formats` into `dir` and returns their paths.
pub fn write_files(
    dir: &Path,
    formats: &[crate::cli::ReportFormat],
    report: &Report,
    registry: &Registry,
    view: layout::View,
) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    // Every file is written in full before any replaces its predecessor: a disk that fills
    // midway leaves last run's reports (a baseline among them) all in place, never a mix.
    let mut staged_files = Vec::new();
    for format in formats {
        let Some(name) = format.file_name() else {
            continue;
        };
        let path = dir.join(name);
        let text = render_view(*format, report, registry, view)?;
        let file = staged(&path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        staged_files.push((path, file));
    }
    let mut written = Vec::new();
    for (path, file) in staged_files {
        file.persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The first sentence of a text, for one-line displays.
pub fn first_sentence(text: &str) -> &str {
    text.match_indices(". ")
        .map(|(end, _)| end)
        .find(|&end| {
            let before = &text[..end];
            !before.ends_with("e.g") && !before.ends_with("i.e") && !before.ends_with("..")
        })
        .map_or(text, |end| &text[..=end])
}

#[cfg(test)]
mod tests {
    use launchguard_core::{CheckDef, Suppressed, Target, TargetKind};

    use super::*;

    static DEF: CheckDef = CheckDef {
        id: "test.check",
        agent: "test",
        title: "t",
        severity: Severity::Medium,
        what: "w",
        why: "y",
        fix: "f",
        references: &[],
    };

    fn finding(status: Status, severity: Severity) -> Finding {
        let f = Finding::pass(&DEF, Target::new("t", TargetKind::Host, "t"), "m")
            .with_severity(severity);
        Finding { status, ..f }
    }

    const POLICY: Policy = Policy {
        fail_on: FailOn::High,
        fail_on_new: false,
        allow_errors: false,
    };

    #[test]
    fn exit_codes_follow_the_policy() {
        let high = finding(Status::Fail, Severity::High);
        let medium = finding(Status::Fail, Severity::Medium);
        let error = finding(Status::Error, Severity::High);
        let pass = finding(Status::Pass, Severity::Critical);
        assert_eq!(
            verdict(&[pass.clone(), medium.clone()], &[], POLICY).0,
            EXIT_OK
        );
        assert_eq!(
            verdict(
                std::slice::from_ref(&medium),
                &[],
                Policy {
                    fail_on: FailOn::Medium,
                    ..POLICY
                }
            )
            .0,
            EXIT_FINDINGS
        );
        assert_eq!(
            verdict(&[high.clone(), error.clone()], &[], POLICY).0,
            EXIT_FINDINGS
        );
        assert_eq!(
            verdict(&[medium.clone(), error.clone()], &[], POLICY).0,
            EXIT_UNVERIFIED
        );
        assert_eq!(
            verdict(
                std::slice::from_ref(&error),
                &[],
                Policy {
                    allow_errors: true,
                    ..POLICY
                }
            )
            .0,
            EXIT_OK
        );
    }

    #[test]
    fn fail_on_new_counts_only_new_findings_and_suppressed_never_count() {
        let mut unchanged = finding(Status::Fail, Severity::Critical);
        unchanged.baseline = Some(BaselineState::Unchanged);
        let policy = Policy {
            fail_on_new: true,
            ..POLICY
        };
        assert_eq!(
            verdict(std::slice::from_ref(&unchanged), &[], policy).0,
            EXIT_OK
        );
        let mut new = unchanged.clone();
        new.baseline = Some(BaselineState::New);
        assert_eq!(
            verdict(std::slice::from_ref(&new), &[], policy).0,
            EXIT_FINDINGS
        );
        new.suppressed = Some(Suppressed {
            reason: "accepted".into(),
            expires: "2099-01-01".into(),
        });
        assert_eq!(verdict(&[new], &[], policy).0, EXIT_OK);
    }

    #[test]
    fn problems_sort_first() {
        let mut findings = vec![
            finding(Status::Pass, Severity::Critical),
            finding(Status::Fail, Severity::Low),
            finding(Status::Error, Severity::Critical),
            finding(Status::Fail, Severity::Critical),
        ];
        sort_findings(&mut findings);
        let order: Vec<_> = findings.iter().map(|f| (f.status, f.severity)).collect();
        assert_eq!(
            order,
            [
                (Status::Fail, Severity::Critical),
                (Status::Fail, Severity::Low),
                (Status::Error, Severity::Critical),
                (Status::Pass, Severity::Critical)
            ]
        );
    }

    #[test]
    fn first_sentence_skips_abbreviations() {
        assert_eq!(
            first_sentence("Return little, e.g. a status. Then more."),
            "Return little, e.g. a status."
        );
        assert_eq!(first_sentence("One sentence"), "One sentence");
        assert_eq!(
            first_sentence("Run ALTER TABLE ... ENABLE it. Or not."),
            "Run ALTER TABLE ... ENABLE it."
        );
    }

    #[test]
    fn atomic_writes_replace_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left behind"
        );
    }
}
