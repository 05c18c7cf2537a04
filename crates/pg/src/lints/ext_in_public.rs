use launchguard_core::{CheckDef, Severity, TargetKind};

use super::Violation;
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "ext.in_public",
    agent: "postgres",
    title: "Extension installed in an exposed schema",
    severity: Severity::Low,
    what: "Fails for an extension (other than plpgsql) installed in an exposed schema such as public. Matches \
           splinter 0014 (extension_in_public).",
    why: "An extension's functions, types and tables land in the exposed schema and become part of the API surface \
          (callable over /rpc), often with EXECUTE granted to PUBLIC.",
    fix: "Install extensions in a dedicated schema (`CREATE EXTENSION ... SCHEMA extensions`, or ALTER EXTENSION ... \
          SET SCHEMA extensions where the extension allows it).",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0014_extension_in_public",
    ],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    catalog
        .exposed_extensions
        .iter()
        .map(|extension| Violation {
            object: format!("extension:{}", extension.name),
            kind: TargetKind::Host,
            message: format!(
                "extension {} is installed in exposed schema {}",
                extension.name, extension.schema
            ),
            evidence: vec![
                ("extension", extension.name.as_str().into()),
                ("schema", extension.schema.as_str().into()),
            ],
            stable_key: String::new(),
            severity: None,
        })
        .collect()
}
