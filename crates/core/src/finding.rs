//! What a check concludes about one target.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::check::{CheckDef, CheckId, Severity};
use crate::redact::Redacted;

/// The outcome of one check on one target.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check looked and found the problem.
    Fail,
    /// The check could not verify (timeout, refused, out of scope, budget, deadline). Never a pass.
    Error,
    /// Not configured or not applicable; says why.
    Skipped,
    /// The check looked and found nothing wrong.
    Pass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of thing a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Url,
    Host,
    Table,
    File,
    /// The agent as a whole (used when an agent could not start).
    Agent,
}

/// The thing a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// Stable identity used in fingerprints, e.g. `health:api` (the name given in the config), so
    /// that fingerprints survive a port or address change.
    pub id: String,
    pub kind: TargetKind,
    /// What a person reads: a URL, `host:port`, `db:schema.table` or `file:line`.
    pub display: String,
    /// The line of the configuration file that declared this target, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_line: Option<u32>,
}

impl Target {
    pub fn new(id: impl Into<String>, kind: TargetKind, display: impl Into<String>) -> Self {
        Target {
            id: id.into(),
            kind,
            display: display.into(),
            config_line: None,
        }
    }

    /// A target discovered below this one (`pg:main` → `pg:main/public.invoices`), declared at the
    /// same configuration line.
    pub fn child(&self, name: &str, kind: TargetKind, display: impl Into<String>) -> Target {
        Target {
            id: format!("{}/{name}", self.id),
            kind,
            display: display.into(),
            config_line: self.config_line,
        }
    }

    /// Whether `other` is this target or one discovered below it.
    pub fn covers(&self, other: &Target) -> bool {
        other.id == self.id
            || other
                .id
                .strip_prefix(&self.id)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    pub fn declared_at(mut self, line: u32) -> Self {
        self.config_line = Some(line);
        self
    }
}

/// One piece of evidence. Secrets only ever appear as [`Redacted`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EvidenceValue {
    Redacted(Redacted),
    Bool(bool),
    Integer(i64),
    Number(f64),
    Text(String),
    List(Vec<EvidenceValue>),
}

impl From<&str> for EvidenceValue {
    fn from(v: &str) -> Self {
        EvidenceValue::Text(v.to_owned())
    }
}
impl From<String> for EvidenceValue {
    fn from(v: String) -> Self {
        EvidenceValue::Text(v)
    }
}
impl From<bool> for EvidenceValue {
    fn from(v: bool) -> Self {
        EvidenceValue::Bool(v)
    }
}
impl From<u64> for EvidenceValue {
    fn from(v: u64) -> Self {
        EvidenceValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<i64> for EvidenceValue {
    fn from(v: i64) -> Self {
        EvidenceValue::Integer(v)
    }
}
impl From<u16> for EvidenceValue {
    fn from(v: u16) -> Self {
        EvidenceValue::Integer(v.into())
    }
}
impl From<Redacted> for EvidenceValue {
    fn from(v: Redacted) -> Self {
        EvidenceValue::Redacted(v)
    }
}
impl<T: Into<EvidenceValue>> From<Vec<T>> for EvidenceValue {
    fn from(v: Vec<T>) -> Self {
        EvidenceValue::List(v.into_iter().map(Into::into).collect())
    }
}

impl fmt::Display for EvidenceValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvidenceValue::Redacted(r) => r.fmt(f),
            EvidenceValue::Bool(b) => b.fmt(f),
            EvidenceValue::Integer(i) => i.fmt(f),
            EvidenceValue::Number(n) => n.fmt(f),
            EvidenceValue::Text(t) => f.write_str(t),
            EvidenceValue::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

/// Structured evidence, keyed and ordered by name.
pub type Evidence = BTreeMap<String, EvidenceValue>;

/// Where a problem stands against the baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    /// A problem of this run that the baseline did not have.
    New,
    /// A problem of this run that the baseline had too.
    Unchanged,
    /// A baseline problem whose check ran on its target this time and did not find it.
    Resolved,
    /// A baseline problem whose check could not run on its target this time (`error`, `skipped`
    /// or no result): nobody looked, so it is still open.
    NotRechecked,
    /// A baseline problem whose target had no finding at all this time (removed from the
    /// configuration, or its agent did not run).
    NoLongerAudited,
}

/// A suppression that applies to a finding: it still appears, but no longer sets the exit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Suppressed {
    pub reason: String,
    /// `YYYY-MM-DD`; the suppression stops applying after this day.
    pub expires: String,
}

/// What one check concluded about one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub check: CheckId,
    pub agent: String,
    pub status: Status,
    pub severity: Severity,
    pub target: Target,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evidence: Evidence,
    /// How to fix it; set on failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// `lgf1:` + hash of check ID, target ID and the stable part of the evidence; no times, no
    /// durations, no addresses that rotate. Stable across runs, used by baselines and suppressions.
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
}

impl Finding {
    fn new(def: &CheckDef, target: Target, status: Status, message: impl Into<String>) -> Self {
        let fingerprint = fingerprint(def.id, &target.id, "");
        Finding {
            check: def.check_id(),
            agent: def.agent.to_owned(),
            status,
            severity: def.severity,
            target,
            message: message.into(),
            evidence: Evidence::new(),
            remediation: (status == Status::Fail).then(|| def.fix.to_owned()),
            fingerprint,
            baseline: None,
            suppressed: None,
        }
    }

    pub fn pass(def: &CheckDef, target: Target, message: impl Into<String>) -> Self {
        Finding::new(def, target, Status::Pass, message)
    }

    pub fn fail(def: &CheckDef, target: Target, message: impl Into<String>) -> Self {
        Finding::new(def, target, Status::Fail, message)
    }

    /// The check could not verify; `reason` says why (never a secret).
    pub fn error(def: &CheckDef, target: Target, reason: impl Into<String>) -> Self {
        Finding::new(def, target, Status::Error, reason)
    }

    pub fn skipped(def: &CheckDef, target: Target, reason: impl Into<String>) -> Self {
        Finding::new(def, target, Status::Skipped, reason)
    }

    pub fn with_evidence(mut self, key: &str, value: impl Into<EvidenceValue>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Adds the stable part of the evidence (a certificate's key hash, a secret's fingerprint) to
    /// the fingerprint, for checks that can find several distinct problems on one target.
    pub fn with_stable_key(mut self, key: &str) -> Self {
        self.fingerprint = fingerprint(self.check.as_str(), &self.target.id, key);
        self
    }

    /// A failing or unverifiable finding: what baselines compare and exit codes count.
    pub fn is_problem(&self) -> bool {
        matches!(self.status, Status::Fail | Status::Error)
    }
}

fn fingerprint(check: &str, target_id: &str, stable_key: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [check, target_id, stable_key] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("lgf1:{}", hex::encode(&hasher.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    static DEF: CheckDef = CheckDef {
        id: "health.status",
        agent: "health",
        title: "t",
        severity: Severity::High,
        what: "w",
        why: "y",
        fix: "do this",
        references: &[],
    };

    fn target(display: &str) -> Target {
        Target::new("health:api", TargetKind::Url, display)
    }

    #[test]
    fn fingerprint_ignores_display_message_and_evidence_but_not_stable_key() {
        let a = Finding::fail(&DEF, target("http://127.0.0.1:1/health"), "503")
            .with_evidence("ms", 12u64);
        let b = Finding::pass(&DEF, target("http://127.0.0.1:2/health"), "200")
            .with_evidence("ms", 99u64);
        assert_eq!(a.fingerprint, b.fingerprint);
        assert!(a.fingerprint.starts_with("lgf1:"));
        assert_ne!(a.fingerprint, a.clone().with_stable_key("k").fingerprint);
    }

    #[test]
    fn child_targets_are_covered_by_their_parent_only() {
        let db = Target::new("pg:main", TargetKind::Host, "db").declared_at(7);
        let table = db.child("public.invoices", TargetKind::Table, "db:public.invoices");
        assert_eq!(table.id, "pg:main/public.invoices");
        assert_eq!(table.config_line, Some(7));
        assert!(db.covers(&table) && db.covers(&db));
        assert!(!db.covers(&Target::new("pg:mainframe/x", TargetKind::Table, "x")));
        assert!(!table.covers(&db));
    }

    #[test]
    fn only_failures_carry_remediation() {
        assert_eq!(
            Finding::fail(&DEF, target("u"), "m").remediation.as_deref(),
            Some("do this")
        );
        assert_eq!(Finding::pass(&DEF, target("u"), "m").remediation, None);
        assert!(Finding::error(&DEF, target("u"), "m").is_problem());
        assert!(!Finding::skipped(&DEF, target("u"), "m").is_problem());
    }

    #[test]
    fn evidence_round_trips_through_json() {
        let finding = Finding::fail(&DEF, target("u"), "m")
            .with_evidence("secret", Redacted::new("postgres-password-123"))
            .with_evidence("categories", vec!["version", "internal_ip"])
            .with_evidence("status", 503u16);
        let json = serde_json::to_string(&finding).unwrap();
        assert!(!json.contains("postgres-password-123"));
        let back: Finding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, finding);
    }
}
