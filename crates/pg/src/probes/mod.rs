//! Dynamic probes: real queries as each tenant's user and as anon, every one rolled back.
//! Each probe is a file with its check's docs and its judge; [`PROBES`] pairs each check with its
//! judge, and the [`Prober`] offers every judge the cases its variant names.

mod anon_read;
mod anon_write;
mod claim_tamper;
mod conclusion;
mod control_failed;
mod cross_delete;
mod cross_insert;
mod cross_read;
mod cross_read_via_function;
mod cross_update;
mod error;
pub mod guard;
mod prober;
mod row_move;

use launchguard_core::CheckDef;

use crate::catalog::{Column, Function, Relation};
use crate::settings::{Settings, Tenant};
use error::Unverified;
use guard::Identity;

pub(crate) use prober::Prober;

/// Whether a probe only reads or tries to change rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// In a read-only transaction; the statement counts the rows it sees.
    Read,
    /// Only with `[postgres].allow_writes`; the statement reports the rows it touched.
    Write,
}

/// A probe's judge: from one case, what to attempt. The variant says which cases it is offered.
#[derive(Clone, Copy)]
pub(crate) enum Judge {
    /// A positive control, offered each tenant relation and ordered pair of tenants before any
    /// probe: unless its attempt is allowed, no probe of that case can be trusted.
    Control(fn(&PairCase<'_>) -> Control),
    /// Offered each tenant relation and ordered pair of tenants (A's user against B), once the
    /// controls passed.
    TenantOnRelation(fn(&PairCase<'_>) -> Step),
    /// Offered each probed function and ordered pair of tenants.
    TenantOnFunction(fn(&FunctionCase<'_>) -> Step),
    /// Offered each tenant relation, as anon.
    AnonOnRelation(fn(&AnonCase<'_>) -> Step),
}

/// A check and how it is probed.
pub(crate) struct Probe {
    pub check: &'static CheckDef,
    pub access: Access,
    pub judge: Judge,
}

impl Probe {
    /// Whether the probe acts as a tenant's user against another tenant.
    pub fn needs_tenant_pairs(&self) -> bool {
        !matches!(self.judge, Judge::AnonOnRelation(_))
    }
}

const PROBE_COUNT: usize = 10;

/// Every probe, in report order.
pub(crate) static PROBES: [Probe; PROBE_COUNT] = [
    Probe {
        check: &control_failed::CHECK,
        access: Access::Read,
        judge: Judge::Control(control_failed::judge),
    },
    Probe {
        check: &cross_read::CHECK,
        access: Access::Read,
        judge: Judge::TenantOnRelation(cross_read::judge),
    },
    Probe {
        check: &cross_read_via_function::CHECK,
        access: Access::Read,
        judge: Judge::TenantOnFunction(cross_read_via_function::judge),
    },
    Probe {
        check: &cross_insert::CHECK,
        access: Access::Write,
        judge: Judge::TenantOnRelation(cross_insert::judge),
    },
    Probe {
        check: &cross_update::CHECK,
        access: Access::Write,
        judge: Judge::TenantOnRelation(cross_update::judge),
    },
    Probe {
        check: &cross_delete::CHECK,
        access: Access::Write,
        judge: Judge::TenantOnRelation(cross_delete::judge),
    },
    Probe {
        check: &row_move::CHECK,
        access: Access::Write,
        judge: Judge::TenantOnRelation(row_move::judge),
    },
    Probe {
        check: &claim_tamper::CHECK,
        access: Access::Read,
        judge: Judge::TenantOnRelation(claim_tamper::judge),
    },
    Probe {
        check: &anon_read::CHECK,
        access: Access::Read,
        judge: Judge::AnonOnRelation(anon_read::judge),
    },
    Probe {
        check: &anon_write::CHECK,
        access: Access::Write,
        judge: Judge::AnonOnRelation(anon_write::judge),
    },
];

const fn checks_of<const N: usize>(probes: &[Probe; N]) -> [&'static CheckDef; N] {
    let mut checks = [&control_failed::CHECK; N];
    let mut i = 0;
    while i < N {
        checks[i] = probes[i].check;
        i += 1;
    }
    checks
}

static PROBE_CHECKS: [&CheckDef; PROBE_COUNT] = checks_of(&PROBES);

/// The probes' checks, in report order (derived from [`PROBES`]).
pub(crate) static CHECKS: &[&CheckDef] = &PROBE_CHECKS;

/// Who an attempt acts as: a role and its `request.jwt.claims`.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub role: String,
    pub claims: String,
}

impl Actor {
    fn identity(&self) -> Identity<'_> {
        Identity {
            role: &self.role,
            claims: &self.claims,
        }
    }
}

/// A relation a probe concerns: exposed, with the tenant column.
#[derive(Clone, Copy)]
pub(crate) struct TenantRelation<'c> {
    pub relation: &'c Relation,
    pub tenant_column: &'c Column,
}

/// A tenant's sample row, read as the service role.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sample {
    pub key: Option<String>,
    /// The row as JSON, for inserting a copy (kept in memory only, never reported).
    pub row_json: Option<String>,
}

/// One relation probed as tenant A's user against tenant B.
pub(crate) struct PairCase<'c> {
    pub settings: &'c Settings,
    pub probed: TenantRelation<'c>,
    pub a: &'c Tenant,
    pub b: &'c Tenant,
    pub as_a: &'c Actor,
    pub sample_a: Option<Sample>,
    pub sample_b: Option<Sample>,
    /// The key column writes go by: set when writes are allowed, the relation is a table and it
    /// has a single-column primary key.
    pub write_key: Option<&'c str>,
    /// Probes whose attempt in this case was allowed, so far in table order.
    allowed: Vec<&'static str>,
}

impl PairCase<'_> {
    /// Whether `check`'s attempt, judged earlier in this case, was allowed.
    pub fn was_allowed(&self, check: &CheckDef) -> bool {
        self.allowed.contains(&check.id)
    }
}

/// One function called as tenant A's user, looking for tenant B's rows.
pub(crate) struct FunctionCase<'c> {
    pub function: &'c Function,
    pub tenant_column: &'c str,
    pub b: &'c Tenant,
    pub as_a: &'c Actor,
}

/// One relation probed as anon.
pub(crate) struct AnonCase<'c> {
    pub probed: TenantRelation<'c>,
    pub anon: &'c Actor,
    /// Some row, read as the service role, when writes may touch the relation and it has rows.
    pub row_to_write: Option<Result<KeyedRow<'c>, Unverified>>,
}

/// A row named by its single-column primary key.
pub(crate) struct KeyedRow<'c> {
    pub key_column: &'c str,
    pub key: String,
}

/// What a judge decided for one case.
pub(crate) enum Step {
    /// The probe does not apply to this case.
    NotApplicable,
    /// The probe applies but is not tried here, for this reason (listed under `not_attempted`).
    NotAttempted(String),
    /// The probe could not be verified here.
    Unverified(Unverified),
    /// Run this; rows back are the leak.
    Attempt(Attempt),
}

/// One statement to run in its own rolled-back transaction.
pub(crate) struct Attempt {
    pub actor: Actor,
    pub sql: String,
    /// Text parameters, cast in the SQL.
    pub params: Vec<String>,
    /// A sequence the statement advances even when rolled back, to report.
    pub advances: Option<String>,
    /// Something the findings should say about this case even when the attempt is blocked.
    pub note: Option<String>,
}

impl Attempt {
    pub fn new(actor: &Actor, sql: String, params: Vec<String>) -> Self {
        Attempt {
            actor: actor.clone(),
            sql,
            params,
            advances: None,
            note: None,
        }
    }
}

/// A positive control: an attempt that must be allowed, and what it means when it is not.
pub(crate) struct Control {
    pub attempt: Attempt,
    pub otherwise: Unverified,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_follow_the_probe_table() {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        let table: Vec<&str> = PROBES.iter().map(|p| p.check.id).collect();
        assert_eq!(ids, table);
    }

    #[test]
    fn claim_tamper_is_judged_after_the_read_it_depends_on() {
        let position = |check: &CheckDef| PROBES.iter().position(|p| p.check.id == check.id);
        assert!(position(&cross_read::CHECK) < position(&claim_tamper::CHECK));
    }
}
