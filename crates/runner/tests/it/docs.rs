//! Everything derived from the one list of agents agrees with it: the registry, the generated
//! docs (checks, configuration reference and schema), the starter configuration and the help text.
//! `scripts/generate-docs.sh` (LAUNCHGUARD_BLESS=1) rewrites the generated files.

use std::collections::BTreeSet;
use std::path::Path;

use launchguard::agents::{AGENTS, check_prefixes, names, registry, starter_config};
use launchguard::catalog::markdown_catalog;
use launchguard::reference::{config_reference, config_schema_json};
use launchguard::report::json::schema;
use launchguard_core::CheckDef;
use launchguard_core::config::{Environment, LoadedConfig, config_schema};
use serde_json::Value;

use crate::support::workspace_root;

fn assert_current(relative: &str, generated: &str) {
    let path = workspace_root().join(relative);
    if std::env::var_os("LAUNCHGUARD_BLESS").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{relative} is stale: run scripts/generate-docs.sh and commit the result"
    );
}

#[test]
fn generated_docs_are_current() {
    assert_current("docs/checks.md", &markdown_catalog(&registry()));
    assert_current("docs/report.schema.json", &schema());
    assert_current("docs/config.md", &config_reference());
    assert_current("docs/config.schema.json", &config_schema_json());
}

/// Each agent crate's own list of checks, named here independently of the registrations: a
/// registration that lists the wrong checks, or an agent missing from `AGENTS`, shows up below.
fn crate_check_lists() -> Vec<(&'static str, Vec<&'static CheckDef>)> {
    vec![
        ("health", launchguard_http::health::CHECKS.to_vec()),
        ("http", launchguard_http::surface::CHECKS.to_vec()),
        ("ratelimit", launchguard_http::ratelimit::CHECKS.to_vec()),
        ("tenants", launchguard_http::tenants::CHECKS.to_vec()),
        ("postgrest", launchguard_http::postgrest::CHECKS.to_vec()),
        ("tls", launchguard_tls::CHECKS.to_vec()),
        ("dns", launchguard_dns::CHECKS.to_vec()),
        ("postgres", launchguard_pg::CHECKS.to_vec()),
        ("logs", launchguard_secrets::CHECKS.to_vec()),
    ]
}

#[test]
fn the_registry_is_the_union_of_the_registered_agents() {
    let registry = registry();
    let names = names();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "an agent is registered twice");
    let lists = crate_check_lists();
    assert_eq!(
        lists.iter().map(|(name, _)| *name).collect::<BTreeSet<_>>(),
        unique,
        "the agent crates and AGENTS disagree"
    );
    let mut total = 0;
    for (name, checks) in &lists {
        let kind = AGENTS.iter().find(|k| k.name() == *name).unwrap();
        assert_eq!(kind.checks().len(), checks.len(), "{name}");
        for def in checks {
            total += 1;
            let registered = registry
                .get(def.id)
                .unwrap_or_else(|| panic!("{} is not in the registry", def.id));
            assert_eq!(
                registered.agent, *name,
                "{} names agent {}",
                def.id, registered.agent
            );
        }
    }
    assert_eq!(
        registry.len(),
        total,
        "the registry holds checks no agent lists"
    );
}

fn property_names(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                names.extend(props.keys().cloned());
            }
            map.values().for_each(|v| property_names(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| property_names(v, names)),
        _ => {}
    }
}

#[test]
fn the_configuration_reference_and_schema_cover_every_agent_and_key() {
    let schema = config_schema(AGENTS).to_value();
    let sections: BTreeSet<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected: BTreeSet<&str> = names().into_iter().collect();
    expected.insert("scope");
    assert_eq!(sections, expected);
    let reference = config_reference();
    for name in names() {
        assert!(
            reference.contains(&format!("## `[{name}]`")),
            "docs/config.md has no [{name}] section"
        );
    }
    let mut keys = BTreeSet::new();
    property_names(&schema, &mut keys);
    keys.retain(|k| !sections.contains(k.as_str()));
    assert!(
        keys.contains("latency_budget_ms") && keys.contains("hosts"),
        "{keys:?}"
    );
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !reference.contains(&format!("| `{k}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/config.md has no row for {missing:?}"
    );
}

#[test]
fn the_help_names_every_agent_and_its_checks() {
    let help = launchguard::cli::command().render_long_help().to_string();
    // The help is wrapped to the terminal: compare with white space folded.
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for kind in AGENTS {
        assert!(
            help.contains(kind.name()),
            "--help does not name {}",
            kind.name()
        );
        assert!(
            help.contains(&check_prefixes(*kind)),
            "--help does not list the checks of {}",
            kind.name()
        );
    }
}

#[test]
fn the_starter_contacts_nothing_and_each_agent_section_loads_once_uncommented() {
    let starter = starter_config();
    let loaded = LoadedConfig::parse(
        Path::new("starter.toml"),
        &starter,
        AGENTS,
        &Environment::process(),
    )
    .expect("starter loads");
    assert!(
        loaded.agents.is_empty(),
        "the starter must contact nothing until edited"
    );
    for kind in AGENTS {
        let uncommented: String = kind
            .starter()
            .lines()
            .filter(|line| {
                line.starts_with("# [") || line.starts_with("# ") && line.contains(" = ")
            })
            .map(|line| {
                let line = line.trim_start_matches("# ");
                let code = line.split("  #").next().unwrap_or(line);
                format!("{}\n", code.trim_end())
            })
            .collect();
        let text = format!("[scope]\nhosts = [\"*.example.com\"]\n{uncommented}");
        let loaded = LoadedConfig::parse(
            Path::new("launchguard.toml"),
            &text,
            AGENTS,
            &Environment::process(),
        )
        .unwrap_or_else(|e| {
            panic!(
                "the starter's [{}] section does not load: {e}\n{text}",
                kind.name()
            )
        });
        assert_eq!(loaded.agents.len(), 1, "{text}");
        assert_eq!(loaded.agents[0].name(), kind.name());
    }
}

/// The launchguard crates `section` of a manifest names.
fn launchguard_deps(manifest: &toml::Table, section: &str) -> BTreeSet<String> {
    manifest
        .get(section)
        .and_then(toml::Value::as_table)
        .map(|deps| {
            deps.keys()
                .filter_map(|name| name.strip_prefix("launchguard-"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn agent_crates_import_only_core_net_and_secrets() {
    let crates = workspace_root().join("crates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(dir.join("Cargo.toml")).unwrap()).unwrap();
        let deps = launchguard_deps(&manifest, "dependencies");
        let allowed: &[&str] = match name.as_str() {
            "runner" => continue,
            "core" | "lab" => &[],
            "net" => &["core"],
            // An agent: the model, the network layer, and the secrets engine to scan content.
            _ => &["core", "net", "secrets"],
        };
        let forbidden: Vec<&String> = deps
            .iter()
            .filter(|d| !allowed.contains(&d.as_str()))
            .collect();
        assert!(
            forbidden.is_empty(),
            "crates/{name} depends on {forbidden:?}; see docs/architecture.md"
        );
        let dev = launchguard_deps(&manifest, "dev-dependencies");
        assert!(
            !dev.contains("runner"),
            "crates/{name} must not depend on the runner, even in tests"
        );
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} crates checked");
}
