//! Every lint that has a dynamic counterpart is proven on its fixture by a rollback-only probe,
//! and each class of flaw the probes used to miss (issue 13) is proven on its own table.

use launchguard_core::{Finding, Status};

use crate::support::{Lab, agent, run};

/// The probes that prove each lint with a dynamic counterpart.
const PROVEN_BY: [(&str, &[&str]); 9] = [
    ("rls.disabled", &["tenant.cross_read"]),
    (
        "rls.policy_always_true",
        &[
            "tenant.cross_read",
            "tenant.cross_update",
            "tenant.cross_delete",
        ],
    ),
    (
        "rls.check_not_tenant_scoped",
        &["tenant.cross_insert", "tenant.row_move"],
    ),
    ("rls.user_metadata_trusted", &["tenant.claim_tamper"]),
    ("rls.owner_bypass", &["tenant.cross_read"]),
    ("rls.partition_unprotected", &["tenant.cross_read"]),
    ("rls.view_bypass", &["tenant.cross_read"]),
    ("rls.matview_exposed", &["tenant.cross_read"]),
    (
        "fn.security_definer_exposed",
        &["tenant.cross_read_via_function"],
    ),
];

/// Lints no probe can prove, and why. `rls.enabled_no_policy` is no leak: the probes are
/// skipped on its tables, naming it.
const CATALOG_ONLY: [&str; 6] = [
    "rls.enabled_no_policy",
    "rls.bypass_role_reachable",
    "auth.users_exposed",
    "fn.search_path_mutable",
    "grant.sensitive_column_exposed",
    "ext.in_public",
];

fn object(finding: &Finding) -> &str {
    finding
        .target
        .id
        .split_once('/')
        .map_or("", |(_, object)| object)
}

fn on<'f>(findings: &'f [Finding], check: &str, object_name: &str) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|f| f.check.as_str() == check && object(f) == object_name)
        .collect()
}

fn attempts(finding: &Finding) -> String {
    finding
        .evidence
        .get("attempts")
        .map(|v| v.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_failing_lint_with_a_dynamic_counterpart_is_proven_on_its_fixture() {
    let lab = Lab::new().await;
    let (pg, scope) = agent(&lab, true, "", lab.probe_url());
    let findings = run(&pg, scope).await;
    let mut problems = Vec::new();
    let mut proven: Vec<&str> = Vec::new();
    for lint in findings.iter().filter(|f| {
        f.status == Status::Fail
            && !f.check.as_str().starts_with("tenant.")
            && !f.check.as_str().starts_with("anon.")
    }) {
        let id = lint.check.as_str();
        if CATALOG_ONLY.contains(&id) {
            continue;
        }
        let Some((_, probes)) = PROVEN_BY.iter().find(|(l, _)| *l == id) else {
            problems.push(format!(
                "{id} is in neither PROVEN_BY nor CATALOG_ONLY: say which probe proves it"
            ));
            continue;
        };
        let proofs: Vec<&Finding> = probes
            .iter()
            .flat_map(|probe| on(&findings, probe, object(lint)))
            .filter(|f| f.status == Status::Fail)
            .filter(|f| {
                f.evidence
                    .get("explained_by")
                    .is_some_and(|e| e.to_string().contains(id))
            })
            .collect();
        if proofs.is_empty() {
            problems.push(format!(
                "{id} on {} is not proven by any of {probes:?}",
                object(lint)
            ));
        }
        if id == "rls.owner_bypass" && !proofs.iter().any(|f| attempts(f).contains("backend role"))
        {
            problems.push(format!(
                "{id} on {} is not proven as the backend role: {proofs:#?}",
                object(lint)
            ));
        }
        proven.push(id);
    }
    for (lint, _) in PROVEN_BY {
        if !proven.contains(&lint) {
            problems.push(format!("{lint} has no fixture that makes it fail"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn each_class_the_probes_missed_is_proven_on_its_own_table() {
    let lab = Lab::new().await;
    let (pg, scope) = agent(&lab, true, "", lab.probe_url());
    let findings = run(&pg, scope).await;
    let status = |check: &str, object_name: &str| -> Vec<Status> {
        on(&findings, check, object_name)
            .iter()
            .map(|f| f.status)
            .collect()
    };
    let only = |check: &str, object_name: &str| -> &Finding {
        let found = on(&findings, check, object_name);
        assert_eq!(found.len(), 1, "{check} on {object_name}: {found:#?}");
        found[0]
    };

    // 1. An INSERT check that pins the author only: the copy carries A's user id, B's tenant.
    let insert = only("tenant.cross_insert", "public.comments");
    assert_eq!(insert.status, Status::Fail, "{insert:#?}");

    // 2. A policy that reads only user_metadata: the control passes with the tenant there too,
    // the plain read is blocked, and tampering the claim proves the leak.
    assert_eq!(status("probe.control_failed", "public.workspace_files"), []);
    assert_eq!(status("tenant.cross_read", "public.workspace_files"), []);
    assert_eq!(
        only("tenant.claim_tamper", "public.workspace_files").status,
        Status::Fail
    );

    // 3. A row move only an UPDATE without a filter achieves: the filtered form is blocked.
    let moved = only("tenant.row_move", "public.tasks");
    assert_eq!(moved.status, Status::Fail);
    let lines = attempts(moved);
    assert!(
        lines.contains("UPDATE without a filter") && !lines.contains("by ctid): allowed"),
        "{lines}"
    );

    // 4. A two-column primary key and a partition: writes attempted by ctid, proven.
    for table in ["public.invoice_lines", "public.events_2026"] {
        for check in [
            "tenant.cross_insert",
            "tenant.cross_update",
            "tenant.cross_delete",
            "tenant.row_move",
            "anon.write",
        ] {
            assert_eq!(
                only(check, table).status,
                Status::Fail,
                "{check} on {table}"
            );
        }
    }
    let not_attempted: Vec<String> = findings
        .iter()
        .filter_map(|f| f.evidence.get("not_attempted"))
        .map(|v| v.to_string())
        .collect();
    assert!(
        not_attempted.iter().all(|n| !n.contains("primary key")),
        "{not_attempted:?}"
    );

    // 5. Owner bypass: the backend role reads B's rows; tenant users cannot.
    let payouts = attempts(only("tenant.cross_read", "public.payouts"));
    assert!(
        payouts.contains(&format!("as backend role {}", lab.role("backend")))
            && !payouts.contains("'s user against"),
        "{payouts}"
    );

    // 6. A definer function with an argument, called with neutral values.
    let search = only(
        "tenant.cross_read_via_function",
        "public.search_documents(query text)",
    );
    assert!(attempts(search).contains("called with (''::text)): allowed"));
    assert_eq!(
        status(
            "tenant.cross_read_via_function",
            "public.search_my_documents(query text)"
        ),
        [],
        "the invoker twin leaks nothing"
    );

    // 7. Deny-all: skipped, naming the lint, never an error.
    for table in DENY_ALL_TABLES {
        for probe in launchguard_pg::CHECKS.iter().filter(|c| {
            c.id.starts_with("tenant.") && c.id != "tenant.cross_read_via_function"
                || c.id == "probe.control_failed"
        }) {
            let finding = only(probe.id, table);
            assert_eq!(finding.status, Status::Skipped, "{finding:#?}");
            assert!(
                finding.message.contains("rls.enabled_no_policy"),
                "{}",
                finding.message
            );
        }
    }
}

const DENY_ALL_TABLES: [&str; 2] = ["public.archived_projects", "public.deny_all"];

#[tokio::test]
async fn backend_roles_the_audit_role_cannot_become_are_noted_not_errors() {
    let lab = Lab::new().await;
    let (_, scope) = agent(&lab, false, "", lab.probe_url());
    let section = lab.config_section(crate::support::URL_VAR, false, "");
    let text = format!(
        "[scope]\nhosts = [\"127.0.0.1\", \"localhost\"]\n\n{}",
        section.replace(
            &format!("backend_roles = [\"{}\"]", lab.role("backend")),
            &format!(
                "backend_roles = [\"{}\", \"no_such_role\"]",
                lab.role("backend")
            )
        )
    );
    let pg = crate::support::configure(&text, lab.probe_url());
    let findings = run(&pg, scope).await;
    let cross_read: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check.as_str() == "tenant.cross_read")
        .collect();
    assert!(
        cross_read.iter().all(|f| f.status != Status::Error),
        "{cross_read:#?}"
    );
    let notes: String = cross_read
        .iter()
        .filter_map(|f| f.evidence.get("not_attempted"))
        .map(|v| v.to_string())
        .collect();
    assert!(
        notes.contains("backend role no_such_role: not read as"),
        "{cross_read:#?}"
    );
    assert!(
        on(&findings, "tenant.cross_read", "public.payouts")
            .iter()
            .any(|f| f.status == Status::Fail),
        "the reachable backend role is still read as"
    );
}
