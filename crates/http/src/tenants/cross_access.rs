//! `tenant.cross_access.<kind>`: one check per kind of selector, one judge for all of them.

use launchguard_core::{CheckDef, Finding, Severity};

use super::{Asker, Probe, SelectorKind, SelectorRun};

const WHY: &str = "A user of one tenant reading another tenant's records is the breach a multi-tenant product \
                   exists to prevent: customer data, invoices and documents of every tenant are one request \
                   away for anyone with an account.";

const fn def(
    id: &'static str,
    title: &'static str,
    what: &'static str,
    fix: &'static str,
) -> CheckDef {
    CheckDef {
        id,
        agent: "tenants",
        title,
        severity: Severity::Critical,
        what,
        why: WHY,
        fix,
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
        ],
    }
}

pub static HEADER: CheckDef = def(
    "tenant.cross_access.header",
    "Another tenant's data through a tenant header",
    "With account A's credentials, requests each other account's resources with the selector header (by \
     default X-Tenant-Id) naming that tenant. Fails when the answer contains the other tenant's canary; a 200 \
     with A's own data means the header is ignored, which is fine. `error` when the positive control failed \
     or requests went unanswered and no leak was seen.",
    "Derive the tenant from the authenticated session (the JWT's claims, the server-side session), never \
     from a client header alone; if a header chooses among the user's tenants, check the membership on \
     every request.",
);

pub static SUBDOMAIN: CheckDef = def(
    "tenant.cross_access.subdomain",
    "Another tenant's data through its subdomain",
    "With account A's credentials, requests each other account's resources on that tenant's subdomain \
     (`B.app.example.com`). Fails when the answer contains the other tenant's canary. `error` when the \
     positive control failed or requests went unanswered and no leak was seen.",
    "Resolve the tenant from the subdomain, then check that the authenticated user belongs to it before \
     serving anything; scope session cookies to the tenant's host (no `Domain=` on the parent domain).",
);

pub static COOKIE: CheckDef = def(
    "tenant.cross_access.cookie",
    "Another tenant's data through a tenant cookie",
    "With account A's credentials, requests each other account's resources with the selector cookie (by \
     default `tenant`) naming that tenant. Fails when the answer contains the other tenant's canary. `error` \
     when the positive control failed or requests went unanswered and no leak was seen.",
    "Keep the active tenant in the server-side session or a signed cookie, and check the user's membership \
     in the tenant the cookie names on every request.",
);

pub static PATH: CheckDef = def(
    "tenant.cross_access.path",
    "Another tenant's data through a tenant path segment",
    "With account A's credentials, requests each other account's resources under that tenant's path \
     (`/t/B/...`). Fails when the answer contains the other tenant's canary. `error` when the positive control \
     failed or requests went unanswered and no leak was seen.",
    "Authorize the tenant in the path against the authenticated user's memberships in one middleware for \
     every route, and scope every query by the authorized tenant, not by the path parameter.",
);

pub static QUERY: CheckDef = def(
    "tenant.cross_access.query",
    "Another tenant's data through a tenant query parameter",
    "With account A's credentials, requests each other account's resources with the selector parameter (by \
     default `tenant_id`) naming that tenant. Fails when the answer contains the other tenant's canary. \
     `error` when the positive control failed or requests went unanswered and no leak was seen.",
    "Never take the tenant from a query parameter without checking the user's membership; better, drop the \
     parameter and use the tenant of the session.",
);

pub(crate) fn check(kind: SelectorKind) -> &'static CheckDef {
    match kind {
        SelectorKind::Header => &HEADER,
        SelectorKind::Subdomain => &SUBDOMAIN,
        SelectorKind::Cookie => &COOKIE,
        SelectorKind::Path => &PATH,
        SelectorKind::Query => &QUERY,
    }
}

/// The verdict over `probes` (the attack requests of one selector), with the control's failures:
/// a leak fails whatever else happened; otherwise a failed control or an unanswered request leaves
/// the check `error`.
pub(crate) fn verdict(
    def: &'static CheckDef,
    run: &SelectorRun<'_>,
    probes: Vec<&Probe>,
    what: &str,
) -> Finding {
    let target = run.selector.target.clone();
    let leaks: Vec<&Probe> = probes
        .iter()
        .copied()
        .filter(|p| matches!(&p.result, Ok(a) if a.sighting.is_some()))
        .collect();
    let total = probes.len();
    if !leaks.is_empty() {
        let finding = Finding::fail(
            def,
            target,
            format!(
                "{} of {total} requests {what} returned the other tenant's canary",
                leaks.len()
            ),
        );
        return run.leak_evidence(&leaks, finding);
    }
    let unanswered: Vec<String> = probes
        .iter()
        .filter_map(|p| {
            p.result
                .as_ref()
                .err()
                .map(|e| format!("{}: {e}", p.request))
        })
        .collect();
    let failed_controls = run.failed_controls();
    if let Some(first) = unanswered.first() {
        return Finding::error(
            def,
            target,
            format!(
                "inconclusive: {} of {total} requests got no answer (first: {first})",
                unanswered.len()
            ),
        );
    }
    if let Some(first) = failed_controls.first() {
        return Finding::error(
            def,
            target,
            format!(
                "inconclusive: the positive control failed ({first}; see tenant.http_control_failed)"
            ),
        );
    }
    Finding::pass(
        def,
        target,
        format!("none of {total} requests {what} returned the other tenant's canary"),
    )
    .with_evidence("requests", total as u64)
}

pub(crate) fn judge(run: &SelectorRun<'_>) -> Finding {
    let probes = run.of(|a| matches!(a, Asker::Other(_))).collect();
    verdict(
        check(run.selector.kind),
        run,
        probes,
        "with one tenant's credentials for another tenant's resources",
    )
}
