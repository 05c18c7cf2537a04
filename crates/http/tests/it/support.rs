//! Running one agent of this crate from configuration text, as the runner would.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{AgentKind, Finding, Scope, Status, Timeouts, run_alone};

pub struct Run {
    pub findings: Vec<Finding>,
    pub scope: Arc<Scope>,
    pub elapsed: Duration,
}

impl Run {
    pub fn get(&self, check: &str, target: &str) -> &Finding {
        self.findings
            .iter()
            .find(|f| f.check.as_str() == check && f.target.id == target)
            .unwrap_or_else(|| panic!("no {check} on {target}: {:#?}", self.findings))
    }

    pub fn status(&self, check: &str, target: &str) -> Status {
        self.get(check, target).status
    }
}

/// Parses `config` for `kind` alone, runs the agent against a scope of `hosts` with
/// `requests_per_host`, and returns its findings.
pub async fn run(
    kind: &'static dyn AgentKind,
    config: &str,
    env: &Environment,
    hosts: &[&str],
    requests_per_host: u32,
) -> Run {
    let loaded = LoadedConfig::parse(Path::new("test.toml"), config, &[kind], env)
        .unwrap_or_else(|e| panic!("{e}"));
    let agent = loaded
        .agent(kind.name())
        .expect("the section")
        .agent
        .clone();
    let timeouts = Timeouts {
        connect: Duration::from_millis(500),
        request: Duration::from_millis(2_000),
        agent_deadline: Duration::from_secs(30),
    };
    let hosts: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
    let scope = Arc::new(Scope::new(&hosts, requests_per_host, timeouts).unwrap());
    let started = std::time::Instant::now();
    let findings = run_alone(agent.as_ref(), scope.clone(), timeouts.agent_deadline)
        .await
        .expect("the agent finished in time");
    Run {
        findings,
        scope,
        elapsed: started.elapsed(),
    }
}

/// The configuration error `config` gets, as shown to users.
pub fn config_error(kind: &'static dyn AgentKind, config: &str) -> String {
    match LoadedConfig::parse(
        Path::new("test.toml"),
        config,
        &[kind],
        &Environment::process(),
    ) {
        Ok(_) => panic!("accepted: {config}"),
        Err(e) => e.to_string(),
    }
}
