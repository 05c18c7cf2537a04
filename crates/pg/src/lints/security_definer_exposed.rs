use launchguard_core::{CheckDef, Severity, TargetKind};

use super::Violation;
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "fn.security_definer_exposed",
    agent: "postgres",
    title: "SECURITY DEFINER function callable through the API",
    severity: Severity::High,
    what: "Fails for a SECURITY DEFINER function in an exposed schema that anon or authenticated may EXECUTE (it is \
           then reachable as /rest/v1/rpc/<name>). Extension functions are skipped. Matches splinter 0028 and 0029 \
           (anon/authenticated_security_definer_function_executable).",
    why: "A definer function runs with its owner's rights and skips the caller's RLS. Unless it filters by the \
          caller's tenant itself, it hands every tenant's rows (or writes) to any API caller; \
          tenant.cross_read_via_function shows whether it does.",
    fix: "Make it SECURITY INVOKER, or revoke EXECUTE from anon/authenticated (and PUBLIC), or move it to a schema \
          the API does not expose; if it must stay, filter by the caller's tenant inside and set search_path.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0028_anon_security_definer_function_executable",
    ],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    catalog
        .functions
        .iter()
        .filter(|f| {
            f.security_definer
                && f.api_can_execute
                && !f.extension_member
                && catalog.is_exposed_schema(&f.schema)
        })
        .map(|f| Violation {
            object: f.signature(),
            kind: TargetKind::Table,
            message: format!(
                "{} runs as {} and the API roles may call it",
                f.signature(),
                f.owner
            ),
            evidence: vec![
                ("function", f.signature().into()),
                ("owner", f.owner.as_str().into()),
            ],
            stable_key: String::new(),
            severity: None,
        })
        .collect()
}
