//! `scripts/bench-pg.sh`: lints a generated schema of 1,000 tables and probes 20 tables x 2
//! tenants against a real PostgreSQL, and times `pg_dump --schema-only` of the same schema in the
//! same run as a baseline for reading the catalog.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{Finding, Scope, Status, Timeouts, run_alone};
use tokio_postgres::{Client, Config, NoTls};

const TENANT_A: &str = "11111111-1111-4111-8111-111111111111";
const TENANT_B: &str = "22222222-2222-4222-8222-222222222222";

async fn connect(config: &Config) -> Client {
    let (client, connection) = config.connect(NoTls).await.expect("PostgreSQL answers");
    tokio::spawn(connection);
    client
}

/// A database with `tables` tenant tables (RLS, a tenant-pinned policy, Supabase grants) and one
/// row per tenant in each.
async fn generate(admin: &Config, prefix: &str, tables: usize) -> Config {
    let client = connect(admin).await;
    client
        .batch_execute(&format!("create database {prefix}db"))
        .await
        .unwrap();
    let mut config = admin.clone();
    config.dbname(format!("{prefix}db"));
    let db = connect(&config).await;
    db.batch_execute(&format!(
        "create role {prefix}anon nologin; create role {prefix}authenticated nologin; \
         create role {prefix}service bypassrls nologin; create role {prefix}probe login noinherit; \
         grant {prefix}anon, {prefix}authenticated, {prefix}service to {prefix}probe; \
         grant usage on schema public to {prefix}anon, {prefix}authenticated, {prefix}service; \
         create function public.current_tenant() returns uuid language sql stable set search_path = '' as \
           $$ select nullif(current_setting('request.jwt.claims', true)::jsonb -> 'app_metadata' ->> 'tenant_id', '')::uuid $$; \
         do $$ begin for i in 1..{tables} loop \
           execute format('create table public.t%s (id uuid primary key default gen_random_uuid(), tenant_id uuid not null, body text, api_token text)', i); \
           execute format('alter table public.t%s enable row level security', i); \
           execute format('create policy p on public.t%s for all using (tenant_id = public.current_tenant()) with check (tenant_id = public.current_tenant())', i); \
           execute format('insert into public.t%s (tenant_id, body) values (''{TENANT_A}'', ''a''), (''{TENANT_B}'', ''b'')', i); \
         end loop; end $$; \
         grant all on all tables in schema public to {prefix}anon, {prefix}authenticated, {prefix}service;"
    ))
    .await
    .unwrap();
    config
}

async fn drop_all(admin: &Config, prefix: &str) {
    let client = connect(admin).await;
    let _ = client
        .batch_execute(&format!("drop database if exists {prefix}db with (force)"))
        .await;
    for role in ["probe", "anon", "authenticated", "service"] {
        let _ = client
            .batch_execute(&format!("drop role if exists {prefix}{role}"))
            .await;
    }
}

/// The variable the benchmark configuration names; its value is handed in through an [`Environment`].
const URL_VAR: &str = "LAUNCHGUARD_BENCH_PROBE_URL";

async fn run_agent(config: &Config, prefix: &str, probes: bool) -> (Duration, Vec<Finding>) {
    let text = format!(
        "[scope]\nhosts = [\"127.0.0.1\", \"localhost\"]\n[postgres]\nurl_env = \"{URL_VAR}\"\nanon_role = \"{prefix}anon\"\n\
         authenticated_role = \"{prefix}authenticated\"\nservice_role = \"{prefix}service\"\nprobes = {probes}\nallow_writes = true\n\
         [[postgres.tenants]]\nid = \"{TENANT_A}\"\n[[postgres.tenants]]\nid = \"{TENANT_B}\"\n"
    );
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let url = format!(
        "postgresql://{prefix}probe@{host}:{port}/{}?sslmode=disable",
        config.get_dbname().unwrap()
    );
    let env = Environment::process().with_var(URL_VAR, url);
    let loaded = LoadedConfig::parse(
        Path::new("bench.toml"),
        &text,
        &[&launchguard_pg::AGENT],
        &env,
    )
    .unwrap();
    let agent = loaded.agents[0].agent.clone();
    let t = Duration::from_secs(30);
    let scope = Arc::new(
        Scope::new(
            &["127.0.0.1".into(), "localhost".into()],
            10,
            Timeouts {
                connect: t,
                request: t,
                agent_deadline: t,
            },
        )
        .unwrap(),
    );
    let started = Instant::now();
    let findings = run_alone(agent.as_ref(), scope, t)
        .await
        .expect("the agent finishes within 30 s");
    (started.elapsed(), findings)
}

fn pg_dump_seconds(config: &Config) -> Option<f64> {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let started = Instant::now();
    let status = std::process::Command::new("pg_dump")
        .args([
            "--schema-only",
            "-h",
            &host,
            "-p",
            &port,
            "-U",
            config.get_user().unwrap_or("postgres"),
            config.get_dbname().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() {
    let admin_url = std::env::var("LAUNCHGUARD_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into());
    let admin: Config = admin_url.parse().expect("a PostgreSQL URL");
    let prefix = format!("lgbench{}_", std::process::id());

    let big = generate(&admin, &format!("{prefix}l"), 1000).await;
    let (lint_time, findings) = run_agent(&big, &format!("{prefix}l"), false).await;
    let errors = findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .count();
    let lint_findings = findings.len();
    let dump = pg_dump_seconds(&big);
    drop_all(&admin, &format!("{prefix}l")).await;

    let small = generate(&admin, &format!("{prefix}p"), 20).await;
    let (probe_time, findings) = run_agent(&small, &format!("{prefix}p"), true).await;
    let probe_errors = findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .count();
    let attempts: u64 = findings
        .iter()
        .filter_map(|f| {
            f.evidence
                .get("attempts")
                .map(|a| a.to_string().parse::<u64>().unwrap_or(0))
        })
        .sum();
    drop_all(&admin, &format!("{prefix}p")).await;

    println!(
        "lint, 1000 tables (connect + catalog + 15 lints): {:.3} s (goal < 1 s), {lint_findings} findings, {errors} errors",
        lint_time.as_secs_f64()
    );
    match dump {
        Some(seconds) => println!(
            "baseline pg_dump --schema-only of the same 1000 tables: {seconds:.3} s; launchguard lint / pg_dump = {:.2}",
            lint_time.as_secs_f64() / seconds
        ),
        None => {
            println!("baseline pg_dump --schema-only: not measured (pg_dump missing or failed)")
        }
    }
    println!(
        "probe, 20 tables x 2 tenants (reads and rolled-back writes, {attempts} attempts): {:.3} s (goal < 5 s), {probe_errors} errors",
        probe_time.as_secs_f64()
    );
}
