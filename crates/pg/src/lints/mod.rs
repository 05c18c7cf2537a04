//! Catalog lints: what the system catalogs alone prove. Each lint is one file with its docs.

mod auth_users_exposed;
mod bypass_role_reachable;
mod check_not_tenant_scoped;
mod disabled;
mod enabled_no_policy;
mod ext_in_public;
mod matview_exposed;
mod owner_bypass;
mod partition_unprotected;
mod policy_always_true;
mod search_path_mutable;
mod security_definer_exposed;
mod sensitive_column_exposed;
mod user_metadata_trusted;
mod view_bypass;

use launchguard_core::{CheckDef, EvidenceValue, Finding, Severity, Target, TargetKind};

use crate::catalog::{Catalog, Policy, Relation};
use crate::settings::Settings;

/// One object a lint flags.
pub(crate) struct Violation {
    /// `schema.table`, a role or a function signature.
    pub object: String,
    pub kind: TargetKind,
    pub message: String,
    pub evidence: Vec<(&'static str, EvidenceValue)>,
    /// What distinguishes several violations on one object (a policy name).
    pub stable_key: String,
    pub severity: Option<Severity>,
}

impl Violation {
    pub fn on(relation: &Relation, message: String) -> Self {
        Violation {
            object: relation.qualified_name(),
            kind: TargetKind::Table,
            message,
            evidence: vec![(
                "object",
                format!("{} {}", relation.kind.name(), relation.qualified_name()).into(),
            )],
            stable_key: String::new(),
            severity: None,
        }
    }

    pub fn with(mut self, key: &'static str, value: impl Into<EvidenceValue>) -> Self {
        self.evidence.push((key, value.into()));
        self
    }
}

type Lint = fn(&Catalog, &Settings) -> Vec<Violation>;

pub(crate) static LINTS: &[(&CheckDef, Lint)] = &[
    (&disabled::CHECK, disabled::lint),
    (&enabled_no_policy::CHECK, enabled_no_policy::lint),
    (&policy_always_true::CHECK, policy_always_true::lint),
    (
        &check_not_tenant_scoped::CHECK,
        check_not_tenant_scoped::lint,
    ),
    (&user_metadata_trusted::CHECK, user_metadata_trusted::lint),
    (&owner_bypass::CHECK, owner_bypass::lint),
    (&bypass_role_reachable::CHECK, bypass_role_reachable::lint),
    (&partition_unprotected::CHECK, partition_unprotected::lint),
    (&view_bypass::CHECK, view_bypass::lint),
    (&matview_exposed::CHECK, matview_exposed::lint),
    (&auth_users_exposed::CHECK, auth_users_exposed::lint),
    (
        &security_definer_exposed::CHECK,
        security_definer_exposed::lint,
    ),
    (&search_path_mutable::CHECK, search_path_mutable::lint),
    (
        &sensitive_column_exposed::CHECK,
        sensitive_column_exposed::lint,
    ),
    (&ext_in_public::CHECK, ext_in_public::lint),
];

/// Runs every lint: failures per object, or one pass for the database saying what was examined.
pub(crate) fn run(catalog: &Catalog, settings: &Settings, database: &Target) -> Vec<Finding> {
    let examined = format!(
        "{} relations, {} policies and {} functions in schemas [{}] ({})",
        catalog.relations.len(),
        catalog.policies.len(),
        catalog
            .functions
            .iter()
            .filter(|f| catalog.is_exposed_schema(&f.schema))
            .count(),
        catalog.exposed_schemas.join(", "),
        catalog.schemas_source
    );
    let mut findings = Vec::new();
    for (check, lint) in LINTS {
        let violations = lint(catalog, settings);
        if violations.is_empty() {
            findings.push(
                Finding::pass(
                    check,
                    database.clone(),
                    format!("nothing found in {examined}"),
                )
                .with_evidence("exposed_schemas", catalog.exposed_schemas.clone()),
            );
        }
        for v in violations {
            let target = database.child(&v.object, v.kind, format!("db:{}", v.object));
            let mut finding =
                Finding::fail(check, target, v.message).with_stable_key(&v.stable_key);
            if let Some(severity) = v.severity {
                finding = finding.with_severity(severity);
            }
            for (key, value) in v.evidence {
                finding = finding.with_evidence(key, value);
            }
            findings.push(finding);
        }
    }
    findings
}

/// Permissive policies that apply to the API roles, with the relation they protect.
pub(crate) fn api_policies<'a>(
    catalog: &'a Catalog,
    settings: &'a Settings,
) -> impl Iterator<Item = (&'a Policy, &'a Relation)> {
    catalog
        .policies
        .iter()
        .filter(|p| p.permissive && applies_to_api(p, settings))
        .filter_map(|p| catalog.relation(p.relation).map(|r| (p, r)))
}

/// Whether a policy applies to requests from the API roles.
pub(crate) fn applies_to_api(policy: &Policy, settings: &Settings) -> bool {
    policy
        .roles
        .iter()
        .any(|r| r == "public" || *r == settings.anon_role || *r == settings.authenticated_role)
}

/// Whether `expression` mentions `word` as a whole identifier.
pub(crate) fn mentions(expression: &str, word: &str) -> bool {
    expression.match_indices(word).any(|(at, _)| {
        let before = expression[..at].chars().next_back();
        let after = expression[at + word.len()..].chars().next();
        let is_ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !is_ident(before) && !is_ident(after)
    })
}

/// Why no row of `relation` is visible to the API roles, when a lint explains it: a failed
/// positive control is then expected, and the probes are skipped for this reason.
pub(crate) fn explains_no_visible_row(catalog: &Catalog, relation: &Relation) -> Option<String> {
    enabled_no_policy::denies_all(catalog, relation).then(|| {
        format!(
            "explained by {}: {} has RLS enabled and no policy, so no API role sees any row; nothing to probe \
             until it gets policies",
            enabled_no_policy::CHECK.id,
            relation.qualified_name()
        )
    })
}

/// Exposed tables and partitioned tables (not views).
pub(crate) fn exposed_tables(catalog: &Catalog) -> impl Iterator<Item = &Relation> {
    catalog.relations.iter().filter(|r| r.kind.is_table())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_whole_identifiers_only() {
        assert!(mentions("(tenant_id = current_tenant())", "tenant_id"));
        assert!(mentions("(t.tenant_id = x)", "tenant_id"));
        assert!(!mentions("(parent_tenant_id = x)", "tenant_id"));
        assert!(!mentions("(tenant_ids @> x)", "tenant_id"));
    }
}
