//! The one list of agents, and with it the registry of every check.

use std::sync::Arc;

use launchguard_core::config::LoadedConfig;
use launchguard_core::{Agent, CheckDef, Registry};

/// Every agent launchguard has, by the name `--only` / `--skip` and the config section use.
pub const AGENT_NAMES: &[&str] = &["health", "tls", "postgres", "logs"];

/// Every agent's checks, in one list: the registry.
pub fn check_groups() -> [&'static [&'static CheckDef]; 4] {
    [
        launchguard_http::health::CHECKS,
        launchguard_tls::CHECKS,
        launchguard_pg::CHECKS.as_slice(),
        launchguard_secrets::CHECKS.as_slice(),
    ]
}

pub fn registry() -> Registry {
    Registry::new(&check_groups()).expect("the built-in checks form a valid registry (tested)")
}

/// Values that replace what agents would read from the environment (the demo lab's database URL).
#[derive(Debug, Default)]
pub struct Overrides {
    pub postgres_url: Option<String>,
}

/// The agents the configuration sets up, in [`AGENT_NAMES`] order.
pub fn configured(config: &LoadedConfig, overrides: Overrides) -> Vec<Arc<dyn Agent>> {
    let mut agents: Vec<Arc<dyn Agent>> = Vec::new();
    if let Some(health) = &config.config.health {
        agents.push(Arc::new(launchguard_http::HealthAgent::new(
            health,
            |offset| config.line_of(offset),
        )));
    }
    let base = config.path.parent().unwrap_or(std::path::Path::new("."));
    if let Some(tls) = &config.config.tls {
        agents.push(Arc::new(launchguard_tls::TlsAgent::new(
            tls,
            base,
            |offset| config.line_of(offset),
        )));
    }
    if let Some(postgres) = &config.config.postgres {
        let agent = launchguard_pg::PgAgent::new(postgres, |offset| config.line_of(offset));
        agents.push(Arc::new(match overrides.postgres_url {
            Some(url) => agent.with_url(url),
            None => agent,
        }));
    }
    if let Some(logs) = &config.config.logs {
        agents.push(Arc::new(launchguard_secrets::LogsAgent::new(
            logs,
            base,
            |offset| config.line_of(offset),
        )));
    }
    agents
}
