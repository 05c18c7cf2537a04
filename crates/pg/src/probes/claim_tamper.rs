use launchguard_core::{CheckDef, Severity};

use super::error::Unverified;
use super::{Actor, Attempt, PairCase, Step, cross_read};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.claim_tamper",
    agent: "postgres",
    title: "Editing a user-controlled claim grants another tenant's rows",
    severity: Severity::Critical,
    what: "Where tenant A's user (whose user-editable claim, [postgres].tamper_claim, default \
           user_metadata.tenant_id, names A as the application sets it) cannot read tenant B's rows, repeats the read \
           with that claim set to B. Fails when that makes B's rows \
           appear. Explained by rls.user_metadata_trusted.",
    why: "Users edit their own user_metadata through the public Auth API. A policy that trusts it lets any user \
          join any tenant without an exploit.",
    fix: "Take the tenant from app_metadata or a membership table keyed by auth.uid(); see \
          rls.user_metadata_trusted for the policy at fault.",
    references: &[
        "https://supabase.com/docs/guides/auth/managing-user-data#adding-and-retrieving-user-metadata",
    ],
};

/// Where A's user cannot read B's rows (and B has some), reads them again with the editable claim
/// set to B.
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    if case.sample_b.is_none() || case.was_allowed(&cross_read::CHECK) {
        return Step::NotApplicable;
    }
    match case.settings.claims(case.a, Some(&case.b.id)) {
        Ok(claims) => {
            let tampered = Actor {
                role: case.as_a.role.clone(),
                claims,
            };
            Step::attempt(Attempt::new(
                &tampered,
                cross_read::sql(case.probed.relation, case.probed.tenant_column),
                vec![case.b.id.clone()],
            ))
        }
        Err(reason) => Step::Unverified(Unverified::Claims(reason)),
    }
}
