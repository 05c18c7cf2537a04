use launchguard_core::{CheckDef, Severity};

use super::error::Unverified;
use super::{Attempt, Control, PairCase, cross_read};

pub static CHECK: CheckDef = CheckDef {
    id: "probe.control_failed",
    agent: "postgres",
    title: "Positive control failed: a tenant's user cannot see its own rows",
    severity: Severity::Medium,
    what: "Before probing a relation as tenant A's user, checks that this user sees A's own rows (which the service \
           role confirmed exist). When it does not, every tenant probe on that relation is inconclusive and \
           reported as `error`, never `pass`; unless a lint already explains why no row is visible (a deny-all \
           table, rls.enabled_no_policy): then the control and the probes are `skipped` with that reason.",
    why: "RLS denials are silent (0 rows, no error). Without a positive control, wrong claims, a missing grant or a \
          deny-all table would make every cross-tenant probe look blocked: a false all-clear.",
    fix: "Check [postgres].claims_template and tenants against how the policies identify the tenant, and that the \
          authenticated role has SELECT on the relation. Policies that read user_metadata get the user's own \
          tenant there ([postgres].tamper_claim), as the application sets it.",
    references: &["https://supabase.com/docs/guides/database/postgres/row-level-security"],
};

/// A's user must see A's own rows, or no blocked probe in this case means anything.
pub(super) fn judge(case: &PairCase<'_>) -> Control {
    let tenant = case.a.id.clone();
    Control {
        attempt: Attempt::new(
            case.as_a,
            cross_read::sql(case.probed.relation, case.probed.tenant_column),
            vec![tenant.clone()],
        ),
        otherwise: if case.sample_a.is_none() {
            Unverified::NoOwnRow { tenant }
        } else {
            Unverified::OwnRowsHidden { tenant }
        },
    }
}
