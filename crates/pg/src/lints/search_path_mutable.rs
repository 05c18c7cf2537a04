use launchguard_core::{CheckDef, Severity, TargetKind};

use super::Violation;
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "fn.search_path_mutable",
    agent: "postgres",
    title: "Function without a fixed search_path",
    severity: Severity::Medium,
    what: "Fails for a function in an exposed schema that does not set `search_path` in its configuration. Extension \
           functions are skipped. High when the function is SECURITY DEFINER. Matches splinter 0011 \
           (function_search_path_mutable).",
    why: "Unqualified names inside the function resolve through the caller's search_path. A caller who can create \
          objects earlier in the path can substitute a table or operator, and in a definer function run it with \
          the owner's rights.",
    fix: "ALTER FUNCTION ... SET search_path = '' (and qualify every name inside), or set it to the exact schemas the \
          function needs.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0011_function_search_path_mutable",
    ],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    catalog
        .functions
        .iter()
        .filter(|f| {
            !f.fixed_search_path && !f.extension_member && catalog.is_exposed_schema(&f.schema)
        })
        .map(|f| Violation {
            object: f.signature(),
            kind: TargetKind::Table,
            message: format!(
                "{} has no fixed search_path{}",
                f.signature(),
                if f.security_definer {
                    " and runs as its owner (SECURITY DEFINER)"
                } else {
                    ""
                }
            ),
            evidence: vec![
                ("function", f.signature().into()),
                ("security_definer", f.security_definer.into()),
            ],
            stable_key: String::new(),
            severity: f.security_definer.then_some(Severity::High),
        })
        .collect()
}
