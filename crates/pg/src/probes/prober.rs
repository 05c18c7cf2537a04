//! Drives the probes: finds the cases, offers each to the judges that concern it, runs what they
//! decide, and tallies the outcomes for the conclusion.

use launchguard_core::{Finding, Target};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use super::conclusion::{Outcome, Tallies};
use super::error::Unverified;
use super::guard::{Identity, RollbackOnly};
use super::{
    Access, Actor, AnonCase, Attempt, FunctionCase, Judge, KeyedRow, PROBES, PairCase, Probe,
    Sample, Step, TenantRelation,
};
use crate::catalog::{Catalog, Function, Relation, Volatility};
use crate::settings::{Settings, Tenant};
use crate::sql::{DbError, ident, qualified};

pub(crate) struct Prober<'a> {
    client: &'a mut Client,
    settings: &'a Settings,
    catalog: &'a Catalog,
    tallies: Tallies,
}

impl<'a> Prober<'a> {
    pub fn new(client: &'a mut Client, settings: &'a Settings, catalog: &'a Catalog) -> Self {
        Prober {
            client,
            settings,
            catalog,
            tallies: Tallies::default(),
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

    /// Exposed functions the API may call that return tenant rows, need no argument and are
    /// safe to call (never VOLATILE).
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
                    && f.required_arguments == 0
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

    /// The key column write probes go by, when they may touch this relation at all.
    fn write_key(&self, relation: &'a Relation) -> Option<&'a str> {
        (self.settings.allow_writes && relation.kind.is_table())
            .then_some(relation.primary_key.as_deref())
            .flatten()
    }

    async fn probe_as_anon(&mut self, probed: TenantRelation<'a>, anon: &Actor) {
        let row_to_write = match self.write_key(probed.relation) {
            Some(key_column) => self.any_row(probed.relation, key_column).await,
            None => None,
        };
        let case = AnonCase {
            probed,
            anon,
            row_to_write,
        };
        let object = probed.relation.qualified_name();
        for probe in &PROBES {
            if let Judge::AnonOnRelation(judge) = probe.judge {
                self.take_step(probe, &object, "anon", judge(&case)).await;
            }
        }
    }

    /// Any row of the relation, read as the service role.
    async fn any_row(
        &mut self,
        relation: &Relation,
        key_column: &'a str,
    ) -> Option<Result<KeyedRow<'a>, Unverified>> {
        let sql = format!(
            "select {}::text as key from {} limit 1",
            ident(key_column),
            qualified(&relation.schema, &relation.name)
        );
        let rows = match self.read_as_service(&sql, &[]).await {
            Ok(rows) => rows,
            Err(e) => return Some(Err(Unverified::Database(e))),
        };
        let row = rows.first()?;
        Some(
            row.try_get("key")
                .map(|key| KeyedRow { key_column, key })
                .map_err(|e| Unverified::Database(e.into())),
        )
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
        let mut case = PairCase {
            settings: self.settings,
            probed,
            a,
            b,
            as_a: &as_a,
            sample_a,
            sample_b,
            write_key: self.write_key(probed.relation),
            allowed: Vec::new(),
        };
        if let Err(reason) = self.controls(&case, &object, &who).await {
            self.unverified(&object, &who, &reason, |judge| {
                matches!(judge, Judge::TenantOnRelation(_))
            });
            return;
        }
        for probe in &PROBES {
            if let Judge::TenantOnRelation(judge) = probe.judge
                && self.take_step(probe, &object, &who, judge(&case)).await
            {
                case.allowed.push(probe.check.id);
            }
        }
        self.note_keyless(probed.relation, &object);
    }

    /// A table writes would touch but cannot name a row of: every write probe notes it.
    fn note_keyless(&mut self, relation: &Relation, object: &str) {
        if self.settings.allow_writes && relation.kind.is_table() && relation.primary_key.is_none()
        {
            for probe in PROBES.iter().filter(|p| p.access == Access::Write) {
                self.tallies.note(
                    probe,
                    object,
                    "no single-column primary key, writes not attempted",
                );
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

    /// A tenant's sample row: its key and the row as JSON.
    async fn sample(
        &mut self,
        probed: TenantRelation<'a>,
        tenant: &str,
    ) -> Result<Option<Sample>, DbError> {
        let relation = probed.relation;
        let key = relation
            .primary_key
            .as_deref()
            .map(ident)
            .map_or("null::text".to_owned(), |k| format!("t.{k}::text"));
        let sql = format!(
            "select {key} as key, to_jsonb(t)::text as row_json from {} t where t.{} = $1::text::{} limit 1",
            qualified(&relation.schema, &relation.name),
            ident(&probed.tenant_column.name),
            probed.tenant_column.type_name
        );
        let rows = self.read_as_service(&sql, &[&tenant]).await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(Sample {
            key: row.try_get("key")?,
            row_json: row.try_get("row_json")?,
        }))
    }

    /// Runs the controls of this case. Err when one is not allowed: every probe of the case is
    /// then unverified, for the returned reason.
    async fn controls(
        &mut self,
        case: &PairCase<'_>,
        object: &str,
        who: &str,
    ) -> Result<(), Unverified> {
        for probe in &PROBES {
            let Judge::Control(judge) = probe.judge else {
                continue;
            };
            let control = judge(case);
            match self.attempt(probe.access, &control.attempt).await {
                Outcome::Allowed(_) => self.tallies.counted(probe),
                outcome => {
                    let reason = match outcome {
                        Outcome::Unknown(reason) => reason,
                        _ => control.otherwise,
                    };
                    self.record(probe, object, who, Outcome::Unknown(reason));
                    return Err(Unverified::ControlFailed {
                        tenant: case.a.id.clone(),
                        control: probe.check.id,
                    });
                }
            }
        }
        Ok(())
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

    /// Carries out a judge's step; true when its attempt was allowed.
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
            Step::Attempt(attempt) => {
                if let Some(note) = &attempt.note {
                    self.tallies.note(probe, object, note);
                }
                let outcome = self.attempt(probe.access, &attempt).await;
                if let Some(sequence) = attempt.advances {
                    self.tallies.advanced(probe, sequence);
                }
                let allowed = matches!(outcome, Outcome::Allowed(_));
                self.record(probe, object, who, outcome);
                allowed
            }
        }
    }

    fn record(&mut self, probe: &Probe, object: &str, who: &str, outcome: Outcome) {
        self.tallies.record(probe, object, who, outcome);
    }

    /// One attempt in its own rolled-back transaction: reads count the rows they see, writes
    /// report the rows they touched.
    async fn attempt(&mut self, access: Access, attempt: &Attempt) -> Outcome {
        let read_only = access == Access::Read;
        let tx = match RollbackOnly::begin(self.client, read_only, &attempt.actor.identity()).await
        {
            Ok(tx) => tx,
            Err(e) => return Outcome::Unknown(Unverified::Begin(e.into())),
        };
        let params: Vec<&(dyn ToSql + Sync)> = attempt
            .params
            .iter()
            .map(|p| p as &(dyn ToSql + Sync))
            .collect();
        let result = match access {
            Access::Read => tx
                .query(&attempt.sql, &params)
                .await
                .map(|rows| rows.first().map_or(0, |r| r.get::<_, i64>(0).max(0) as u64)),
            Access::Write => tx.execute(&attempt.sql, &params).await,
        };
        let rolled_back = tx.rollback().await;
        match (Outcome::of(result), rolled_back) {
            (outcome @ Outcome::Unknown(_), _) => outcome,
            (_, Err(e)) => Outcome::Unknown(Unverified::Rollback(e.into())),
            (outcome, Ok(())) => outcome,
        }
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
