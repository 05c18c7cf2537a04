//! Every check fires on its planted flaw and stays quiet on the correct objects.

use launchguard_core::Status;

use crate::support::{Lab, agent, failing, run};

/// Relations whose rows leak both to another tenant's user and to anon.
const READABLE_BY_ANYONE: [&str; 6] = [
    "public.documents_all",
    "public.events_2026",
    "public.invoice_lines",
    "public.invoices",
    "public.notes",
    "public.tenant_stats",
];

/// Tables anyone may write: RLS off (one with a two-column key, one a partition).
const WRITABLE_BY_ANYONE: [&str; 3] = [
    "public.events_2026",
    "public.invoice_lines",
    "public.invoices",
];

/// Deny-all tables: every tenant probe is skipped, explained by rls.enabled_no_policy.
const DENY_ALL: [&str; 2] = ["public.archived_projects", "public.deny_all"];

const CLEAN: [&str; 8] = [
    "public.documents",
    "public.projects",
    "public.audit_log",
    "public.Order Items \"x\"",
    "public.integrations",
    "public.documents_mine",
    "public.my_documents()",
    "public.search_my_documents(query text)",
];

#[tokio::test]
async fn every_check_fires_on_its_flaw_and_nowhere_else() {
    let lab = Lab::new().await;
    let (pg, scope) = agent(&lab, true, "", lab.probe_url());
    let findings = run(&pg, scope).await;
    let backend = format!("role:{}", lab.role("backend"));
    let readable_by_anyone_and_the_backend = {
        let mut objects = READABLE_BY_ANYONE.to_vec();
        objects.extend(["public.orders", "public.payouts"]);
        objects.sort();
        objects
    };
    let expected: Vec<(&str, Vec<&str>)> = vec![
        (
            "rls.disabled",
            vec!["public.invoice_lines", "public.invoices"],
        ),
        ("rls.enabled_no_policy", DENY_ALL.to_vec()),
        ("rls.policy_always_true", vec!["public.notes"]),
        (
            "rls.check_not_tenant_scoped",
            vec!["public.comments", "public.messages", "public.tasks"],
        ),
        (
            "rls.user_metadata_trusted",
            vec!["public.profiles", "public.workspace_files"],
        ),
        ("rls.owner_bypass", vec!["public.orders", "public.payouts"]),
        ("rls.bypass_role_reachable", vec![backend.as_str()]),
        ("rls.partition_unprotected", vec!["public.events_2026"]),
        ("rls.view_bypass", vec!["public.documents_all"]),
        ("rls.matview_exposed", vec!["public.tenant_stats"]),
        ("auth.users_exposed", vec!["public.user_directory"]),
        (
            "fn.security_definer_exposed",
            vec![
                "public.all_documents()",
                "public.search_documents(query text)",
            ],
        ),
        ("fn.search_path_mutable", vec!["public.all_documents()"]),
        ("grant.sensitive_column_exposed", vec!["public.agents"]),
        ("ext.in_public", vec!["extension:pgcrypto"]),
        ("tenant.cross_read", readable_by_anyone_and_the_backend),
        (
            "tenant.cross_read_via_function",
            vec![
                "public.all_documents()",
                "public.search_documents(query text)",
            ],
        ),
        (
            "tenant.cross_insert",
            vec![
                "public.comments",
                "public.events_2026",
                "public.invoice_lines",
                "public.invoices",
                "public.messages",
            ],
        ),
        ("tenant.cross_update", WRITABLE_BY_ANYONE.to_vec()),
        ("tenant.cross_delete", WRITABLE_BY_ANYONE.to_vec()),
        (
            "tenant.row_move",
            vec![
                "public.events_2026",
                "public.invoice_lines",
                "public.invoices",
                "public.tasks",
            ],
        ),
        (
            "tenant.claim_tamper",
            vec!["public.profiles", "public.workspace_files"],
        ),
        ("anon.read", READABLE_BY_ANYONE.to_vec()),
        ("anon.write", WRITABLE_BY_ANYONE.to_vec()),
    ];
    let mut problems = Vec::new();
    for (check, objects) in &expected {
        let got = failing(&findings, check);
        if got != *objects {
            problems.push(format!("{check}: expected {objects:?}, got {got:?}"));
        }
    }
    // Nothing on the fixture is left unverified: every control passes or a lint explains it.
    for finding in findings.iter().filter(|f| f.status == Status::Error) {
        problems.push(format!(
            "{} is an error on {}: {}",
            finding.check, finding.target.id, finding.message
        ));
    }
    for finding in findings.iter().filter(|f| f.status == Status::Fail) {
        for clean in CLEAN {
            if finding.target.id.ends_with(&format!("/{clean}")) {
                problems.push(format!(
                    "{} fired on the correct object {clean}",
                    finding.check
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nall findings: {findings:#?}",
        problems.join("\n")
    );

    // Each dynamic proof names the lint that explains it.
    let cross_read_invoices = findings
        .iter()
        .find(|f| {
            f.check.as_str() == "tenant.cross_read" && f.target.id.ends_with("/public.invoices")
        })
        .unwrap();
    assert!(
        cross_read_invoices.evidence["explained_by"]
            .to_string()
            .contains("rls.disabled")
    );
    // Evidence holds counts, never tenant B's data.
    let text = serde_json::to_string(&findings).unwrap();
    for secret in [
        "sk-fixture-",
        "int-fixture-",
        "alice@tenant-a",
        "bob@tenant-b",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into findings");
    }
    // Every registered check concluded.
    for check in launchguard_pg::CHECKS.iter() {
        assert!(
            findings.iter().any(|f| f.check.as_str() == check.id),
            "{} reported nothing",
            check.id
        );
    }
}

#[tokio::test]
async fn without_writes_the_write_probes_are_skipped_and_reads_still_prove_leaks() {
    let lab = Lab::new().await;
    let (pg, scope) = agent(&lab, false, "", lab.probe_url());
    let findings = run(&pg, scope).await;
    for check in [
        "tenant.cross_insert",
        "tenant.cross_update",
        "tenant.cross_delete",
        "tenant.row_move",
        "anon.write",
    ] {
        let f = findings.iter().find(|f| f.check.as_str() == check).unwrap();
        assert_eq!(f.status, Status::Skipped, "{check}");
        assert!(f.message.contains("allow_writes"));
    }
    assert!(failing(&findings, "tenant.cross_read").contains(&"public.invoices"));
}
