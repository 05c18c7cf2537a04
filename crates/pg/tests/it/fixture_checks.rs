//! Every check fires on its planted flaw and stays quiet on the correct objects.

use launchguard_core::Status;

use crate::support::{Lab, agent, failing, run};

/// Relations whose rows leak both to another tenant's user and to anon.
const READABLE_BY_ANYONE: [&str; 5] = [
    "public.documents_all",
    "public.events_2026",
    "public.invoices",
    "public.notes",
    "public.tenant_stats",
];

const CLEAN: [&str; 7] = [
    "public.documents",
    "public.projects",
    "public.audit_log",
    "public.Order Items \"x\"",
    "public.integrations",
    "public.documents_mine",
    "public.my_documents()",
];

#[tokio::test]
async fn every_check_fires_on_its_flaw_and_nowhere_else() {
    let lab = Lab::new().await;
    let (pg, scope) = agent(&lab, true, "", lab.probe_url());
    let findings = run(&pg, scope).await;
    let backend = format!("role:{}", lab.role("backend"));
    let expected: Vec<(&str, Vec<&str>)> = vec![
        ("rls.disabled", vec!["public.invoices"]),
        ("rls.enabled_no_policy", vec!["public.deny_all"]),
        ("rls.policy_always_true", vec!["public.notes"]),
        ("rls.check_not_tenant_scoped", vec!["public.messages"]),
        ("rls.user_metadata_trusted", vec!["public.profiles"]),
        ("rls.owner_bypass", vec!["public.orders"]),
        ("rls.bypass_role_reachable", vec![backend.as_str()]),
        ("rls.partition_unprotected", vec!["public.events_2026"]),
        ("rls.view_bypass", vec!["public.documents_all"]),
        ("rls.matview_exposed", vec!["public.tenant_stats"]),
        ("auth.users_exposed", vec!["public.user_directory"]),
        (
            "fn.security_definer_exposed",
            vec!["public.all_documents()"],
        ),
        ("fn.search_path_mutable", vec!["public.all_documents()"]),
        ("grant.sensitive_column_exposed", vec!["public.agents"]),
        ("ext.in_public", vec!["extension:pgcrypto"]),
        ("tenant.cross_read", READABLE_BY_ANYONE.to_vec()),
        (
            "tenant.cross_read_via_function",
            vec!["public.all_documents()"],
        ),
        (
            "tenant.cross_insert",
            vec!["public.invoices", "public.messages"],
        ),
        ("tenant.cross_update", vec!["public.invoices"]),
        ("tenant.cross_delete", vec!["public.invoices"]),
        ("tenant.row_move", vec!["public.invoices"]),
        ("tenant.claim_tamper", vec!["public.profiles"]),
        ("anon.read", READABLE_BY_ANYONE.to_vec()),
        ("anon.write", vec!["public.invoices"]),
    ];
    let mut problems = Vec::new();
    for (check, objects) in &expected {
        let got = failing(&findings, check);
        if got != *objects {
            problems.push(format!("{check}: expected {objects:?}, got {got:?}"));
        }
    }
    let control: Vec<&str> = findings
        .iter()
        .filter(|f| f.check.as_str() == "probe.control_failed" && f.status == Status::Error)
        .map(|f| f.target.id.split_once('/').unwrap().1)
        .collect();
    if control != ["public.deny_all"] {
        problems.push(format!(
            "probe.control_failed: expected [public.deny_all], got {control:?}"
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
