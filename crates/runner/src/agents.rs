//! The one list of agents. The registry, `--only` / `--skip`, the starter configuration, the
//! configuration reference and schema, and the help text are all derived from it.

use std::fmt::Write as _;

use launchguard_core::{AgentKind, Registry};

/// Every agent launchguard has, in report order. Adding an agent is one line here.
pub static AGENTS: &[&dyn AgentKind] = &[
    &launchguard_http::health::AGENT,
    &launchguard_http::surface::AGENT,
    &launchguard_http::ratelimit::AGENT,
    &launchguard_http::tenants::AGENT,
    &launchguard_http::postgrest::AGENT,
    &launchguard_tls::AGENT,
    &launchguard_dns::AGENT,
    &launchguard_pg::AGENT,
    &launchguard_secrets::AGENT,
];

/// Every check of every agent.
pub fn registry() -> Registry {
    Registry::of_agents(AGENTS).expect("the built-in checks form a valid registry (tested)")
}

/// The agents' names, as `--only`, `--skip` and the config sections spell them.
pub fn names() -> Vec<&'static str> {
    AGENTS.iter().map(|a| a.name()).collect()
}

/// The distinct first segments of an agent's check IDs, as `tls.*, hsts.*`.
pub fn check_prefixes(kind: &dyn AgentKind) -> String {
    let mut prefixes: Vec<&str> = Vec::new();
    for def in kind.checks() {
        let prefix = def.id.split('.').next().unwrap_or(def.id);
        if !prefixes.contains(&prefix) {
            prefixes.push(prefix);
        }
    }
    prefixes
        .iter()
        .map(|p| format!("{p}.*"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `launchguard --help` says is implemented: one line per agent.
pub fn help_text() -> String {
    let mut text = String::from(
        "Verifies, with evidence, that a multi-tenant web product is safe to launch, and keeps \
         verifying it every week. Every check reports pass, fail (with evidence) or error (could not \
         verify).\n\nAgents (config section and --only/--skip name, what it verifies, its checks):\n",
    );
    for kind in AGENTS {
        let _ = writeln!(
            text,
            "  {:<9} {} ({})",
            kind.name(),
            kind.about(),
            check_prefixes(*kind)
        );
    }
    text.push_str(
        "\n`launchguard checks` lists every check; `launchguard explain ID` documents one.",
    );
    text
}

/// The starter configuration `launchguard init` writes: `[scope]` and every agent's section,
/// commented out, so that nothing is contacted until the file is edited.
pub fn starter_config() -> String {
    let mut text = String::from(include_str!("starter.toml"));
    for kind in AGENTS {
        text.push('\n');
        text.push_str(kind.starter());
    }
    text
}
