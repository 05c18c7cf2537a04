use launchguard_core::{CheckDef, Severity, TargetKind};

use super::Violation;
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.bypass_role_reachable",
    agent: "postgres",
    title: "An API role can become a BYPASSRLS or superuser role",
    severity: Severity::High,
    what: "Follows role memberships from anon, authenticated and [postgres].backend_roles and fails when one of them \
           is, or can SET ROLE to, a superuser or BYPASSRLS role. The authenticator's membership in the service \
           role is expected and not reported. No splinter equivalent.",
    why: "A role that can become a BYPASSRLS role can read and write every tenant's rows with one SET ROLE: a single \
          SQL injection or a misused connection string undoes all tenant isolation.",
    fix: "REVOKE the membership; give the backend its own role without BYPASSRLS, and keep the service role's key \
          on the server only.",
    references: &["https://www.postgresql.org/docs/current/role-membership.html"],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    catalog
        .bypass_reachable
        .iter()
        .map(|(role, reachable)| {
            let reachable: Vec<String> = reachable.iter().cloned().collect();
            Violation {
                object: format!("role:{role}"),
                kind: TargetKind::Host,
                message: format!(
                    "role {role} can become {} (superuser or BYPASSRLS)",
                    reachable.join(", ")
                ),
                evidence: vec![
                    ("role", role.as_str().into()),
                    ("reachable_bypass_roles", reachable.clone().into()),
                ],
                stable_key: reachable.join(","),
                severity: None,
            }
        })
        .collect()
}
