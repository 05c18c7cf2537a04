//! Generated docs stay current, and the hand-written config reference names every key.
//! `scripts/generate-docs.sh` (LAUNCHGUARD_BLESS=1) rewrites the generated files.

use std::collections::BTreeSet;
use std::path::Path;

use launchguard::agents::{check_groups, registry};
use launchguard::catalog::{STARTER_CONFIG, markdown_catalog};
use launchguard::report::json::schema;
use launchguard_core::Registry;
use launchguard_core::config::{Config, LoadedConfig};
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
}

#[test]
fn the_registry_of_every_agent_is_valid() {
    let registry = Registry::new(&check_groups()).expect("unique, well-formed, documented checks");
    assert!(registry.len() >= 4);
    for def in registry.iter() {
        assert!(
            launchguard::agents::AGENT_NAMES.contains(&def.agent),
            "{} names unknown agent {}",
            def.id,
            def.agent
        );
    }
    // A group forgotten in check_groups() would lose its docs, SARIF rules and `explain`.
    let every_agent = launchguard_http::health::CHECKS
        .iter()
        .chain(launchguard_pg::CHECKS.iter())
        .chain(launchguard_secrets::CHECKS.iter());
    for def in every_agent {
        assert!(
            registry.get(def.id).is_some(),
            "{} is not in the registry",
            def.id
        );
    }
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
fn config_reference_documents_every_key() {
    let schema = serde_json::to_value(schemars::schema_for!(Config)).unwrap();
    let mut keys = BTreeSet::new();
    property_names(&schema, &mut keys);
    assert!(
        keys.contains("latency_budget_ms") && keys.contains("hosts"),
        "{keys:?}"
    );
    let reference = std::fs::read_to_string(workspace_root().join("docs/config.md")).unwrap();
    let documented = |k: &String| {
        reference.contains(&format!("`{k}`")) || reference.contains(&format!("`[{k}]`"))
    };
    let missing: Vec<&String> = keys.iter().filter(|k| !documented(k)).collect();
    assert!(
        missing.is_empty(),
        "docs/config.md does not document {missing:?}"
    );
}

#[test]
fn the_starter_config_loads() {
    LoadedConfig::parse(Path::new("starter.toml"), STARTER_CONFIG).expect("starter loads");
}
