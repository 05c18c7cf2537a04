//! Check identity, severity and the single registry of documented checks.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad a failing check is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL_DESC: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The CVSS-like score GitHub code scanning reads from SARIF `security-severity`.
    pub fn security_score(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "0.1",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL_DESC
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected critical, high, medium, low or info)")
            })
    }
}

/// A stable, dotted, lowercase check ID such as `health.unreachable` or `tls.cert.expired`.
/// IDs are never reused for another meaning.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct CheckId(String);

impl CheckId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// At least two dot-separated segments; each starts with a lowercase letter and continues with
    /// lowercase letters, digits or `_`.
    pub fn is_well_formed(id: &str) -> bool {
        let segments: Vec<&str> = id.split('.').collect();
        segments.len() >= 2
            && segments.iter().all(|seg| {
                let mut chars = seg.chars();
                chars.next().is_some_and(|c| c.is_ascii_lowercase())
                    && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
    }
}

impl TryFrom<String> for CheckId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if CheckId::is_well_formed(&value) {
            Ok(CheckId(value))
        } else {
            Err(format!("malformed check ID `{value}`"))
        }
    }
}

impl From<CheckId> for String {
    fn from(id: CheckId) -> String {
        id.0
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A documented check. Every check lives in its own file beside its logic and tests and is listed
/// once in its agent's `CHECKS` slice; the runner joins those slices into the [`Registry`].
#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckDef {
    pub id: &'static str,
    /// The agent that runs the check (`--only` / `--skip` select agents by this name).
    pub agent: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// What the check looks at and when it fails.
    pub what: &'static str,
    /// Why a failure matters.
    pub why: &'static str,
    /// How to fix a failure.
    pub fix: &'static str,
    pub references: &'static [&'static str],
}

impl CheckDef {
    pub fn check_id(&self) -> CheckId {
        CheckId(self.id.to_owned())
    }
}

/// Why a set of checks cannot form a registry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("check ID `{0}` is used by two checks")]
    Duplicate(String),
    #[error("check ID `{0}` is malformed (dotted lowercase segments, e.g. `tls.cert.expired`)")]
    Malformed(String),
    #[error("check `{id}` has no {field}")]
    MissingDocs { id: String, field: &'static str },
    #[error("check `{id}` says it belongs to agent `{declared}` but agent `{registered}` lists it")]
    WrongAgent {
        id: String,
        declared: String,
        registered: String,
    },
}

/// Every check launchguard knows, by ID.
#[derive(Debug)]
pub struct Registry {
    checks: BTreeMap<&'static str, &'static CheckDef>,
}

impl Registry {
    /// Joins the agents' check lists, refusing duplicates, malformed IDs and checks without docs.
    pub fn new(groups: &[&'static [&'static CheckDef]]) -> Result<Self, RegistryError> {
        let mut checks = BTreeMap::new();
        for def in groups.iter().flat_map(|group| group.iter().copied()) {
            if !CheckId::is_well_formed(def.id) {
                return Err(RegistryError::Malformed(def.id.to_owned()));
            }
            for (field, text) in [
                ("agent", def.agent),
                ("title", def.title),
                ("`what` text", def.what),
                ("`why` text", def.why),
                ("`fix` text", def.fix),
            ] {
                if text.trim().is_empty() {
                    return Err(RegistryError::MissingDocs {
                        id: def.id.to_owned(),
                        field,
                    });
                }
            }
            if checks.insert(def.id, def).is_some() {
                return Err(RegistryError::Duplicate(def.id.to_owned()));
            }
        }
        Ok(Registry { checks })
    }

    /// The registry of every check of `kinds`, each check belonging to the agent that lists it.
    pub fn of_agents(kinds: &[&dyn crate::agent::AgentKind]) -> Result<Self, RegistryError> {
        for kind in kinds {
            if let Some(def) = kind.checks().iter().find(|d| d.agent != kind.name()) {
                return Err(RegistryError::WrongAgent {
                    id: def.id.to_owned(),
                    declared: def.agent.to_owned(),
                    registered: kind.name().to_owned(),
                });
            }
        }
        let groups: Vec<_> = kinds.iter().map(|k| k.checks()).collect();
        Registry::new(&groups)
    }

    pub fn get(&self, id: &str) -> Option<&'static CheckDef> {
        self.checks.get(id).copied()
    }

    /// Every check, sorted by ID.
    pub fn iter(&self) -> impl Iterator<Item = &'static CheckDef> + '_ {
        self.checks.values().copied()
    }

    pub fn len(&self) -> usize {
        self.checks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn def(id: &'static str, fix: &'static str) -> CheckDef {
        CheckDef {
            id,
            agent: "test",
            title: "A title",
            severity: Severity::High,
            what: "what",
            why: "why",
            fix,
            references: &[],
        }
    }

    const GOOD_A: CheckDef = def("test.alpha", "fix it");
    const GOOD_B: CheckDef = def("test.beta_2", "fix it");
    const DUPLICATE: CheckDef = def("test.alpha", "fix it");
    const MALFORMED: CheckDef = def("Test.Alpha", "fix it");
    const ONE_SEGMENT: CheckDef = def("alpha", "fix it");
    const NO_FIX: CheckDef = def("test.gamma", "  ");

    #[test]
    fn registry_accepts_distinct_documented_checks() {
        let registry = Registry::new(&[&[&GOOD_A], &[&GOOD_B]]).unwrap();
        assert_eq!(registry.len(), 2);
        assert_eq!(registry.get("test.beta_2").unwrap().id, "test.beta_2");
    }

    #[test]
    fn registry_rejects_duplicate_ids() {
        let err = Registry::new(&[&[&GOOD_A], &[&DUPLICATE]]).unwrap_err();
        assert_eq!(err, RegistryError::Duplicate("test.alpha".into()));
    }

    #[test]
    fn registry_rejects_malformed_ids() {
        assert_eq!(
            Registry::new(&[&[&MALFORMED]]).unwrap_err(),
            RegistryError::Malformed("Test.Alpha".into())
        );
        assert_eq!(
            Registry::new(&[&[&ONE_SEGMENT]]).unwrap_err(),
            RegistryError::Malformed("alpha".into())
        );
    }

    #[test]
    fn registry_rejects_checks_without_docs() {
        assert!(matches!(
            Registry::new(&[&[&NO_FIX]]).unwrap_err(),
            RegistryError::MissingDocs {
                field: "`fix` text",
                ..
            }
        ));
    }

    #[test]
    fn check_ids_parse_only_when_well_formed() {
        assert!(CheckId::try_from("tls.cert.expired".to_owned()).is_ok());
        for bad in [
            "",
            "tls",
            "tls..expired",
            "tls.Cert",
            "tls.cert-expired",
            "1tls.cert",
        ] {
            assert!(
                CheckId::try_from(bad.to_owned()).is_err(),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().is_err());
    }
}
