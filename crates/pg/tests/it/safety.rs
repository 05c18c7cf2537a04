//! Do no harm: nothing changes, superusers are refused, a killed backend fails closed.

use std::collections::BTreeMap;
use std::time::Duration;

use launchguard_core::{EvidenceValue, Finding, Status};
use tokio_postgres::NoTls;

use crate::support::{Lab, URL_VAR, admin_url, agent, configure, run};

async fn admin_client(lab: &Lab) -> tokio_postgres::Client {
    let mut config: tokio_postgres::Config = admin_url().parse().unwrap();
    config.dbname(&lab.database);
    let (client, connection) = config.connect(NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// A checksum of every table and the state of every sequence in the fixture.
async fn snapshot(client: &tokio_postgres::Client) -> BTreeMap<String, String> {
    let mut state = BTreeMap::new();
    let tables = client
        .query(
            "select quote_ident(n.nspname) || '.' || quote_ident(c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace \
             where n.nspname in ('public', 'auth') and c.relkind in ('r', 'm')",
            &[],
        )
        .await
        .unwrap();
    for row in tables {
        let table: String = row.get(0);
        let sum: Option<String> = client
            .query_one(
                &format!("select md5(string_agg(t::text, '|' order by t::text)) from {table} t"),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        state.insert(table, sum.unwrap_or_default());
    }
    let sequences = client
        .query(
            "select quote_ident(schemaname) || '.' || quote_ident(sequencename) from pg_sequences where schemaname = 'public'",
            &[],
        )
        .await
        .unwrap();
    for row in sequences {
        let sequence: String = row.get(0);
        let value: String = client
            .query_one(
                &format!("select last_value::text || '/' || is_called::text from {sequence}"),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        state.insert(format!("sequence {sequence}"), value);
    }
    state
}

#[tokio::test]
async fn a_full_probe_run_changes_nothing_but_the_sequences_it_reports() {
    let lab = Lab::new().await;
    let admin = admin_client(&lab).await;
    let before = snapshot(&admin).await;
    assert!(before.len() > 15, "{before:#?}");
    let (pg, scope) = agent(
        &lab,
        true,
        "allow_sequence_inserts = true\n",
        lab.probe_url(),
    );
    let findings = run(&pg, scope).await;
    let after = snapshot(&admin).await;

    let reported: Vec<String> = findings
        .iter()
        .filter_map(|f| f.evidence.get("sequences_advanced"))
        .flat_map(|v| match v {
            EvidenceValue::List(items) => items.iter().map(|i| i.to_string()).collect(),
            other => vec![other.to_string()],
        })
        .collect();
    assert!(
        reported.iter().any(|s| s.contains("audit_log_id_seq")),
        "the sequence-backed insert was reported: {reported:?}"
    );
    let mut changed = Vec::new();
    for (name, value) in &before {
        if after.get(name) != Some(value) {
            changed.push(name.clone());
        }
    }
    for name in &changed {
        assert!(
            name.starts_with("sequence ")
                && reported
                    .iter()
                    .any(|r| name.ends_with(r.rsplit('.').next().unwrap_or(r).trim_matches('\''))),
            "{name} changed but was not reported (reported: {reported:?})"
        );
    }
    assert_eq!(
        before.get("sequence public.touch_calls"),
        after.get("sequence public.touch_calls"),
        "the volatile function was called"
    );
    assert!(
        changed.iter().all(|c| c.starts_with("sequence ")),
        "table data changed: {changed:?}"
    );
}

#[tokio::test]
async fn sequence_backed_inserts_are_not_attempted_unless_allowed() {
    let lab = Lab::new().await;
    let admin = admin_client(&lab).await;
    let before = snapshot(&admin).await;
    let (pg, scope) = agent(&lab, true, "", lab.probe_url());
    let findings = run(&pg, scope).await;
    assert_eq!(
        before,
        snapshot(&admin).await,
        "nothing at all changes, sequences included"
    );
    let insert = findings.iter().find(|f| {
        f.check.as_str() == "tenant.cross_insert" && f.evidence.contains_key("not_attempted")
    });
    let text = insert
        .map(|f| f.evidence["not_attempted"].to_string())
        .unwrap_or_default();
    assert!(
        text.contains("audit_log") && text.contains("sequence"),
        "{findings:#?}"
    );
}

#[tokio::test]
async fn a_superuser_connection_is_refused() {
    let lab = Lab::new().await;
    let (pg, scope) = agent(&lab, true, "", lab.url_as("postgres"));
    let findings = run(&pg, scope).await;
    assert_eq!(findings.len(), launchguard_pg::CHECKS.len());
    // One finding says why, every other check points at it.
    for f in &findings {
        assert_eq!(f.status, Status::Error, "{}", f.check);
        let expected = if f.check.as_str() == "pg.connection" {
            "refusing to run as superuser"
        } else {
            "(see pg.connection)"
        };
        assert!(f.message.contains(expected), "{}", f.message);
    }
}

#[tokio::test]
async fn killing_the_probe_backend_mid_run_fails_closed() {
    let lab = Lab::new().await;
    let (pg, scope) = agent(&lab, true, "", lab.probe_url());
    let complete = run(&pg, scope.clone()).await;
    let attempts = |findings: &[launchguard_core::Finding], check: &str| {
        findings
            .iter()
            .find(|f| f.check.as_str() == check && f.status == Status::Pass)
            .map(|f| f.evidence["attempts"].to_string())
    };

    let admin = admin_client(&lab).await;
    let checksums = admin_client(&lab).await;
    let before = snapshot(&checksums).await;
    let database = lab.database.clone();
    let killer = tokio::spawn(async move {
        for _ in 0..5000 {
            let killed: i64 = admin
                .query_one(
                    "select count(pg_terminate_backend(pid)) from pg_stat_activity \
                     where application_name = $1 and datname = $2 and query ilike '%set local role%' and pid <> pg_backend_pid()",
                    &[&launchguard_pg::APPLICATION_NAME, &database],
                )
                .await
                .unwrap()
                .get(0);
            if killed > 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        false
    });
    let (pg, scope) = agent(&lab, true, "", lab.probe_url());
    let interrupted = run(&pg, scope).await;
    assert!(
        killer.await.unwrap(),
        "the probe backend was never seen running a probe"
    );
    // The killed transaction rolled back: not a row or sequence changed.
    assert_eq!(before, snapshot(&checksums).await);
    let dynamic = [
        "probe.control_failed",
        "tenant.cross_read",
        "tenant.cross_insert",
        "tenant.cross_update",
        "anon.read",
        "anon.write",
    ];
    let errors: Vec<&str> = interrupted
        .iter()
        .filter(|f| f.status == Status::Error)
        .map(|f| f.check.as_str())
        .collect();
    assert!(
        !errors.is_empty(),
        "killing the backend produced no error: {interrupted:#?}"
    );
    for check in dynamic {
        // A pass after the kill must rest on every attempt of the complete run.
        if let Some(n) = attempts(&interrupted, check) {
            assert_eq!(
                Some(n),
                attempts(&complete, check),
                "{check} passed on partial evidence"
            );
        }
    }
}

#[tokio::test]
async fn the_guard_reads_read_only_and_always_rolls_back() {
    use launchguard_pg::probes::guard::{Identity, RollbackOnly};
    let lab = Lab::new().await;
    let mut config: tokio_postgres::Config = lab.probe_url().parse().unwrap();
    config.application_name(launchguard_pg::APPLICATION_NAME);
    let (mut client, connection) = config.connect(NoTls).await.unwrap();
    tokio::spawn(connection);
    let service = lab.role("service_role");
    let identity = Identity {
        role: &service,
        claims: "{}",
    };

    let read_only = RollbackOnly::begin(&mut client, true, &identity)
        .await
        .unwrap();
    let refused = read_only
        .execute("delete from public.invoices", &[])
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        Some(&tokio_postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION)
    );
    read_only.rollback().await.unwrap();

    let writable = RollbackOnly::begin(&mut client, false, &identity)
        .await
        .unwrap();
    assert_eq!(
        writable
            .execute("delete from public.invoices", &[])
            .await
            .unwrap(),
        2
    );
    let limits = writable
        .query(
            "select current_setting('statement_timeout'), current_setting('lock_timeout')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (limits[0].get::<_, String>(0), limits[0].get::<_, String>(1)),
        ("2s".to_owned(), "100ms".to_owned())
    );
    writable.rollback().await.unwrap();
    let admin = admin_client(&lab).await;
    let count: i64 = admin
        .query_one("select count(*) from public.invoices", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2, "the delete was rolled back");

    // Dropped without rollback (a panic, a cancelled future): still rolled back.
    {
        let dropped = RollbackOnly::begin(&mut client, false, &identity)
            .await
            .unwrap();
        dropped
            .execute("delete from public.invoices", &[])
            .await
            .unwrap();
    }
    let count: i64 = admin
        .query_one("select count(*) from public.invoices", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2, "a dropped attempt rolls back");
}

#[tokio::test]
async fn a_write_never_waits_behind_an_application_lock() {
    let lab = Lab::new().await;
    let mut admin = admin_client(&lab).await;
    let holder = admin.transaction().await.unwrap();
    holder
        .batch_execute("select * from public.invoices for update")
        .await
        .unwrap();
    let (pg, scope) = agent(&lab, true, "", lab.probe_url());
    let started = std::time::Instant::now();
    let findings = run(&pg, scope).await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the run waited on the lock"
    );
    let update = findings
        .iter()
        .find(|f| {
            f.check.as_str() == "tenant.cross_update" && f.target.id.ends_with("/public.invoices")
        })
        .unwrap();
    assert_eq!(update.status, Status::Error, "{update:#?}");
    assert!(
        update.message.contains("55P03") || update.message.contains("lock"),
        "{}",
        update.message
    );
    holder.rollback().await.unwrap();
}

#[tokio::test]
async fn tenants_are_discovered_when_none_are_configured() {
    let lab = Lab::new().await;
    let section = lab.config_section(URL_VAR, false, "");
    let without_tenants = section
        .split("\n[[postgres.tenants]]")
        .next()
        .unwrap()
        .to_owned();
    let text = format!("[scope]\nhosts = [\"127.0.0.1\", \"localhost\"]\n\n{without_tenants}\n");
    let pg = configure(&text, lab.probe_url());
    let (_, scope) = agent(&lab, false, "", lab.probe_url());
    let findings = run(&pg, scope).await;
    let cross_read = findings
        .iter()
        .find(|f| {
            f.check.as_str() == "tenant.cross_read" && f.target.id.ends_with("/public.invoices")
        })
        .unwrap();
    assert_eq!(cross_read.status, Status::Fail, "{cross_read:#?}");
    let tenants = cross_read.evidence["attempts"].to_string();
    assert!(
        tenants.contains("11111111-1111-4111-8111-111111111111")
            && tenants.contains("22222222-2222-4222-8222-222222222222"),
        "{tenants}"
    );
}

/// The findings after a connection that succeeded (which passes), without it.
fn checks_after_connecting(findings: Vec<Finding>) -> Vec<Finding> {
    let (connection, rest): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.check.as_str() == "pg.connection");
    assert_eq!(connection.len(), 1);
    assert_eq!(connection[0].status, Status::Pass, "{connection:#?}");
    rest
}

#[tokio::test]
async fn exposed_schemas_with_nothing_in_them_are_an_error_not_an_empty_pass() {
    let lab = Lab::new().await;
    let (pg, scope) = agent(
        &lab,
        false,
        "exposed_schemas = [\"api\"]\n",
        lab.probe_url(),
    );
    let findings = checks_after_connecting(run(&pg, scope).await);
    assert!(
        findings.iter().all(|f| f.status == Status::Error),
        "{findings:#?}"
    );
    assert!(
        findings[0]
            .message
            .contains("no table or view in the exposed schemas [api]"),
        "{}",
        findings[0].message
    );
}

#[tokio::test]
async fn exposed_schemas_come_from_pgrst_db_schemas_and_say_so() {
    let lab = Lab::new().await;
    let admin = admin_client(&lab).await;
    admin
        .batch_execute(&format!(
            "create schema api; alter role {} in database {} set pgrst.db_schemas = 'api'",
            lab.role("authenticator"),
            lab.database
        ))
        .await
        .unwrap();
    let (pg, scope) = agent(&lab, false, "", lab.probe_url());
    let findings = checks_after_connecting(run(&pg, scope).await);
    assert!(
        findings.iter().all(|f| f.status == Status::Error),
        "{findings:#?}"
    );
    let expected = format!(
        "exposed schemas [api] (pgrst.db_schemas of role {})",
        lab.role("authenticator")
    );
    assert!(
        findings[0].message.contains(&expected),
        "{}",
        findings[0].message
    );
}
