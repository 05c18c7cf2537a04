//! `docs/config.md` and `docs/config.schema.json`, generated from `[scope]`, the list of agents and
//! each agent's configuration type; a test keeps the checked-in copies current.

use std::fmt::Write as _;

use launchguard_core::config::config_schema;
use serde_json::{Map, Value};

use crate::agents::{AGENTS, check_prefixes};

/// The configuration's JSON Schema, pretty-printed.
pub fn config_schema_json() -> String {
    let schema = config_schema(AGENTS).to_value();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&schema).expect("a schema serializes")
    )
}

/// The configuration reference: every section and key, with each agent's notes.
pub fn config_reference() -> String {
    let schema = config_schema(AGENTS).to_value();
    let definitions = schema["$defs"].as_object().cloned().unwrap_or_default();
    let resolve = |value: &Value| -> Value { resolved(value, &definitions) };
    let mut out = String::from(include_str!("config_intro.md"));
    key_tables(
        &mut out,
        "scope",
        &resolve(&schema["properties"]["scope"]),
        &definitions,
    );
    for kind in AGENTS {
        let name = kind.name();
        let _ = write!(
            out,
            "\n## `[{name}]`\n\n{}. Checks: {} (see [checks.md](checks.md)).\n\n{}\n",
            capitalised(kind.about()),
            check_prefixes(*kind)
                .split(", ")
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            kind.guide().trim_end()
        );
        key_tables(
            &mut out,
            name,
            &resolve(&schema["properties"][name]),
            &definitions,
        );
    }
    out.push('\n');
    out.push_str(include_str!("config_tail.md"));
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Follows `$ref` and unwraps `Option` (`anyOf` with null) to the schema that describes a value.
fn resolved(value: &Value, definitions: &Map<String, Value>) -> Value {
    if let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        let mut target = definitions.get(name).cloned().unwrap_or(Value::Null);
        if let (Some(map), Some(description)) = (target.as_object_mut(), value.get("description")) {
            map.insert("description".into(), description.clone());
        }
        return resolved(&target, definitions);
    }
    for combinator in ["anyOf", "oneOf"] {
        if let Some(variants) = value.get(combinator).and_then(Value::as_array) {
            let non_null: Vec<&Value> = variants
                .iter()
                .filter(|v| v.get("type") != Some(&Value::from("null")))
                .collect();
            if non_null.len() == 1 && variants.len() == 2 {
                let mut inner = resolved(non_null[0], definitions);
                if let (Some(map), Some(description)) =
                    (inner.as_object_mut(), value.get("description"))
                {
                    map.insert("description".into(), description.clone());
                }
                return inner;
            }
        }
    }
    value.clone()
}

/// A table of the keys of `section` (an object schema), then one table per nested
/// array-of-tables key (`[[tls.targets]]`).
fn key_tables(out: &mut String, section: &str, schema: &Value, definitions: &Map<String, Value>) {
    let properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut keys: Vec<&String> = properties.keys().collect();
    keys.sort_by_key(|k| (!required.contains(&k.as_str()), k.as_str()));
    out.push_str("\n| key | type | default | meaning |\n|---|---|---|---|\n");
    let mut nested = Vec::new();
    for key in keys {
        let property = resolved(&properties[key], definitions);
        let items = property.get("items").map(|i| resolved(i, definitions));
        let is_table_list = items
            .as_ref()
            .is_some_and(|i| i.get("properties").is_some());
        if let (true, Some(items)) = (is_table_list, &items) {
            nested.push((format!("{section}.{key}"), items.clone()));
        }
        let default = match (
            property.get("default").filter(|d| !d.is_null()),
            required.contains(&key.as_str()),
        ) {
            (Some(value), _) => format!("`{}`", value),
            (None, true) => "— (required)".to_owned(),
            (None, false) => "—".to_owned(),
        };
        let mut meaning = property["description"]
            .as_str()
            .unwrap_or_default()
            .replace('\n', " ");
        if is_table_list {
            meaning.push_str(&format!(" Keys: see `[[{section}.{key}]]` below."));
        }
        let _ = writeln!(
            out,
            "| `{key}` | {} | {} | {} |",
            type_name(&property, items.as_ref()),
            default.replace('|', "\\|"),
            meaning.replace('|', "\\|")
        );
    }
    for (name, items) in nested {
        let _ = writeln!(out, "\n### `[[{name}]]`");
        key_tables(out, &name, &items, definitions);
    }
}

fn type_name(schema: &Value, items: Option<&Value>) -> String {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(" or ");
    }
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        let constants: Vec<String> = variants
            .iter()
            .filter_map(|v| v.get("const").or_else(|| v["enum"].get(0)))
            .map(|v| format!("`{v}`"))
            .collect();
        if !constants.is_empty() {
            return constants.join(" or ");
        }
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.clone(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("value")
            .to_owned(),
        _ => "value".to_owned(),
    };
    match kind.as_str() {
        "integer" if schema.get("minimum").and_then(Value::as_u64) == Some(1) => {
            "integer ≥ 1".to_owned()
        }
        "array" => match items {
            Some(items) if items.get("properties").is_some() => "array of tables".to_owned(),
            Some(items) => format!("list of {}s", type_name(items, None)),
            None => "list".to_owned(),
        },
        "object" => "table".to_owned(),
        other => other.to_owned(),
    }
}
