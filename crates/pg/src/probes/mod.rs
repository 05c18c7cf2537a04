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

use crate::catalog::{Catalog, Column, Function, Relation};
use crate::settings::{Settings, Tenant};
use crate::sql::{ident, qualified};
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

/// A tenant's sample row, read as the service role: proof that the tenant has rows here.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sample {
    /// The row as JSON, for inserting a copy (kept in memory only, never reported).
    pub row_json: String,
}

/// One relation probed as tenant A's user against tenant B.
pub(crate) struct PairCase<'c> {
    pub settings: &'c Settings,
    pub catalog: &'c Catalog,
    pub probed: TenantRelation<'c>,
    pub a: &'c Tenant,
    pub b: &'c Tenant,
    pub as_a: &'c Actor,
    /// Each backend role the audit role can become, with A's claims.
    pub backends: &'c [(String, Actor)],
    pub sample_a: Option<Sample>,
    pub sample_b: Option<Sample>,
    /// Whether write probes may touch this relation: writes are allowed and it is a table.
    pub writes: bool,
    /// Probes whose own attempt in this case was allowed, so far in table order.
    allowed: Vec<&'static str>,
}

impl PairCase<'_> {
    /// Whether `check`'s own attempt, judged earlier in this case, was allowed.
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
    /// Whether write probes may touch this relation and it has a row to act on.
    pub writable_row: Result<bool, Unverified>,
}

/// The one row a write acts on, found as the service role inside the attempt's own transaction
/// and locked there (`FOR UPDATE`), so that its `ctid` stays the row's until the rollback. Its
/// `tableoid` and `ctid` are the statement's first two parameters (see [`ROW`]).
pub(crate) struct RowToFind {
    pub sql: String,
    pub params: Vec<String>,
}

/// The filter of a write that acts on the row found by [`RowToFind`]: `tableoid` as well as
/// `ctid`, because each partition numbers its rows on its own.
pub(crate) const ROW: &str = "tableoid = $1::text::oid and ctid = $2::text::tid";

impl RowToFind {
    /// A row of `tenant`.
    pub fn of_tenant(probed: TenantRelation<'_>, tenant: &str) -> Self {
        RowToFind {
            sql: format!(
                "select tableoid::oid::text as table_oid, ctid::text as ctid from {} t where t.{} = $1::text::{} \
                 limit 1 for update",
                qualified(&probed.relation.schema, &probed.relation.name),
                ident(&probed.tenant_column.name),
                probed.tenant_column.type_name
            ),
            params: vec![tenant.to_owned()],
        }
    }

    /// Any row.
    pub fn any(relation: &Relation) -> Self {
        RowToFind {
            sql: format!(
                "select tableoid::oid::text as table_oid, ctid::text as ctid from {} limit 1 for update",
                qualified(&relation.schema, &relation.name)
            ),
            params: Vec::new(),
        }
    }
}

/// What a judge decided for one case.
pub(crate) enum Step {
    /// The probe does not apply to this case.
    NotApplicable,
    /// The probe applies but is not tried here, for this reason (listed under `not_attempted`).
    NotAttempted(String),
    /// The probe could not be verified here.
    Unverified(Unverified),
    /// Run these, each in its own rolled-back transaction; rows back are the leak. The first is
    /// the case's own attempt: whether it was allowed is what later judges of the case see.
    Attempts(Vec<Attempt>),
}

impl Step {
    pub fn attempt(attempt: Attempt) -> Step {
        Step::Attempts(vec![attempt])
    }
}

/// One statement to run in its own rolled-back transaction.
pub(crate) struct Attempt {
    pub actor: Actor,
    pub sql: String,
    /// Text parameters, cast in the SQL; after the row's two when there is a [`RowToFind`].
    pub params: Vec<String>,
    /// The row the statement acts on, found first inside the transaction.
    pub row: Option<RowToFind>,
    /// Who acted, when not the case's own actor (a backend role).
    pub who: Option<String>,
    /// How this attempt differs from the case's others ("UPDATE without a filter").
    pub variant: Option<String>,
    /// Sequences the statement advances even when rolled back, to report.
    pub advances: Vec<String>,
    /// Something the findings should say about this case even when the attempt is blocked.
    pub note: Option<String>,
}

impl Attempt {
    pub fn new(actor: &Actor, sql: String, params: Vec<String>) -> Self {
        Attempt {
            actor: actor.clone(),
            sql,
            params,
            row: None,
            who: None,
            variant: None,
            advances: Vec::new(),
            note: None,
        }
    }

    /// The same attempt, on the row `row` finds.
    pub fn on_row(mut self, row: RowToFind) -> Self {
        self.row = Some(row);
        self
    }

    pub fn variant(mut self, variant: impl Into<String>) -> Self {
        self.variant = Some(variant.into());
        self
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
