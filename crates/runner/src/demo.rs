//! `launchguard demo`: a lab of services with planted flaws (and clean controls) on loopback
//! ephemeral ports, a configuration for it, and an audit of it in every report format.
//!
//! Every agent adds its own flaws and controls to [`start_lab`].

use anyhow::Context;
use launchguard_core::config::{Environment, LoadedConfig};

use launchguard_lab::pg::LabDatabase;

use crate::agents::AGENTS;

/// The variable the demo configuration names for the lab database's URL; the demo hands the URL in
/// through the [`Environment`], never through the process environment.
const LAB_DATABASE_URL_VAR: &str = "LAUNCHGUARD_DEMO_PG_URL";
use crate::audit::{Run, run_and_report};
use crate::cli::{DemoArgs, ReportArgs, ReportFormat};

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

/// What the lab thread hands back once everything listens.
struct Started {
    config: String,
    /// Credentials the configuration names (the tenant lab's tokens), handed in through the
    /// [`Environment`].
    credentials: Vec<(String, String)>,
    openssl_skipped: Option<String>,
    dns_skipped: Option<String>,
    postgres_url: Option<String>,
    postgres_skipped: Option<String>,
}

/// The rate-limit lab and the multi-tenant API: their config sections and the tenants' tokens.
async fn start_http_labs() -> anyhow::Result<(String, Vec<(String, String)>)> {
    let limits = launchguard_lab::ratelimit::start().await?;
    let tenants = launchguard_lab::tenants::start(2, 2).await?;
    let sections = format!(
        "{}{}",
        launchguard_lab::ratelimit::demo_section(limits.addr),
        launchguard_lab::tenants::demo_section(&tenants)
    );
    Ok((sections, tenants.env_vars()))
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
            let (services, tls) = match launchguard_lab::health::start().await {
                Ok(config) => match launchguard_lab::tls_sites::start(&lab_dir).await {
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
            let services = match launchguard_lab::http_sites::start(&lab_dir).await {
                Ok(http) => format!("{services}{}", http.section),
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                    return;
                }
            };
            let (services, credentials) = match start_http_labs().await {
                Ok((sections, credentials)) => (format!("{services}{sections}"), credentials),
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                    return;
                }
            };
            let openssl_skipped = tls.openssl_skipped.clone();
            let (services, dns, dns_skipped) =
                match launchguard_lab::dns::start_lab(&lab_dir.join("dns-lab")).await {
                    Ok(dns) => {
                        let section = dns.config_section(&["clean.test", "lab.test"]);
                        (
                            format!(
                                "{services}
# Planted: lab.test has one DNS flaw per check (see crates/lab/src/dns.rs); clean.test is signed and clean.
{section}"
                            ),
                            Some(dns),
                            None,
                        )
                    }
                    Err(reason) => (services, None, Some(format!("{reason:#}"))),
                };
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
                    dns_skipped,
                    credentials,
                    postgres_url: Some(pg.url.clone()),
                    postgres_skipped: None,
                },
                Err(reason) => Started { config: services, credentials, openssl_skipped, dns_skipped, postgres_url: None, postgres_skipped: Some(reason.clone()) },
            };
            let _ = started_tx.send(Ok(started));
            let _ = stop_rx.await;
            drop(tls);
            drop(dns);
            if let Ok(pg) = postgres {
                pg.lab.drop().await;
            }
        });
        Ok(())
    });
    let started = started_rx.recv().context("the lab did not start")??;
    launchguard_lab::logs::write(&args.output_dir.join("logs"))?;
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
        if let Some(reason) = &started.dns_skipped {
            eprintln!(
                "skipped the DNS part of the lab: {reason}. Install Knot DNS and ldns's tools \
                 (apt-get install knot ldnsutils) to include it."
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
    for (name, value) in started.credentials {
        env = env.with_var(name, value);
    }
    if let Some(url) = started.postgres_url {
        env = env.with_var(LAB_DATABASE_URL_VAR, url);
    }
    let loaded = LoadedConfig::load(&config_path, AGENTS, &env)
        .map_err(|e| anyhow::anyhow!("the demo configuration is invalid: {e}"))?;
    let report_args = ReportArgs {
        formats,
        output: None,
        output_dir: args.output_dir.clone(),
        view: args.view.clone(),
        notify: args.notify.clone(),
        policy: args.policy.clone(),
    };
    let result = run_and_report(
        &loaded,
        loaded.agents.clone(),
        &Run {
            selection: None,
            shard: None,
            report: &report_args,
        },
        color,
    );
    let _ = stop_tx.send(());
    let _ = lab.join();
    result
}
