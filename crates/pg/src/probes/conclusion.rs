//! What the attempts came to: outcomes tallied per probe and object, then one set of findings
//! per probe.

use std::collections::BTreeMap;
use std::fmt;

use launchguard_core::{Finding, Target, TargetKind};
use tokio_postgres::error::SqlState;

use super::error::Unverified;
use super::{Access, PROBES, Probe};
use crate::settings::Tenant;
use crate::sql::DbError;

/// What one attempt came to.
#[derive(Debug)]
pub(super) enum Outcome {
    /// The statement went through and touched or returned this many rows.
    Allowed(u64),
    /// RLS or a grant stopped it (silently with 0 rows, or with 42501).
    Blocked,
    /// WITH CHECK passed, a constraint then failed: RLS allowed the write.
    ConstraintAfterRls(DbError),
    /// Could not tell (timeout, connection lost, unexpected error).
    Unknown(Unverified),
}

impl Outcome {
    pub(super) fn of(result: Result<u64, tokio_postgres::Error>) -> Outcome {
        match result {
            Ok(0) => Outcome::Blocked,
            Ok(n) => Outcome::Allowed(n),
            Err(e) => match e.code() {
                Some(code) if *code == SqlState::INSUFFICIENT_PRIVILEGE => Outcome::Blocked,
                Some(code) if code.code().starts_with("23") => {
                    Outcome::ConstraintAfterRls(e.into())
                }
                _ => Outcome::Unknown(Unverified::Database(e.into())),
            },
        }
    }
}

/// An attempt that got through, and as whom.
struct Leak {
    who: String,
    how: LeakKind,
}

enum LeakKind {
    Rows(u64),
    ConstraintAfterRls(DbError),
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.how {
            LeakKind::Rows(rows) => write!(f, "{}: allowed, {rows} row(s)", self.who),
            LeakKind::ConstraintAfterRls(e) => write!(
                f,
                "{}: RLS allowed the row; a constraint then failed ({e})",
                self.who
            ),
        }
    }
}

/// One probe's results across objects and tenant pairs.
#[derive(Default)]
struct Tally {
    /// Per object (`schema.table` or function): the attempts that got through.
    failures: BTreeMap<String, Vec<Leak>>,
    /// Per object: the first reason it could not be verified.
    errors: BTreeMap<String, Unverified>,
    /// Per object: why it was not probed although it concerns the probe (a lint explains it).
    skipped: BTreeMap<String, String>,
    attempts: u64,
    /// `object: reason` for each case the probe applies to but did not try.
    notes: Vec<String>,
    sequences_advanced: Vec<String>,
}

/// Every probe's tally.
#[derive(Default)]
pub(super) struct Tallies(BTreeMap<&'static str, Tally>);

impl Tallies {
    fn of(&mut self, probe: &Probe) -> &mut Tally {
        self.0.entry(probe.check.id).or_default()
    }

    pub(super) fn record(&mut self, probe: &Probe, object: &str, who: &str, outcome: Outcome) {
        let tally = self.of(probe);
        tally.attempts += 1;
        let how = match outcome {
            Outcome::Allowed(rows) => LeakKind::Rows(rows),
            Outcome::ConstraintAfterRls(e) => LeakKind::ConstraintAfterRls(e),
            Outcome::Blocked => return,
            Outcome::Unknown(reason) => {
                tally.errors.entry(object.to_owned()).or_insert(reason);
                return;
            }
        };
        tally
            .failures
            .entry(object.to_owned())
            .or_default()
            .push(Leak {
                who: who.to_owned(),
                how,
            });
    }

    /// An object this probe concerns but does not probe, for a reason a lint gives.
    pub(super) fn skip(&mut self, probe: &Probe, object: &str, reason: &str) {
        self.of(probe)
            .skipped
            .entry(object.to_owned())
            .or_insert_with(|| reason.to_owned());
    }

    /// An attempt that went as it should and proves nothing wrong (a passed control).
    pub(super) fn counted(&mut self, probe: &Probe) {
        self.of(probe).attempts += 1;
    }

    /// A case the probe applies to but did not try; said once however many pairs hit it.
    pub(super) fn note(&mut self, probe: &Probe, object: &str, reason: &str) {
        let note = format!("{object}: {reason}");
        let notes = &mut self.of(probe).notes;
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    pub(super) fn advanced(&mut self, probe: &Probe, sequence: String) {
        let advanced = &mut self.of(probe).sequences_advanced;
        if !advanced.contains(&sequence) {
            advanced.push(sequence);
        }
    }

    /// The findings of every probe, in table order.
    pub(super) fn conclude(
        self,
        allow_writes: bool,
        database: &Target,
        relations: usize,
        tenants: &[Tenant],
        has_pairs: bool,
    ) -> Vec<Finding> {
        let run = Run {
            allow_writes,
            database,
            relations,
            has_pairs,
            tenant_ids: tenants.iter().map(|t| t.id.clone()).collect(),
        };
        let untried = Tally::default();
        PROBES
            .iter()
            .flat_map(|probe| run.conclude(probe, self.0.get(probe.check.id).unwrap_or(&untried)))
            .collect()
    }
}

/// What every probe's conclusion is about.
struct Run<'r> {
    allow_writes: bool,
    database: &'r Target,
    relations: usize,
    /// Whether there were two distinct tenants to probe one against the other.
    has_pairs: bool,
    tenant_ids: Vec<String>,
}

impl Run<'_> {
    fn conclude(&self, probe: &Probe, tally: &Tally) -> Vec<Finding> {
        if let Some(not_run) = self.not_run(probe) {
            return vec![not_run];
        }
        let mut findings = self.failures(probe, tally);
        findings.extend(self.errors(probe, tally));
        findings.extend(self.skipped(probe, tally));
        findings.extend(self.summary(probe, tally));
        if !tally.sequences_advanced.is_empty() {
            for finding in &mut findings {
                finding.evidence.insert(
                    "sequences_advanced".into(),
                    tally.sequences_advanced.clone().into(),
                );
            }
        }
        findings
    }

    /// Why the probe could not run at all in this configuration.
    fn not_run(&self, probe: &Probe) -> Option<Finding> {
        if probe.access == Access::Write && !self.allow_writes {
            return Some(Finding::skipped(
                probe.check,
                self.database.clone(),
                "write probes are off ([postgres].allow_writes = false); the catalog lints still cover write policies",
            ));
        }
        if probe.needs_tenant_pairs() && !self.has_pairs {
            return Some(Finding::error(
                probe.check,
                self.database.clone(),
                format!(
                    "not verified: tenant isolation needs two tenants, found {} ({})",
                    self.tenant_ids.len(),
                    self.tenant_ids.join(", ")
                ),
            ));
        }
        None
    }

    fn target(&self, object: &str) -> Target {
        self.database
            .child(object, TargetKind::Table, format!("db:{object}"))
    }

    /// One failure per object with the attempts that got through.
    fn failures(&self, probe: &Probe, tally: &Tally) -> Vec<Finding> {
        tally
            .failures
            .iter()
            .map(|(object, leaks)| {
                let lines: Vec<String> = leaks.iter().map(ToString::to_string).collect();
                let more = match lines.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                Finding::fail(
                    probe.check,
                    self.target(object),
                    format!("{object}: {}{more}", short_ids(&lines[0])),
                )
                .with_evidence("attempts", lines)
            })
            .collect()
    }

    /// One error per object that could not be verified and did not fail.
    fn errors(&self, probe: &Probe, tally: &Tally) -> Vec<Finding> {
        tally
            .errors
            .iter()
            .filter(|(object, _)| !tally.failures.contains_key(*object))
            .map(|(object, reason)| {
                Finding::error(probe.check, self.target(object), reason.to_string())
            })
            .collect()
    }

    /// One skipped finding per object not probed, unless something on it failed or errored.
    fn skipped(&self, probe: &Probe, tally: &Tally) -> Vec<Finding> {
        tally
            .skipped
            .iter()
            .filter(|(object, _)| {
                !tally.failures.contains_key(*object) && !tally.errors.contains_key(*object)
            })
            .map(|(object, reason)| {
                Finding::skipped(
                    probe.check,
                    self.target(object),
                    format!("not probed: {reason}"),
                )
            })
            .collect()
    }

    /// The finding for the database as a whole: a pass when every attempt was blocked, skipped
    /// when nothing was tried, and the cases not tried when there are any.
    fn summary(&self, probe: &Probe, tally: &Tally) -> Option<Finding> {
        let clean = tally.failures.is_empty() && tally.errors.is_empty();
        if clean && tally.attempts == 0 {
            // Nothing was tried: not applicable, never a pass.
            return Some(
                Finding::skipped(
                    probe.check,
                    self.database.clone(),
                    "nothing to probe for this check in the exposed schemas",
                )
                .with_evidence("not_attempted", tally.notes.clone()),
            );
        }
        if clean {
            let mut pass = Finding::pass(
                probe.check,
                self.database.clone(),
                format!(
                    "{} attempt(s) over {} tenant relation(s), tenants [{}]: all blocked",
                    tally.attempts,
                    self.relations,
                    self.tenant_ids.join(", ")
                ),
            )
            .with_evidence("attempts", tally.attempts)
            .with_evidence("tenants", self.tenant_ids.clone());
            if !tally.notes.is_empty() {
                pass = pass.with_evidence("not_attempted", tally.notes.clone());
            }
            return Some(pass);
        }
        (!tally.notes.is_empty()).then(|| {
            Finding::skipped(
                probe.check,
                self.database.clone(),
                format!("not attempted on {} relation(s)", tally.notes.len()),
            )
            .with_evidence("not_attempted", tally.notes.clone())
        })
    }
}

/// Shortens UUIDs to their first 8 digits for one-line messages (evidence keeps them whole).
fn short_ids(text: &str) -> String {
    static UUID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b([0-9a-fA-F]{8})-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        )
        .expect("valid")
    });
    UUID.replace_all(text, "$1…").into_owned()
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::probes::{Judge, cross_read};

    fn tenants() -> Vec<Tenant> {
        ["A", "B"]
            .map(|id| Tenant {
                id: id.into(),
                user_id: None,
            })
            .to_vec()
    }

    fn database() -> Target {
        Target::new("pg:lab", TargetKind::Host, "postgres $URL")
    }

    fn cross_read() -> &'static Probe {
        PROBES
            .iter()
            .find(|p| p.check.id == cross_read::CHECK.id)
            .unwrap()
    }

    fn findings_of(tallies: Tallies, probe: &Probe) -> Vec<Finding> {
        tallies
            .conclude(true, &database(), 1, &tenants(), true)
            .into_iter()
            .filter(|f| f.check.as_str() == probe.check.id)
            .collect()
    }

    #[test]
    fn nothing_tried_is_skipped_never_a_pass() {
        let findings = Tallies::default().conclude(true, &database(), 0, &tenants(), true);
        assert_eq!(findings.len(), PROBES.len());
        assert!(findings.iter().all(|f| f.status == Status::Skipped));
    }

    #[test]
    fn an_unverified_object_is_an_error_and_the_check_does_not_pass() {
        let mut tallies = Tallies::default();
        let probe = cross_read();
        tallies.record(probe, "public.a", "as A", Outcome::Blocked);
        let reason = Unverified::NoOwnRow { tenant: "A".into() };
        tallies.record(probe, "public.b", "as A", Outcome::Unknown(reason));
        let findings = findings_of(tallies, probe);
        let statuses: Vec<Status> = findings.iter().map(|f| f.status).collect();
        assert_eq!(statuses, [Status::Error]);
        assert_eq!(
            findings[0].message,
            "tenant A has no row here to control with"
        );
    }

    #[test]
    fn an_object_that_leaked_fails_even_where_other_attempts_could_not_run() {
        let mut tallies = Tallies::default();
        let probe = cross_read();
        let reason = Unverified::NoOwnRow { tenant: "A".into() };
        tallies.record(probe, "public.a", "as A", Outcome::Unknown(reason));
        tallies.record(probe, "public.a", "as B", Outcome::Allowed(2));
        tallies.record(probe, "public.a", "as C", Outcome::Allowed(1));
        let findings = findings_of(tallies, probe);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Fail);
        assert_eq!(
            findings[0].message,
            "public.a: as B: allowed, 2 row(s) (and 1 more)"
        );
    }

    #[test]
    fn write_probes_are_skipped_when_writes_are_off_and_tenant_probes_need_two_tenants() {
        let findings = Tallies::default().conclude(false, &database(), 1, &tenants()[..1], false);
        for (probe, finding) in PROBES.iter().zip(&findings) {
            let expected = match (probe.access, probe.judge) {
                (Access::Write, _) => Status::Skipped,
                (Access::Read, Judge::AnonOnRelation(_)) => Status::Skipped,
                (Access::Read, _) => Status::Error,
            };
            assert_eq!(finding.status, expected, "{}", probe.check.id);
        }
    }
}
