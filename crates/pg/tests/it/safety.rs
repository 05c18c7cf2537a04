//! Do no harm: nothing changes, superusers are refused, a killed backend fails closed.

use std::collections::BTreeMap;
use std::time::Duration;

use launchguard_core::{EvidenceValue, Status};
use tokio_postgres::NoTls;

use crate::support::{Lab, admin_url, agent, run};

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
    for f in &findings {
        assert_eq!(f.status, Status::Error, "{}", f.check);
        assert!(
            f.message.contains("refusing to run as superuser"),
            "{}",
            f.message
        );
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
