use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{Finding, Scope, Status, Timeouts, run_alone};
use launchguard_dns::AGENT;

/// Runs the agent on `section` (a `[dns]` section) with every loopback lab address in scope.
pub async fn audit(section: &str, budget: u32, deadline_secs: u64) -> Vec<Finding> {
    let config = format!(
        "[scope]\nhosts = [\"127.0.0.1\", \"127.0.0.2\", \"127.0.0.3\", \"127.0.0.4\"]\nrequests_per_host = {budget}\nagent_deadline_secs = {deadline_secs}\n\n{section}"
    );
    let loaded = LoadedConfig::parse(
        Path::new("/tmp/launchguard.toml"),
        &config,
        &[&AGENT],
        &Environment::process(),
    )
    .unwrap_or_else(|e| panic!("{e}\n{config}"));
    let configured = loaded.agent("dns").expect("a [dns] section");
    let hosts: Vec<String> = loaded
        .scope
        .hosts
        .iter()
        .map(|h| h.get_ref().clone())
        .collect();
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(2),
        agent_deadline: Duration::from_secs(deadline_secs),
    };
    let scope = Arc::new(Scope::new(&hosts, budget, timeouts).unwrap());
    run_alone(configured.agent.as_ref(), scope, timeouts.agent_deadline)
        .await
        .expect("the agent finished before its deadline")
}

/// `check -> (status, message)` for one domain's target.
pub fn by_check(findings: &[Finding], domain: &str) -> BTreeMap<String, (Status, String)> {
    let target = format!("dns:{domain}");
    let mut map = BTreeMap::new();
    for f in findings.iter().filter(|f| f.target.id == target) {
        let previous = map.insert(f.check.to_string(), (f.status, f.message.clone()));
        assert!(
            previous.is_none(),
            "two findings for {} on {domain}",
            f.check
        );
    }
    assert_eq!(
        map.len(),
        launchguard_dns::CHECKS.len(),
        "one finding per check on {domain}: {map:#?}"
    );
    map
}

pub fn status(map: &BTreeMap<String, (Status, String)>, check: &str) -> Status {
    map.get(check).unwrap_or_else(|| panic!("no {check}")).0
}
