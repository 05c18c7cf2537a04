//! Dynamic probes: real queries as each tenant's user and as anon, every one rolled back.
//! Each check is a file with its docs; this module drives them.

mod anon_read;
mod anon_write;
mod claim_tamper;
mod control_failed;
mod cross_delete;
mod cross_insert;
mod cross_read;
mod cross_read_via_function;
mod cross_update;
pub mod guard;
mod row_move;

use std::collections::BTreeMap;

use launchguard_core::{CheckDef, Finding, Target, TargetKind};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use crate::catalog::{Catalog, Function, Relation, Volatility};
use crate::settings::{Settings, Tenant};
use crate::sql::{ident, qualified};
use guard::{Identity, RollbackOnly};

pub(crate) static CHECKS: &[&CheckDef] = &[
    &control_failed::CHECK,
    &cross_read::CHECK,
    &cross_read_via_function::CHECK,
    &cross_insert::CHECK,
    &cross_update::CHECK,
    &cross_delete::CHECK,
    &row_move::CHECK,
    &claim_tamper::CHECK,
    &anon_read::CHECK,
    &anon_write::CHECK,
];

const WRITE_CHECKS: [&CheckDef; 5] = [
    &cross_insert::CHECK,
    &cross_update::CHECK,
    &cross_delete::CHECK,
    &row_move::CHECK,
    &anon_write::CHECK,
];

/// What one attempt came to.
#[derive(Debug)]
enum Outcome {
    /// The statement went through and touched or returned this many rows.
    Allowed(u64),
    /// RLS or a grant stopped it (silently with 0 rows, or with 42501).
    Blocked,
    /// WITH CHECK passed, a constraint then failed: RLS allowed the write.
    ConstraintAfterRls(String),
    /// Could not tell (timeout, connection lost, unexpected error).
    Unknown(String),
}

fn classify(result: Result<u64, tokio_postgres::Error>) -> Outcome {
    match result {
        Ok(0) => Outcome::Blocked,
        Ok(n) => Outcome::Allowed(n),
        Err(e) => match e.code() {
            Some(code) if *code == SqlState::INSUFFICIENT_PRIVILEGE => Outcome::Blocked,
            Some(code) if code.code().starts_with("23") => {
                Outcome::ConstraintAfterRls(crate::describe_db_error(&e))
            }
            _ => Outcome::Unknown(crate::describe_db_error(&e)),
        },
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

/// A relation's sample rows, read as the service role.
#[derive(Debug, Default, Clone)]
struct Sample {
    key: Option<String>,
    row_json: Option<String>,
}

/// Collects one check's results across tables and tenant pairs.
#[derive(Default)]
struct Tally {
    /// Per object (`schema.table` or function): failing evidence lines.
    failures: BTreeMap<String, (TargetKind, Vec<String>)>,
    errors: BTreeMap<String, (TargetKind, String)>,
    attempts: u64,
    notes: Vec<String>,
}

pub(crate) struct Prober<'a> {
    client: &'a mut Client,
    settings: &'a Settings,
    catalog: &'a Catalog,
    tallies: BTreeMap<&'static str, Tally>,
    sequences_advanced: Vec<String>,
}

impl<'a> Prober<'a> {
    pub fn new(client: &'a mut Client, settings: &'a Settings, catalog: &'a Catalog) -> Self {
        Prober {
            client,
            settings,
            catalog,
            tallies: BTreeMap::new(),
            sequences_advanced: Vec::new(),
        }
    }

    fn tally(&mut self, check: &CheckDef) -> &mut Tally {
        self.tallies.entry(check.id).or_default()
    }

    /// One attempt in its own rolled-back transaction.
    async fn attempt(
        &mut self,
        identity: &Identity<'_>,
        read_only: bool,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        counts_rows: bool,
    ) -> Outcome {
        let tx = match RollbackOnly::begin(self.client, read_only, identity).await {
            Ok(tx) => tx,
            Err(e) => {
                return Outcome::Unknown(format!(
                    "could not start the attempt: {}",
                    crate::describe_db_error(&e)
                ));
            }
        };
        let result = if counts_rows {
            tx.query(sql, params)
                .await
                .map(|rows| rows.first().map_or(0, |r| r.get::<_, i64>(0).max(0) as u64))
        } else {
            tx.execute(sql, params).await
        };
        let rolled_back = tx.rollback().await;
        match (classify(result), rolled_back) {
            (outcome @ Outcome::Unknown(_), _) => outcome,
            (_, Err(e)) => {
                Outcome::Unknown(format!("rollback failed: {}", crate::describe_db_error(&e)))
            }
            (outcome, Ok(())) => outcome,
        }
    }

    fn service(&self) -> Identity<'a> {
        Identity {
            role: &self.settings.service_role,
            claims: "{}",
        }
    }

    /// Reads a tenant's sample row as the service role (read-only): its key and, for inserts, the
    /// row as JSON (kept in memory only, never reported).
    async fn sample(
        &mut self,
        relation: &Relation,
        tenant: &str,
    ) -> Result<Option<Sample>, String> {
        let tc = self.tenant_column(relation);
        let key = relation
            .primary_key
            .as_deref()
            .map(ident)
            .map_or("null::text".to_owned(), |k| format!("t.{k}::text"));
        let sql = format!(
            "select {key}, to_jsonb(t)::text from {} t where t.{} = $1::text::{} limit 1",
            qualified(&relation.schema, &relation.name),
            ident(&tc.0),
            tc.1
        );
        let identity = self.service();
        let tx = RollbackOnly::begin(self.client, true, &identity)
            .await
            .map_err(|e| crate::describe_db_error(&e))?;
        let rows = tx
            .query(&sql, &[&tenant])
            .await
            .map_err(|e| crate::describe_db_error(&e));
        tx.rollback()
            .await
            .map_err(|e| crate::describe_db_error(&e))?;
        Ok(rows?.first().map(|r| Sample {
            key: r.get(0),
            row_json: r.get(1),
        }))
    }

    fn tenant_column(&self, relation: &Relation) -> (String, String) {
        let column = relation
            .column(&self.settings.tenant_column)
            .expect("probed relations have the tenant column");
        (column.name.clone(), column.type_name.clone())
    }

    /// Finds tenants when none are configured: distinct values of the tenant column, capped.
    pub async fn discover_tenants(&mut self) -> Result<Vec<Tenant>, String> {
        if !self.settings.tenants.is_empty() {
            return Ok(self.settings.tenants.clone());
        }
        let mut found: Vec<String> = Vec::new();
        let tables: Vec<Relation> = self
            .probed_relations()
            .into_iter()
            .filter(|r| r.kind.is_table())
            .cloned()
            .collect();
        for relation in tables {
            if found.len() >= self.settings.max_tenants {
                break;
            }
            let sql = format!(
                "select distinct {}::text from {} limit {}",
                ident(&self.settings.tenant_column),
                qualified(&relation.schema, &relation.name),
                self.settings.max_tenants
            );
            let identity = self.service();
            let tx = RollbackOnly::begin(self.client, true, &identity)
                .await
                .map_err(|e| crate::describe_db_error(&e))?;
            let rows = tx
                .query(&sql, &[])
                .await
                .map_err(|e| crate::describe_db_error(&e));
            tx.rollback()
                .await
                .map_err(|e| crate::describe_db_error(&e))?;
            for row in rows? {
                let id: Option<String> = row.get(0);
                if let Some(id) = id.filter(|id| !found.contains(id)) {
                    found.push(id);
                }
            }
        }
        found.truncate(self.settings.max_tenants);
        Ok(found
            .into_iter()
            .map(|id| Tenant { id, user_id: None })
            .collect())
    }

    /// Exposed relations that carry the tenant column.
    fn probed_relations(&self) -> Vec<&'a Relation> {
        let catalog: &'a Catalog = self.catalog;
        catalog
            .relations
            .iter()
            .filter(|r| r.column(&self.settings.tenant_column).is_some())
            .collect()
    }

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

    /// Runs every probe and returns the findings.
    pub async fn run(mut self, tenants: &[Tenant], database: &Target) -> Vec<Finding> {
        let relations = self.probed_relations();
        let anon_claims = format!(
            "{{\"role\":\"{}\"}}",
            self.settings.anon_role.replace('"', "")
        );
        for relation in &relations {
            self.probe_anon(relation, &anon_claims).await;
        }
        let pairs: Vec<(&Tenant, &Tenant)> = tenants
            .iter()
            .flat_map(|a| {
                tenants
                    .iter()
                    .filter(move |b| b.id != a.id)
                    .map(move |b| (a, b))
            })
            .collect();
        if !pairs.is_empty() {
            for relation in &relations {
                for (a, b) in &pairs {
                    self.probe_pair(relation, a, b).await;
                }
            }
            for function in self.probed_functions() {
                for (a, b) in &pairs {
                    self.probe_function(function, a, b).await;
                }
            }
        }
        self.conclude(database, relations.len(), tenants, pairs.is_empty())
    }

    async fn probe_anon(&mut self, relation: &Relation, anon_claims: &str) {
        let role = self.settings.anon_role.clone();
        let identity = Identity {
            role: &role,
            claims: anon_claims,
        };
        let outcome = self
            .attempt(&identity, true, &anon_read::sql(relation), &[], true)
            .await;
        self.record(&anon_read::CHECK, relation, outcome, "anon");
        if !self.settings.allow_writes
            || !relation.kind.is_table()
            || relation.primary_key.is_none()
        {
            return;
        }
        let Some(tenant) = self.any_tenant_row(relation).await else {
            return;
        };
        match tenant {
            Ok(key) => {
                let outcome = self
                    .attempt(
                        &identity,
                        false,
                        &anon_write::sql(relation, &self.tenant_column(relation).0),
                        &[&key],
                        false,
                    )
                    .await;
                self.record(&anon_write::CHECK, relation, outcome, "anon");
            }
            Err(e) => self.record(&anon_write::CHECK, relation, Outcome::Unknown(e), "anon"),
        }
    }

    /// The key of any row of the relation, read as the service role.
    async fn any_tenant_row(&mut self, relation: &Relation) -> Option<Result<String, String>> {
        let key = relation.primary_key.as_deref()?;
        let sql = format!(
            "select {}::text from {} limit 1",
            ident(key),
            qualified(&relation.schema, &relation.name)
        );
        let identity = self.service();
        let tx = match RollbackOnly::begin(self.client, true, &identity).await {
            Ok(tx) => tx,
            Err(e) => return Some(Err(crate::describe_db_error(&e))),
        };
        let rows = tx.query(&sql, &[]).await;
        let _ = tx.rollback().await;
        match rows {
            Ok(rows) => rows.first().map(|r| Ok(r.get::<_, String>(0))),
            Err(e) => Some(Err(crate::describe_db_error(&e))),
        }
    }

    async fn probe_pair(&mut self, relation: &Relation, a: &Tenant, b: &Tenant) {
        let pair = format!("as tenant {}'s user against tenant {}", a.id, b.id);
        let (tc, tc_type) = self.tenant_column(relation);
        let claims_a = match self.settings.claims(a, None) {
            Ok(c) => c,
            Err(e) => {
                for check in CHECKS {
                    self.record(check, relation, Outcome::Unknown(e.clone()), &pair);
                }
                return;
            }
        };
        let role = self.settings.authenticated_role.clone();
        let as_a = Identity {
            role: &role,
            claims: &claims_a,
        };
        let samples = (
            self.sample(relation, &a.id).await,
            self.sample(relation, &b.id).await,
        );
        let (sample_a, sample_b) = match samples {
            (Ok(sa), Ok(sb)) => (sa, sb),
            (Err(e), _) | (_, Err(e)) => {
                let reason = format!(
                    "not verified: reading sample rows as {} failed: {e}",
                    self.settings.service_role
                );
                self.record(
                    &control_failed::CHECK,
                    relation,
                    Outcome::Unknown(reason.clone()),
                    &pair,
                );
                self.unverified_pair(relation, &reason, &pair);
                return;
            }
        };
        // Positive control: A must see A's own rows, or no result below means anything.
        let count_sql = cross_read::sql(relation, &tc, &tc_type);
        let control = self.attempt(&as_a, true, &count_sql, &[&a.id], true).await;
        let control_ok = match (&control, &sample_a) {
            (Outcome::Allowed(_), _) => true,
            (Outcome::Unknown(e), _) => {
                self.record(
                    &control_failed::CHECK,
                    relation,
                    Outcome::Unknown(e.clone()),
                    &pair,
                );
                false
            }
            (_, None) => {
                self.record(
                    &control_failed::CHECK,
                    relation,
                    Outcome::Unknown(format!("tenant {} has no row here to control with", a.id)),
                    &pair,
                );
                false
            }
            (_, Some(_)) => {
                self.record(
                    &control_failed::CHECK,
                    relation,
                    Outcome::Unknown(format!("as tenant {}, the user sees none of its own rows: the claims or policies do not admit it", a.id)),
                    &pair,
                );
                false
            }
        };
        if !control_ok {
            let reason = format!(
                "not verified: the positive control failed for tenant {} (see probe.control_failed)",
                a.id
            );
            self.unverified_pair(relation, &reason, &pair);
            return;
        }
        self.tally(&control_failed::CHECK).attempts += 1;
        if sample_b.is_none() {
            self.tally(&cross_read::CHECK).notes.push(format!(
                "{}: tenant {} has no rows",
                relation.qualified_name(),
                b.id
            ));
        }
        let cross = self.attempt(&as_a, true, &count_sql, &[&b.id], true).await;
        let cross_allowed = matches!(cross, Outcome::Allowed(_));
        self.record(&cross_read::CHECK, relation, cross, &pair);
        if sample_b.is_some() && !cross_allowed {
            match self.settings.claims(a, Some(&b.id)) {
                Ok(tampered) => {
                    let as_tampered = Identity {
                        role: &role,
                        claims: &tampered,
                    };
                    let outcome = self
                        .attempt(&as_tampered, true, &count_sql, &[&b.id], true)
                        .await;
                    self.record(&claim_tamper::CHECK, relation, outcome, &pair);
                }
                Err(e) => self.record(&claim_tamper::CHECK, relation, Outcome::Unknown(e), &pair),
            }
        }
        if !self.settings.allow_writes || !relation.kind.is_table() {
            return;
        }
        let Some(key_column) = relation.primary_key.clone() else {
            for check in WRITE_CHECKS {
                self.tally(check).notes.push(format!(
                    "{}: no single-column primary key, writes not attempted",
                    relation.qualified_name()
                ));
            }
            return;
        };
        if let Some(key_b) = sample_b.as_ref().and_then(|s| s.key.clone()) {
            let outcome = self
                .attempt(
                    &as_a,
                    false,
                    &cross_update::sql(relation, &tc, &key_column),
                    &[&key_b],
                    false,
                )
                .await;
            self.record(&cross_update::CHECK, relation, outcome, &pair);
            let outcome = self
                .attempt(
                    &as_a,
                    false,
                    &cross_delete::sql(relation, &key_column),
                    &[&key_b],
                    false,
                )
                .await;
            self.record(&cross_delete::CHECK, relation, outcome, &pair);
        }
        if let Some(key_a) = sample_a.as_ref().and_then(|s| s.key.clone()) {
            let sql = row_move::sql(relation, &tc, &tc_type, &key_column);
            let outcome = self
                .attempt(&as_a, false, &sql, &[&b.id, &key_a], false)
                .await;
            self.record(&row_move::CHECK, relation, outcome, &pair);
        }
        if let Some(row) = sample_b.and_then(|s| s.row_json) {
            match cross_insert::plan(relation, &key_column, self.settings.allow_sequence_inserts) {
                Ok(plan) => {
                    let outcome = self.attempt(&as_a, false, &plan.sql, &[&row], false).await;
                    if let Some(sequence) = plan.advances
                        && !self.sequences_advanced.contains(&sequence)
                    {
                        self.sequences_advanced.push(sequence);
                    }
                    self.record(&cross_insert::CHECK, relation, outcome, &pair);
                }
                Err(skip) => self
                    .tally(&cross_insert::CHECK)
                    .notes
                    .push(format!("{}: {skip}", relation.qualified_name())),
            }
        }
    }

    /// Every tenant probe of this relation and pair could not run: each says so as an error.
    fn unverified_pair(&mut self, relation: &Relation, reason: &str, pair: &str) {
        for check in CHECKS
            .iter()
            .filter(|c| c.id.starts_with("tenant.") && c.id != cross_read_via_function::CHECK.id)
        {
            self.record(check, relation, Outcome::Unknown(reason.to_owned()), pair);
        }
    }

    async fn probe_function(&mut self, function: &Function, a: &Tenant, b: &Tenant) {
        let pair = format!("as tenant {}'s user against tenant {}", a.id, b.id);
        let object = function.signature();
        let outcome = match self.settings.claims(a, None) {
            Ok(claims) => {
                let role = self.settings.authenticated_role.clone();
                let identity = Identity {
                    role: &role,
                    claims: &claims,
                };
                let sql = cross_read_via_function::sql(function, &self.settings.tenant_column);
                self.attempt(&identity, true, &sql, &[&b.id], true).await
            }
            Err(e) => Outcome::Unknown(e),
        };
        self.record_object(
            &cross_read_via_function::CHECK,
            object,
            TargetKind::Table,
            outcome,
            &pair,
        );
    }

    fn record(&mut self, check: &CheckDef, relation: &Relation, outcome: Outcome, who: &str) {
        self.record_object(
            check,
            relation.qualified_name(),
            TargetKind::Table,
            outcome,
            who,
        );
    }

    fn record_object(
        &mut self,
        check: &CheckDef,
        object: String,
        kind: TargetKind,
        outcome: Outcome,
        who: &str,
    ) {
        let tally = self.tally(check);
        tally.attempts += 1;
        match outcome {
            Outcome::Allowed(rows) => tally
                .failures
                .entry(object)
                .or_insert_with(|| (kind, Vec::new()))
                .1
                .push(format!("{who}: allowed, {rows} row(s)")),
            Outcome::ConstraintAfterRls(e) => tally
                .failures
                .entry(object)
                .or_insert_with(|| (kind, Vec::new()))
                .1
                .push(format!(
                    "{who}: RLS allowed the row; a constraint then failed ({e})"
                )),
            Outcome::Blocked => {}
            Outcome::Unknown(reason) => {
                tally.errors.entry(object).or_insert((kind, reason));
            }
        }
    }

    fn conclude(
        self,
        database: &Target,
        relations: usize,
        tenants: &[Tenant],
        no_pairs: bool,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        let tenant_ids: Vec<String> = tenants.iter().map(|t| t.id.clone()).collect();
        for check in CHECKS {
            let is_write = WRITE_CHECKS.iter().any(|w| w.id == check.id);
            let needs_pairs =
                check.id.starts_with("tenant.") || check.id == control_failed::CHECK.id;
            if is_write && !self.settings.allow_writes {
                findings.push(Finding::skipped(
                    check,
                    database.clone(),
                    "write probes are off ([postgres].allow_writes = false); the catalog lints still cover write policies",
                ));
                continue;
            }
            if needs_pairs && no_pairs {
                findings.push(Finding::error(
                    check,
                    database.clone(),
                    format!(
                        "not verified: tenant isolation needs two tenants, found {} ({})",
                        tenants.len(),
                        tenant_ids.join(", ")
                    ),
                ));
                continue;
            }
            let tally = self.tallies.get(check.id);
            let failures = tally.map(|t| &t.failures);
            let errors = tally.map(|t| &t.errors);
            for (object, (kind, lines)) in failures.into_iter().flatten() {
                let target = database.child(object, *kind, format!("db:{object}"));
                let status = if check.id == control_failed::CHECK.id {
                    "error"
                } else {
                    "fail"
                };
                let summary = format!(
                    "{object}: {}{}",
                    short_ids(&lines[0]),
                    if lines.len() > 1 {
                        format!(" (and {} more)", lines.len() - 1)
                    } else {
                        String::new()
                    }
                );
                let finding = if status == "error" {
                    Finding::error(check, target, summary)
                } else {
                    Finding::fail(check, target, summary)
                };
                findings.push(finding.with_evidence("attempts", lines.clone()));
            }
            for (object, (kind, reason)) in errors.into_iter().flatten() {
                if failures.is_some_and(|f| f.contains_key(object)) {
                    continue;
                }
                let target = database.child(object, *kind, format!("db:{object}"));
                findings.push(Finding::error(check, target, reason.clone()));
            }
            let clean =
                failures.is_none_or(|f| f.is_empty()) && errors.is_none_or(|e| e.is_empty());
            let attempts = tally.map_or(0, |t| t.attempts);
            if clean && attempts == 0 {
                // Nothing was tried: not applicable, never a pass.
                let notes = tally.map(|t| t.notes.clone()).unwrap_or_default();
                findings.push(
                    Finding::skipped(
                        check,
                        database.clone(),
                        "nothing to probe for this check in the exposed schemas",
                    )
                    .with_evidence("not_attempted", notes),
                );
            } else if clean {
                let mut pass = Finding::pass(
                    check,
                    database.clone(),
                    format!("{attempts} attempt(s) over {relations} tenant relation(s), tenants [{}]: all blocked", tenant_ids.join(", ")),
                )
                .with_evidence("attempts", attempts)
                .with_evidence("tenants", tenant_ids.clone());
                if let Some(notes) = tally.map(|t| &t.notes).filter(|n| !n.is_empty()) {
                    pass = pass.with_evidence("not_attempted", notes.clone());
                }
                if check.id == cross_insert::CHECK.id && !self.sequences_advanced.is_empty() {
                    pass =
                        pass.with_evidence("sequences_advanced", self.sequences_advanced.clone());
                }
                findings.push(pass);
            } else if let Some(notes) = tally.map(|t| &t.notes).filter(|n| !n.is_empty()) {
                findings.push(
                    Finding::skipped(
                        check,
                        database.clone(),
                        format!("not attempted on {} relation(s)", notes.len()),
                    )
                    .with_evidence("not_attempted", notes.clone()),
                );
            }
        }
        if !self.sequences_advanced.is_empty() {
            for finding in findings.iter_mut().filter(|f| {
                f.check.as_str() == cross_insert::CHECK.id
                    && f.status != launchguard_core::Status::Pass
            }) {
                finding.evidence.insert(
                    "sequences_advanced".into(),
                    self.sequences_advanced.clone().into(),
                );
            }
        }
        findings
    }
}
