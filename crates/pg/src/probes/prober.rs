//! Drives the probes: finds the cases, offers each to the judges that concern it, runs what they
//! decide, and tallies the outcomes for the conclusion.

use launchguard_core::{Finding, Target};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use super::conclusion::{Outcome, Tallies};
use super::error::Unverified;
use super::guard::{Identity, RollbackOnly};
use super::{
    Access, Actor, AnonCase, Attempt, FunctionCase, Judge, PROBES, PairCase, Probe, Sample, Step,
    TenantRelation, cross_read,
};
use crate::catalog::{Catalog, Function, Relation, Volatility};
use crate::settings::{Settings, Tenant};
use crate::sql::{DbError, ident, qualified};

pub(crate) struct Prober<'a> {
    client: &'a mut Client,
    settings: &'a Settings,
    catalog: &'a Catalog,
    tallies: Tallies,
    /// The backend roles the audit role can become (the others are noted, not read as).
    backends: Vec<String>,
}

/// Why a case's positive control did not pass.
enum ControlFailure {
    /// A lint explains why no row is visible: the case's probes are skipped with this reason.
    Explained(String),
    /// Nothing explains it: the case's probes are unverified.
    Unexplained(Unverified),
}

impl<'a> Prober<'a> {
    pub fn new(client: &'a mut Client, settings: &'a Settings, catalog: &'a Catalog) -> Self {
        Prober {
            client,
            settings,
            catalog,
            tallies: Tallies::default(),
            backends: Vec::new(),
        }
    }

    /// Finds tenants when none are configured: distinct values of the tenant column, capped.
    pub async fn discover_tenants(&mut self) -> Result<Vec<Tenant>, DbError> {
        if !self.settings.tenants.is_empty() {
            return Ok(self.settings.tenants.clone());
        }
        let max = self.settings.max_tenants;
        let mut found: Vec<String> = Vec::new();
        let tables: Vec<TenantRelation<'a>> = self
            .probed_relations()
            .into_iter()
            .filter(|p| p.relation.kind.is_table())
            .collect();
        for probed in tables {
            if found.len() >= max {
                break;
            }
            let sql = format!(
                "select distinct {}::text as tenant from {} limit {max}",
                ident(&probed.tenant_column.name),
                qualified(&probed.relation.schema, &probed.relation.name),
            );
            for row in self.read_as_service(&sql, &[]).await? {
                let id: Option<String> = row.try_get("tenant")?;
                if let Some(id) = id.filter(|id| !found.contains(id)) {
                    found.push(id);
                }
            }
        }
        found.truncate(max);
        Ok(found
            .into_iter()
            .map(|id| Tenant { id, user_id: None })
            .collect())
    }

    /// Runs every probe and returns the findings.
    pub async fn run(mut self, tenants: &[Tenant], database: &Target) -> Vec<Finding> {
        self.find_backends().await;
        let relations = self.probed_relations();
        let anon = self.anon();
        for probed in &relations {
            self.probe_as_anon(*probed, &anon).await;
        }
        let pairs = ordered_pairs(tenants);
        for probed in &relations {
            for (a, b) in &pairs {
                self.probe_pair(*probed, a, b).await;
            }
        }
        for function in self.probed_functions() {
            for (a, b) in &pairs {
                self.probe_function(function, a, b).await;
            }
        }
        self.tallies.conclude(
            self.settings.allow_writes,
            database,
            relations.len(),
            tenants,
            !pairs.is_empty(),
        )
    }

    /// Which backend roles the audit role can become, to read as them; notes the others.
    async fn find_backends(&mut self) {
        let wanted = self.settings.backend_roles.clone();
        if wanted.is_empty() {
            return;
        }
        let sql = "select r.rolname::text as role from pg_roles r \
                   where r.rolname = any($1) and pg_has_role(session_user, r.oid, 'MEMBER')";
        let reachable: Vec<String> = match self.read_as_service(sql, &[&wanted]).await {
            Ok(rows) => rows.iter().filter_map(|r| r.try_get("role").ok()).collect(),
            Err(e) => {
                let probe = probe_of(&cross_read::CHECK);
                for role in &wanted {
                    self.tallies.note(
                        probe,
                        &format!("backend role {role}"),
                        &format!(
                            "not read as: finding whether the audit role can become it failed: {e}"
                        ),
                    );
                }
                return;
            }
        };
        let probe = probe_of(&cross_read::CHECK);
        for role in wanted.iter().filter(|r| !reachable.contains(r)) {
            self.tallies.note(
                probe,
                &format!("backend role {role}"),
                &format!(
                    "not read as: the audit role cannot SET ROLE to it (GRANT {role} TO the audit role)"
                ),
            );
        }
        self.backends = reachable;
    }

    /// Exposed relations that carry the tenant column.
    fn probed_relations(&self) -> Vec<TenantRelation<'a>> {
        let catalog: &'a Catalog = self.catalog;
        let tenant_column = &self.settings.tenant_column;
        catalog
            .relations
            .iter()
            .filter_map(|relation| {
                relation.column(tenant_column).map(|column| TenantRelation {
                    relation,
                    tenant_column: column,
                })
            })
            .collect()
    }

    /// Exposed functions the API may call that return tenant rows and are safe to call (never
    /// VOLATILE).
    fn probed_functions(&self) -> Vec<&'a Function> {
        let catalog: &'a Catalog = self.catalog;
        catalog
            .functions
            .iter()
            .filter(|f| {
                catalog.is_exposed_schema(&f.schema)
                    && f.api_can_execute
                    && !f.extension_member
                    && f.returns_set
                    && f.returns_tenant_rows
                    && matches!(f.volatility, Volatility::Stable | Volatility::Immutable)
            })
            .collect()
    }

    fn anon(&self) -> Actor {
        Actor {
            role: self.settings.anon_role.clone(),
            claims: format!(
                "{{\"role\":\"{}\"}}",
                self.settings.anon_role.replace('"', "")
            ),
        }
    }

    fn tenant_user(&self, tenant: &Tenant) -> Result<Actor, Unverified> {
        let claims = self
            .settings
            .claims(tenant, None)
            .map_err(Unverified::Claims)?;
        Ok(Actor {
            role: self.settings.authenticated_role.clone(),
            claims,
        })
    }

    /// Whether write probes may touch this relation at all.
    fn writes(&self, relation: &Relation) -> bool {
        self.settings.allow_writes && relation.kind.is_table()
    }

    async fn probe_as_anon(&mut self, probed: TenantRelation<'a>, anon: &Actor) {
        let writable_row = if self.writes(probed.relation) {
            self.has_rows(probed.relation).await
        } else {
            Ok(false)
        };
        let case = AnonCase {
            probed,
            anon,
            writable_row,
        };
        let object = probed.relation.qualified_name();
        for probe in &PROBES {
            if let Judge::AnonOnRelation(judge) = probe.judge {
                self.take_step(probe, &object, "anon", judge(&case)).await;
            }
        }
    }

    /// Whether the relation has a row, read as the service role.
    async fn has_rows(&mut self, relation: &Relation) -> Result<bool, Unverified> {
        let sql = format!(
            "select exists (select 1 from {}) as has_rows",
            qualified(&relation.schema, &relation.name)
        );
        let rows = self
            .read_as_service(&sql, &[])
            .await
            .map_err(Unverified::Database)?;
        rows.first()
            .map_or(Ok(false), |row| row.try_get("has_rows"))
            .map_err(|e| Unverified::Database(e.into()))
    }

    /// One relation as tenant A's user against tenant B: sample rows, controls, then every
    /// probe in table order.
    async fn probe_pair(&mut self, probed: TenantRelation<'a>, a: &Tenant, b: &Tenant) {
        let who = format!("as tenant {}'s user against tenant {}", a.id, b.id);
        let object = probed.relation.qualified_name();
        let as_a = match self.tenant_user(a) {
            Ok(actor) => actor,
            Err(reason) => {
                // Without A's claims, nothing on this relation can be verified.
                self.unverified(&object, &who, &reason, |_| true);
                return;
            }
        };
        let (sample_a, sample_b) = match self.samples(probed, a, b).await {
            Ok(samples) => samples,
            Err(reason) => {
                self.unverified(&object, &who, &reason, |judge| {
                    matches!(judge, Judge::Control(_) | Judge::TenantOnRelation(_))
                });
                return;
            }
        };
        let backends: Vec<(String, Actor)> = self
            .backends
            .iter()
            .map(|role| {
                let actor = Actor {
                    role: role.clone(),
                    claims: as_a.claims.clone(),
                };
                (role.clone(), actor)
            })
            .collect();
        let mut case = PairCase {
            settings: self.settings,
            catalog: self.catalog,
            probed,
            a,
            b,
            as_a: &as_a,
            backends: &backends,
            sample_a,
            sample_b,
            writes: self.writes(probed.relation),
            allowed: Vec::new(),
        };
        match self.controls(&case, &object, &who).await {
            Ok(()) => {}
            Err(ControlFailure::Explained(reason)) => {
                for probe in PROBES
                    .iter()
                    .filter(|p| matches!(p.judge, Judge::Control(_) | Judge::TenantOnRelation(_)))
                {
                    self.tallies.skip(probe, &object, &reason);
                }
                return;
            }
            Err(ControlFailure::Unexplained(reason)) => {
                self.unverified(&object, &who, &reason, |judge| {
                    matches!(judge, Judge::TenantOnRelation(_))
                });
                return;
            }
        }
        for probe in &PROBES {
            if let Judge::TenantOnRelation(judge) = probe.judge
                && self.take_step(probe, &object, &who, judge(&case)).await
            {
                case.allowed.push(probe.check.id);
            }
        }
    }

    /// Both tenants' sample rows, read as the service role.
    async fn samples(
        &mut self,
        probed: TenantRelation<'a>,
        a: &Tenant,
        b: &Tenant,
    ) -> Result<(Option<Sample>, Option<Sample>), Unverified> {
        let sample_a = self.sample(probed, &a.id).await;
        let sample_b = self.sample(probed, &b.id).await;
        match (sample_a, sample_b) {
            (Ok(sample_a), Ok(sample_b)) => Ok((sample_a, sample_b)),
            (Err(error), _) | (_, Err(error)) => Err(Unverified::Samples {
                role: self.settings.service_role.clone(),
                error,
            }),
        }
    }

    /// A tenant's sample row, as JSON.
    async fn sample(
        &mut self,
        probed: TenantRelation<'a>,
        tenant: &str,
    ) -> Result<Option<Sample>, DbError> {
        let relation = probed.relation;
        let sql = format!(
            "select to_jsonb(t)::text as row_json from {} t where t.{} = $1::text::{} limit 1",
            qualified(&relation.schema, &relation.name),
            ident(&probed.tenant_column.name),
            probed.tenant_column.type_name
        );
        let rows = self.read_as_service(&sql, &[&tenant]).await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(Sample {
            row_json: row.try_get("row_json")?,
        }))
    }

    /// Runs the controls of this case. Err when one is not allowed: every probe of the case is
    /// then skipped (a lint explains it) or unverified, for the returned reason.
    async fn controls(
        &mut self,
        case: &PairCase<'_>,
        object: &str,
        who: &str,
    ) -> Result<(), ControlFailure> {
        for probe in &PROBES {
            let Judge::Control(judge) = probe.judge else {
                continue;
            };
            let control = judge(case);
            match self.attempt(probe.access, &control.attempt).await {
                Outcome::Allowed(_) => self.tallies.counted(probe),
                Outcome::Unknown(reason) => {
                    return Err(self.control_unverified(probe, case, object, who, reason));
                }
                _ => {
                    if let Some(reason) =
                        crate::lints::explains_no_visible_row(case.catalog, case.probed.relation)
                    {
                        return Err(ControlFailure::Explained(reason));
                    }
                    return Err(self.control_unverified(
                        probe,
                        case,
                        object,
                        who,
                        control.otherwise,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Records a control that could not pass, unexplained; the case's probes point at it.
    fn control_unverified(
        &mut self,
        probe: &Probe,
        case: &PairCase<'_>,
        object: &str,
        who: &str,
        reason: Unverified,
    ) -> ControlFailure {
        self.record(probe, object, who, Outcome::Unknown(reason));
        ControlFailure::Unexplained(Unverified::ControlFailed {
            tenant: case.a.id.clone(),
            control: probe.check.id,
        })
    }

    /// Records `reason` for every probe of a relation and pair whose judge `concerned` names.
    fn unverified(
        &mut self,
        object: &str,
        who: &str,
        reason: &Unverified,
        concerned: fn(&Judge) -> bool,
    ) {
        for probe in PROBES.iter().filter(|p| concerned(&p.judge)) {
            self.record(probe, object, who, Outcome::Unknown(reason.clone()));
        }
    }

    async fn probe_function(&mut self, function: &'a Function, a: &Tenant, b: &Tenant) {
        let who = format!("as tenant {}'s user against tenant {}", a.id, b.id);
        let object = function.signature();
        let as_a = self.tenant_user(a);
        for probe in &PROBES {
            let Judge::TenantOnFunction(judge) = probe.judge else {
                continue;
            };
            let step = match &as_a {
                Ok(as_a) => judge(&FunctionCase {
                    function,
                    tenant_column: &self.settings.tenant_column,
                    b,
                    as_a,
                }),
                Err(reason) => Step::Unverified(reason.clone()),
            };
            self.take_step(probe, &object, &who, step).await;
        }
    }

    /// Carries out a judge's step; true when its first (the case's own) attempt was allowed.
    async fn take_step(&mut self, probe: &Probe, object: &str, who: &str, step: Step) -> bool {
        match step {
            Step::NotApplicable => false,
            Step::NotAttempted(reason) => {
                self.tallies.note(probe, object, &reason);
                false
            }
            Step::Unverified(reason) => {
                self.record(probe, object, who, Outcome::Unknown(reason));
                false
            }
            Step::Attempts(attempts) => {
                let mut first_allowed = None;
                for attempt in attempts {
                    if let Some(note) = &attempt.note {
                        self.tallies.note(probe, object, note);
                    }
                    let outcome = self.attempt(probe.access, &attempt).await;
                    for sequence in &attempt.advances {
                        self.tallies.advanced(probe, sequence.clone());
                    }
                    first_allowed.get_or_insert(matches!(outcome, Outcome::Allowed(_)));
                    let who = match (&attempt.who, &attempt.variant) {
                        (Some(who), Some(variant)) => format!("{who} ({variant})"),
                        (Some(who), None) => who.clone(),
                        (None, Some(variant)) => format!("{who} ({variant})"),
                        (None, None) => who.to_owned(),
                    };
                    self.record(probe, object, &who, outcome);
                }
                first_allowed.unwrap_or(false)
            }
        }
    }

    fn record(&mut self, probe: &Probe, object: &str, who: &str, outcome: Outcome) {
        self.tallies.record(probe, object, who, outcome);
    }

    /// One attempt in its own rolled-back transaction: reads count the rows they see, writes
    /// report the rows they touched. A write on one row first finds and locks it as the service
    /// role, then acts as the attempt's actor.
    async fn attempt(&mut self, access: Access, attempt: &Attempt) -> Outcome {
        let read_only = access == Access::Read;
        let service = Identity {
            role: &self.settings.service_role,
            claims: "{}",
        };
        let first = match attempt.row {
            Some(_) => service,
            None => attempt.actor.identity(),
        };
        let tx = match RollbackOnly::begin(self.client, read_only, &first).await {
            Ok(tx) => tx,
            Err(e) => return Outcome::Unknown(Unverified::Begin(e.into())),
        };
        let mut params: Vec<String> = Vec::new();
        if let Some(row) = &attempt.row {
            let found = match find_row(&tx, &row.sql, &row.params).await {
                Ok(found) => found,
                Err(reason) => return rolled_back(tx, Outcome::Unknown(reason)).await,
            };
            params.extend(found);
            if let Err(e) = tx.act_as(&attempt.actor.identity()).await {
                return rolled_back(tx, Outcome::Unknown(Unverified::Database(e.into()))).await;
            }
        }
        params.extend(attempt.params.iter().cloned());
        let params: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let result = match access {
            Access::Read => tx
                .query(&attempt.sql, &params)
                .await
                .map(|rows| rows.first().map_or(0, |r| r.get::<_, i64>(0).max(0) as u64)),
            Access::Write => tx.execute(&attempt.sql, &params).await,
        };
        rolled_back(tx, Outcome::of(result)).await
    }

    /// A read as the service role, in a read-only transaction that rolls back.
    async fn read_as_service(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        let identity = Identity {
            role: &self.settings.service_role,
            claims: "{}",
        };
        let tx = RollbackOnly::begin(self.client, true, &identity).await?;
        let rows = tx.query(sql, params).await;
        tx.rollback().await?;
        Ok(rows?)
    }
}

/// The `tableoid` and `ctid` of the row `sql` finds (and locks), as text.
async fn find_row(
    tx: &RollbackOnly<'_>,
    sql: &str,
    params: &[String],
) -> Result<[String; 2], Unverified> {
    let params: Vec<&(dyn ToSql + Sync)> =
        params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
    let rows = tx
        .query(sql, &params)
        .await
        .map_err(|e| Unverified::Database(e.into()))?;
    let row = rows.first().ok_or(Unverified::RowGone)?;
    let read = |column: &str| -> Result<String, Unverified> {
        row.try_get(column)
            .map_err(|e| Unverified::Database(e.into()))
    };
    Ok([read("table_oid")?, read("ctid")?])
}

/// Rolls the attempt back; its outcome stands unless the rollback fails.
async fn rolled_back(tx: RollbackOnly<'_>, outcome: Outcome) -> Outcome {
    match (outcome, tx.rollback().await) {
        (outcome @ Outcome::Unknown(_), _) => outcome,
        (_, Err(e)) => Outcome::Unknown(Unverified::Rollback(e.into())),
        (outcome, Ok(())) => outcome,
    }
}

/// The probe of `check` in [`PROBES`].
fn probe_of(check: &launchguard_core::CheckDef) -> &'static Probe {
    PROBES
        .iter()
        .find(|p| p.check.id == check.id)
        .expect("every probe check is in PROBES")
}

/// Every ordered pair of distinct tenants.
fn ordered_pairs(tenants: &[Tenant]) -> Vec<(&Tenant, &Tenant)> {
    tenants
        .iter()
        .flat_map(|a| {
            tenants
                .iter()
                .filter(move |b| b.id != a.id)
                .map(move |b| (a, b))
        })
        .collect()
}
