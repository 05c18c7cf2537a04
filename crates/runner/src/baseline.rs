//! Weekly audits: comparing with last week's report, accepted findings, and `launchguard diff`.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use globset::{Glob, GlobMatcher};
use launchguard_core::config::ConfigError;
use launchguard_core::{BaselineState, Finding, Registry, Status, Suppressed, Target};
use serde::Deserialize;
use toml::Spanned;

use crate::report::{Report, SCHEMA_VERSION, SuppressionNote, SuppressionState};

fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

/// The largest report `--baseline` and `diff` read: far above any real report, far below what
/// would exhaust memory.
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a regular file of at most `cap` bytes as UTF-8; a device (`/dev/zero`), FIFO or directory
/// is refused before a byte is read, and a file that grows past the cap while read is refused too.
pub fn read_capped(path: &Path, cap: u64) -> anyhow::Result<String> {
    use std::io::Read;
    let cap_text = format!("{} MiB", cap / (1024 * 1024));
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        bail!("not a regular file (a device, FIFO or directory); give the path of a file");
    }
    if metadata.len() > cap {
        bail!(
            "{} bytes is over the {cap_text} limit for this file",
            metadata.len()
        );
    }
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        bail!("it grew past the {cap_text} limit for this file while being read");
    }
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("not UTF-8 text"))
}

/// Reads a JSON report, refusing one of another major schema version.
pub fn load_report(path: &Path) -> anyhow::Result<Report> {
    let text = read_capped(path, MAX_REPORT_BYTES)
        .with_context(|| format!("cannot read the report {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON report", path.display()))?;
    let version = value
        .get("schema_version")
        .and_then(|v| v.as_str())
        .unwrap_or("unknown");
    if major(version) != major(SCHEMA_VERSION) {
        bail!(
            "{} has report schema version {version}; this launchguard reads {}.x",
            path.display(),
            major(SCHEMA_VERSION)
        );
    }
    serde_json::from_value(value)
        .with_context(|| format!("{} is not a launchguard report", path.display()))
}

/// The baseline's problems that this run did not find again, sorted by what this run can say
/// about each: only a check that ran on the problem's target can call it resolved.
#[derive(Debug, Default)]
pub struct Gone {
    pub resolved: Vec<Finding>,
    pub not_rechecked: Vec<Finding>,
    pub no_longer_audited: Vec<Finding>,
}

/// What this run concluded about one baseline problem it did not find again.
fn judge_gone(problem: &Finding, current: &[Finding], known: &[&Target]) -> BaselineState {
    // The target the problem was found under: its nearest declared or discovered ancestor
    // (`pg:main` for `pg:main/public.invoices`, the log root for a secret), else itself.
    let scope = known
        .iter()
        .filter(|t| t.id != problem.target.id && t.covers(&problem.target))
        .max_by_key(|t| t.id.len())
        .copied()
        .unwrap_or(&problem.target);
    let same_check = |relation: &dyn Fn(&Target) -> bool| -> Vec<Status> {
        current
            .iter()
            .filter(|f| f.check == problem.check && relation(&f.target))
            .map(|f| f.status)
            .collect()
    };
    // The most specific evidence decides: the same target, then an ancestor the check ran on as
    // a whole, then other targets under the same scope.
    let on_same_target = same_check(&|t| t.id == problem.target.id);
    let on_ancestor = || same_check(&|t| t.id != problem.target.id && t.covers(&problem.target));
    let in_scope = || same_check(&|t| scope.covers(t));
    let statuses = [on_same_target, on_ancestor(), in_scope()]
        .into_iter()
        .find(|s| !s.is_empty());
    match statuses {
        Some(statuses)
            if statuses
                .iter()
                .all(|s| matches!(s, Status::Pass | Status::Fail)) =>
        {
            BaselineState::Resolved
        }
        Some(_) => BaselineState::NotRechecked,
        None if current
            .iter()
            .any(|f| scope.covers(&f.target) || f.target.covers(&problem.target)) =>
        {
            // The target was audited, but this check said nothing about it.
            BaselineState::NotRechecked
        }
        None => BaselineState::NoLongerAudited,
    }
}

/// Marks each problem of `findings` new or unchanged against `previous`, and returns the previous
/// problems that are gone. A gone problem is resolved only when its check ran on its target and
/// passed (or found something else); when the check could not run (`error`, `skipped`, no
/// result) it is not re-checked, and when its target has no finding at all, no longer audited.
pub fn apply_baseline(findings: &mut [Finding], previous: &Report) -> Gone {
    // The same problem is the same fingerprint with the same status: a failure that is an error
    // now was not seen again (nobody could look), and an error that is a failure now is a newly
    // verified problem.
    let before: HashSet<(&str, Status)> = previous
        .findings
        .iter()
        .filter(|f| f.is_problem())
        .map(|f| (f.fingerprint.as_str(), f.status))
        .collect();
    let mut now = HashSet::new();
    for finding in findings.iter_mut().filter(|f| f.is_problem()) {
        now.insert((finding.fingerprint.clone(), finding.status));
        finding.baseline = Some(
            if before.contains(&(finding.fingerprint.as_str(), finding.status)) {
                BaselineState::Unchanged
            } else {
                BaselineState::New
            },
        );
    }
    let known: Vec<&Target> = previous
        .findings
        .iter()
        .chain(findings.iter())
        .map(|f| &f.target)
        .collect();
    let mut gone = Gone::default();
    let mut seen = HashSet::new();
    for problem in previous.findings.iter().filter(|f| f.is_problem()) {
        let key = (problem.fingerprint.clone(), problem.status);
        if now.contains(&key) || !seen.insert(key) {
            continue;
        }
        let state = judge_gone(problem, findings, &known);
        let marked = Finding {
            baseline: Some(state),
            suppressed: None,
            ..problem.clone()
        };
        match state {
            BaselineState::Resolved => gone.resolved.push(marked),
            BaselineState::NotRechecked => gone.not_rechecked.push(marked),
            _ => gone.no_longer_audited.push(marked),
        }
    }
    gone
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressionsFile {
    #[serde(default)]
    suppress: Vec<RawSuppression>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DateValue {
    Date(toml::value::Datetime),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    fingerprint: Option<Spanned<String>>,
    check: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    reason: Spanned<String>,
    expires: Spanned<DateValue>,
}

/// One accepted finding (or pattern of findings) until a date.
#[derive(Debug)]
pub struct Suppression {
    location: String,
    fingerprint: Option<String>,
    check: Option<GlobMatcher>,
    target: Option<GlobMatcher>,
    matches: String,
    reason: String,
    expires: NaiveDate,
}

impl Suppression {
    fn applies_to(&self, finding: &Finding) -> bool {
        self.fingerprint
            .as_deref()
            .is_none_or(|fp| fp == finding.fingerprint)
            && self
                .check
                .as_ref()
                .is_none_or(|m| m.is_match(finding.check.as_str()))
            && self.target.as_ref().is_none_or(|m| {
                m.is_match(&finding.target.id) || m.is_match(&finding.target.display)
            })
    }
}

fn glob(
    pattern: &Spanned<String>,
    at: &dyn Fn(&Spanned<String>, String) -> ConfigError,
) -> Result<GlobMatcher, ConfigError> {
    Glob::new(pattern.get_ref())
        .map(|g| g.compile_matcher())
        .map_err(|e| at(pattern, format!("bad pattern: {e}")))
}

/// A suppressions file is written by people: a few kilobytes.
const MAX_SUPPRESSIONS_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a suppressions file; every mistake names its line.
pub fn load_suppressions(
    path: &Path,
    registry: &Registry,
) -> Result<Vec<Suppression>, ConfigError> {
    let text = read_capped(path, MAX_SUPPRESSIONS_BYTES).map_err(|e| {
        ConfigError::whole_file(path, format!("cannot read the suppressions file: {e:#}"))
    })?;
    let shown = path.display().to_string();
    let parsed: SuppressionsFile = toml::from_str(&text)
        .map_err(|e| ConfigError::at(&shown, &text, e.span(), e.message().trim()))?;
    let at = |value: &Spanned<String>, message: String| {
        ConfigError::at(&shown, &text, Some(value.span()), message)
    };
    let mut suppressions = Vec::new();
    for raw in parsed.suppress {
        let line = launchguard_core::config::line_of(&text, raw.reason.span().start);
        let expires_text = match raw.expires.get_ref() {
            DateValue::Date(d) => d.to_string(),
            DateValue::Text(t) => t.clone(),
        };
        let expires = NaiveDate::parse_from_str(&expires_text, "%Y-%m-%d").map_err(|_| {
            ConfigError::at(
                &shown,
                &text,
                Some(raw.expires.span()),
                format!("`{expires_text}` is not a YYYY-MM-DD date"),
            )
        })?;
        if raw.reason.get_ref().trim().is_empty() {
            return Err(at(&raw.reason, "a suppression needs a reason".into()));
        }
        if raw.fingerprint.is_none() && raw.check.is_none() {
            return Err(at(
                &raw.reason,
                "a suppression needs `fingerprint` or `check` (with an optional `target`)".into(),
            ));
        }
        if let Some(check) = &raw.check {
            let is_pattern = check.get_ref().contains(['*', '?', '[']);
            if !is_pattern && registry.get(check.get_ref()).is_none() {
                return Err(at(
                    check,
                    format!(
                        "unknown check `{}` (see `launchguard checks`)",
                        check.get_ref()
                    ),
                ));
            }
        }
        let matches = match (&raw.fingerprint, &raw.check, &raw.target) {
            (Some(fp), _, _) => format!("fingerprint {}", fp.get_ref()),
            (None, Some(check), Some(target)) => {
                format!("{} on {}", check.get_ref(), target.get_ref())
            }
            (None, Some(check), None) => format!("{} on any target", check.get_ref()),
            (None, None, _) => unreachable!("refused above"),
        };
        suppressions.push(Suppression {
            location: format!("{shown}:{line}"),
            fingerprint: raw.fingerprint.as_ref().map(|f| f.get_ref().clone()),
            check: raw.check.as_ref().map(|c| glob(c, &at)).transpose()?,
            target: raw.target.as_ref().map(|t| glob(t, &at)).transpose()?,
            matches,
            reason: raw.reason.into_inner(),
            expires,
        });
    }
    Ok(suppressions)
}

/// Marks the problems that an unexpired suppression covers (this run's, and the baseline problems
/// carried over as not re-checked); returns notes on expired and unused suppressions, which every
/// report shows.
pub fn apply_suppressions<'a>(
    findings: impl IntoIterator<Item = &'a mut Finding>,
    suppressions: &[Suppression],
    today: NaiveDate,
) -> Vec<SuppressionNote> {
    let mut used = vec![false; suppressions.len()];
    for finding in findings.into_iter().filter(|f| f.is_problem()) {
        for (index, suppression) in suppressions.iter().enumerate() {
            if suppression.expires >= today && suppression.applies_to(finding) {
                used[index] = true;
                finding.suppressed.get_or_insert_with(|| Suppressed {
                    reason: suppression.reason.clone(),
                    expires: suppression.expires.to_string(),
                });
            }
        }
    }
    suppressions
        .iter()
        .zip(used)
        .filter_map(|(suppression, used)| {
            let state = if suppression.expires < today {
                SuppressionState::Expired
            } else if !used {
                SuppressionState::Unused
            } else {
                return None;
            };
            Some(SuppressionNote {
                state,
                location: suppression.location.clone(),
                matches: suppression.matches.clone(),
                reason: suppression.reason.clone(),
                expires: suppression.expires.to_string(),
            })
        })
        .collect()
}

/// What changed between two reports.
#[derive(Debug, serde::Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    pub new_problems: Vec<Finding>,
    /// Checked again on the same target and not found.
    pub resolved: Vec<Finding>,
    /// The check could not run on the target in the newer report: still open.
    pub not_rechecked: Vec<Finding>,
    /// The target has no finding at all in the newer report.
    pub no_longer_audited: Vec<Finding>,
    pub unchanged: Vec<Finding>,
}

pub fn diff(old_path: &Path, old: &Report, new_path: &Path, new: &Report) -> Diff {
    let mut current = new.findings.clone();
    let gone = apply_baseline(&mut current, old);
    let by_state = |state| {
        current
            .iter()
            .filter(|f| f.baseline == Some(state))
            .cloned()
            .collect::<Vec<_>>()
    };
    Diff {
        old: old_path.display().to_string(),
        new: new_path.display().to_string(),
        new_problems: by_state(BaselineState::New),
        unchanged: by_state(BaselineState::Unchanged),
        resolved: gone.resolved,
        not_rechecked: gone.not_rechecked,
        no_longer_audited: gone.no_longer_audited,
    }
}

impl Diff {
    /// The groups every diff format shows, in order, each with what it means.
    pub fn groups(&self) -> [(&'static str, &'static str, &[Finding]); 5] {
        [
            ("New", "", &self.new_problems),
            (
                "Not re-checked",
                ": still open, the check could not run on the target in the newer report",
                &self.not_rechecked,
            ),
            (
                "Resolved",
                ": checked again on the same target and not found",
                &self.resolved,
            ),
            (
                "No longer audited",
                ": the target has no finding in the newer report",
                &self.no_longer_audited,
            ),
            ("Unchanged", "", &self.unchanged),
        ]
    }
}
