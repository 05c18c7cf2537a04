//! Weekly audits: comparing with last week's report, accepted findings, and `launchguard diff`.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use globset::{Glob, GlobMatcher};
use launchguard_core::config::ConfigError;
use launchguard_core::{BaselineState, Finding, Registry, Suppressed};
use serde::Deserialize;
use toml::Spanned;

use crate::report::{Report, SCHEMA_VERSION, SuppressionNote, SuppressionState};

fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

/// Reads a JSON report, refusing one of another major schema version.
pub fn load_report(path: &Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path)
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

/// Marks each problem of `findings` new or unchanged against `previous`, and returns the previous
/// problems that are gone, marked resolved. Problems of agents that did not run this time are not
/// called resolved: nobody looked.
pub fn apply_baseline(
    findings: &mut [Finding],
    previous: &Report,
    agents_run: &[String],
) -> Vec<Finding> {
    let before: HashSet<&str> = previous
        .findings
        .iter()
        .filter(|f| f.is_problem())
        .map(|f| f.fingerprint.as_str())
        .collect();
    let mut now = HashSet::new();
    for finding in findings.iter_mut().filter(|f| f.is_problem()) {
        now.insert(finding.fingerprint.clone());
        finding.baseline = Some(if before.contains(finding.fingerprint.as_str()) {
            BaselineState::Unchanged
        } else {
            BaselineState::New
        });
    }
    previous
        .findings
        .iter()
        .filter(|f| {
            f.is_problem() && !now.contains(&f.fingerprint) && agents_run.contains(&f.agent)
        })
        .map(|f| Finding {
            baseline: Some(BaselineState::Resolved),
            suppressed: None,
            ..f.clone()
        })
        .collect()
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

/// Reads a suppressions file; every mistake names its line.
pub fn load_suppressions(
    path: &Path,
    registry: &Registry,
) -> Result<Vec<Suppression>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::whole_file(path, format!("cannot read the suppressions file: {e}"))
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

/// Marks the problems that an unexpired suppression covers; returns notes on expired and unused
/// suppressions, which every report shows.
pub fn apply_suppressions(
    findings: &mut [Finding],
    suppressions: &[Suppression],
    today: NaiveDate,
) -> Vec<SuppressionNote> {
    let mut notes = Vec::new();
    for suppression in suppressions {
        let note = |state| SuppressionNote {
            state,
            location: suppression.location.clone(),
            matches: suppression.matches.clone(),
            reason: suppression.reason.clone(),
            expires: suppression.expires.to_string(),
        };
        if suppression.expires < today {
            notes.push(note(SuppressionState::Expired));
            continue;
        }
        let mut used = false;
        for finding in findings
            .iter_mut()
            .filter(|f| f.is_problem() && suppression.applies_to(f))
        {
            used = true;
            finding.suppressed.get_or_insert_with(|| Suppressed {
                reason: suppression.reason.clone(),
                expires: suppression.expires.to_string(),
            });
        }
        if !used {
            notes.push(note(SuppressionState::Unused));
        }
    }
    notes
}

/// What changed between two reports.
#[derive(Debug, serde::Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    pub new_problems: Vec<Finding>,
    pub resolved: Vec<Finding>,
    pub unchanged: Vec<Finding>,
}

pub fn diff(old_path: &Path, old: &Report, new_path: &Path, new: &Report) -> Diff {
    let mut current = new.findings.clone();
    let resolved = apply_baseline(&mut current, old, &new.run.agents);
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
        resolved,
    }
}
