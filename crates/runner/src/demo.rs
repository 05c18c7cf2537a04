//! `launchguard demo`: a lab of services with planted flaws (and clean controls) on loopback
//! ephemeral ports, a configuration for it, and an audit of it in every report format.
//!
//! Every agent adds its own flaws and controls to [`start_lab`].

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use launchguard_core::config::{Environment, LoadedConfig};
use tokio::net::TcpListener;

use launchguard_pg::lab::LabDatabase;

use crate::agents::AGENTS;

/// The variable the demo configuration names for the lab database's URL; the demo hands the URL in
/// through the [`Environment`], never through the process environment.
const LAB_DATABASE_URL_VAR: &str = "LAUNCHGUARD_DEMO_PG_URL";
use crate::audit::run_and_report;
use crate::cli::{DemoArgs, ReportFormat};

/// Planted in the verbose health endpoint's connection string. Reports must never contain it;
/// a test scans every format for it.
pub const PLANTED_DB_PASSWORD: &str = "lg-demo-9Hq2xV7pLk4RtZ8wQe";
/// How long the slow service takes, against the lab's 500 ms budget.
const SLOW_SERVICE_DELAY: Duration = Duration::from_millis(1_200);

fn verbose_body() -> String {
    format!(
        r#"{{"status":"ok","version":"4.2.1","build":"a1b2c3d","hostname":"api-7f9c6d-xk2lp","node":"Node.js v20.11.1",
"upstreams":{{"db":"postgres://app:{PLANTED_DB_PASSWORD}@10.0.3.7:5432/prod","cache":"redis://10.0.3.9:6379/0"}},
"env":{{"NODE_ENV":"production","AWS_REGION":"eu-west-1"}},
"last_error":"Traceback (most recent call last):\n  File \"/srv/ai/engine.py\", line 88, in infer\nTimeoutError"}}"#
    )
}

async fn serve(router: Router) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot bind a loopback port for the lab")?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!("lab service stopped: {e}");
        }
    });
    Ok(addr)
}

/// A port nothing listens on: bound, noted, released.
async fn closed_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?)
}

/// Where the demo finds a PostgreSQL it may create a lab database in (a superuser URL).
fn postgres_admin_url() -> String {
    ["LAUNCHGUARD_DEMO_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "postgresql://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The lab's database part: a `[postgres]` section and the audit role's URL, or why it is skipped.
struct PostgresLab {
    lab: LabDatabase,
    section: String,
    url: String,
}

/// Starts the lab's services on the current runtime and returns the configuration that audits it.
async fn start_lab() -> anyhow::Result<String> {
    let healthy =
        serve(Router::new().route("/health", get(|| async { r#"{"status":"ok"}"# }))).await?;
    let failing = serve(Router::new().route(
        "/health",
        get(|| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"degraded","checks":{"db":"down"}}"#,
            )
        }),
    ))
    .await?;
    let slow = serve(Router::new().route(
        "/health",
        get(|| async {
            tokio::time::sleep(SLOW_SERVICE_DELAY).await;
            r#"{"status":"ok"}"#
        }),
    ))
    .await?;
    let body = verbose_body();
    let verbose = serve(Router::new().route("/health", get(move || async move { body }))).await?;
    let down = closed_port().await?;
    Ok(format!(
        r#"# Written by `launchguard demo`: a lab of services on loopback ports with planted flaws.
# Ports change on every run; findings are fingerprinted by endpoint name, so baselines still match.

[scope]
hosts = ["127.0.0.1", "127.0.0.2", "localhost", "::1", "*.lab.test"]
request_timeout_ms = 5000
agent_deadline_secs = 60

[health]
latency_budget_ms = 500

# Clean control: 200, fast, says only {{"status":"ok"}}.
[[health.endpoints]]
name = "healthy"
url = "http://{healthy}/health"

# Planted: answers 503.
[[health.endpoints]]
name = "failing"
url = "http://{failing}/health"

# Planted: answers after {slow_ms} ms, over the 500 ms budget.
[[health.endpoints]]
name = "slow"
url = "http://{slow}/health"

# Planted: leaks a version, a pod name, private IPs, a connection string with a password,
# environment variables and a stack trace.
[[health.endpoints]]
name = "verbose"
url = "http://{verbose}/health"

# Planted: nothing listens on this port.
[[health.endpoints]]
name = "down"
url = "http://{down}/health"

# Planted: logs with an OpenAI key, a Supabase service-role JWT and secret key, a database password
# (in a traceback and URL-encoded in an access log), a GitHub token, a card number, an e-mail address
# and a private key split over prefixed lines in a rotated .gz; clean look-alikes beside them.
[logs]
paths = ["logs"]
"#,
        slow_ms = SLOW_SERVICE_DELAY.as_millis(),
    ))
}

/// What the lab thread hands back once everything listens.
struct Started {
    config: String,
    openssl_skipped: Option<String>,
    postgres_url: Option<String>,
    postgres_skipped: Option<String>,
}

pub fn demo(args: DemoArgs, color: bool) -> anyhow::Result<i32> {
    let formats = if args.formats.is_empty() {
        ReportFormat::ALL.to_vec()
    } else {
        args.formats.clone()
    };
    std::fs::create_dir_all(&args.output_dir)
        .with_context(|| format!("cannot create {}", args.output_dir.display()))?;
    // The lab lives on its own runtime thread for the whole audit, and cleans up after it.
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let lab_dir = args.output_dir.clone();
    let lab = std::thread::spawn(move || -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let (services, tls) = match start_lab().await {
                Ok(config) => match crate::demo_tls::start(&lab_dir).await {
                    Ok(tls) => (format!("{config}{}", tls.section), tls),
                    Err(e) => {
                        let _ = started_tx.send(Err(e));
                        return;
                    }
                },
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                    return;
                }
            };
            let openssl_skipped = tls.openssl_skipped.clone();
            let postgres = match LabDatabase::create_fixed(&postgres_admin_url()).await {
                Ok(lab) => {
                    let section = lab.config_section(LAB_DATABASE_URL_VAR, true, "");
                    let url = lab.probe_url();
                    Ok(PostgresLab { lab, section, url })
                }
                Err(reason) => Err(reason),
            };
            let started = match &postgres {
                Ok(pg) => Started {
                    config: format!(
                        "{services}\n# Planted: a Supabase-like database (fixtures/pg) with one flaw per table and correct tables beside them.\n{}",
                        pg.section
                    ),
                    openssl_skipped,
                    postgres_url: Some(pg.url.clone()),
                    postgres_skipped: None,
                },
                Err(reason) => Started { config: services, openssl_skipped, postgres_url: None, postgres_skipped: Some(reason.clone()) },
            };
            let _ = started_tx.send(Ok(started));
            let _ = stop_rx.await;
            drop(tls);
            if let Ok(pg) = postgres {
                pg.lab.drop().await;
            }
        });
        Ok(())
    });
    let started = started_rx.recv().context("the lab did not start")??;
    crate::demo_logs::write(&args.output_dir.join("logs"))?;
    let config_path = args.output_dir.join("launchguard.toml");
    crate::report::write_atomically(&config_path, started.config.as_bytes())
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    if !args.policy.quiet {
        eprintln!(
            "lab started on 127.0.0.1; configuration written to {}",
            config_path.display()
        );
        if let Some(reason) = &started.openssl_skipped {
            eprintln!(
                "skipped the legacy-TLS server of the lab: {reason}. Install OpenSSL's command-line \
                 tool (apt-get install openssl) to include it."
            );
        }
        if let Some(reason) = &started.postgres_skipped {
            eprintln!(
                "skipped the Postgres part of the lab: no PostgreSQL could be used ({reason}). Set \
                 LAUNCHGUARD_DEMO_DATABASE_URL to a superuser URL of a local PostgreSQL to include it."
            );
        }
    }
    let mut env = Environment::process();
    if let Some(url) = started.postgres_url {
        env = env.with_var(LAB_DATABASE_URL_VAR, url);
    }
    let loaded = LoadedConfig::load(&config_path, AGENTS, &env)
        .map_err(|e| anyhow::anyhow!("the demo configuration is invalid: {e}"))?;
    let result = run_and_report(
        &loaded,
        loaded.agents.clone(),
        &args.policy,
        &formats,
        &args.output_dir,
        color,
    );
    let _ = stop_tx.send(());
    let _ = lab.join();
    result
}
