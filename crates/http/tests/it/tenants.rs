//! The tenants agent against the lab's multi-tenant API: a flawed and a correct variant of each
//! tenant selector, and a public one, with real tokens from the environment.

use launchguard_core::Status;
use launchguard_core::config::Environment;
use launchguard_http::tenants::AGENT;
use launchguard_lab::tenants::{self, SELECTORS, TenantLab};

use crate::support::{Run, config_error, run};

fn env(lab: &TenantLab) -> Environment {
    lab.env_vars()
        .into_iter()
        .fold(Environment::process(), |env, (k, v)| env.with_var(k, v))
}

async fn audit(lab: &TenantLab, selectors: &[(&str, &str, &str)], env: &Environment) -> Run {
    let config = format!(
        "[scope]\nhosts = [\"127.0.0.1\", \"*.{}\"]\n\n{}",
        tenants::SUBDOMAIN_BASE,
        lab.section(selectors)
    );
    run(
        &AGENT,
        &config,
        env,
        &["127.0.0.1", &format!("*.{}", tenants::SUBDOMAIN_BASE)],
        10_000,
    )
    .await
}

fn child(selector: &str) -> String {
    format!("tenants:probes/{selector}")
}

#[tokio::test]
async fn each_flawed_selector_leaks_with_canary_evidence_and_each_correct_one_holds() {
    let lab = tenants::start(3, 2).await.unwrap();
    let mut selectors = Vec::new();
    let names: Vec<(String, String, &str)> = SELECTORS
        .iter()
        .flat_map(|(kind, _)| {
            [
                (format!("flawed-{kind}"), "flawed".to_owned(), *kind),
                (format!("correct-{kind}"), "correct".to_owned(), *kind),
            ]
        })
        .collect();
    for (name, variant, kind) in &names {
        selectors.push((name.as_str(), variant.as_str(), *kind));
    }
    selectors.push(("public-query", "public", "query"));
    let run = audit(&lab, &selectors, &env(&lab)).await;
    for (kind, _) in SELECTORS {
        let check = format!("tenant.cross_access.{kind}");
        let flawed = run.get(&check, &child(&format!("flawed-{kind}")));
        assert_eq!(flawed.status, Status::Fail, "{flawed:#?}");
        // 3 tenants x 2 other tenants x 2 resources.
        assert!(flawed.message.starts_with("12 of 12"), "{}", flawed.message);
        assert!(flawed.evidence.contains_key("canary_offset"), "{flawed:#?}");
        assert!(flawed.evidence.contains_key("canary_line"), "{flawed:#?}");
        let correct = run.get(&check, &child(&format!("correct-{kind}")));
        assert_eq!(correct.status, Status::Pass, "{correct:#?}");
        for name in [format!("flawed-{kind}"), format!("correct-{kind}")] {
            assert_eq!(
                run.status("tenant.http_control_failed", &child(&name)),
                Status::Pass,
                "{name}"
            );
            assert_eq!(
                run.status("tenant.unauthenticated_access", &child(&name)),
                Status::Pass,
                "{name}"
            );
        }
    }
    let public = run.get("tenant.unauthenticated_access", &child("public-query"));
    assert_eq!(public.status, Status::Fail, "{public:#?}");
    assert_eq!(
        run.status("tenant.cross_access.query", &child("public-query")),
        Status::Fail
    );
    // Per selector: 6 resources x (3 accounts + 1) requests; nothing more.
    assert_eq!(lab.requests(), 11 * 24);
    // Evidence names the request and where the canary was, never a token or the data itself.
    let json = serde_json::to_string(&run.findings).unwrap();
    for tenant in &lab.tenants {
        assert!(
            !json.contains(&tenant.token),
            "a token reached the findings"
        );
        assert!(
            !json.contains(&tenant.canary),
            "a canary reached the findings"
        );
    }
    assert!(
        !json.contains("internal notes"),
        "tenant data reached the findings"
    );
    let header = run.get("tenant.cross_access.header", &child("flawed-header"));
    let request = header.evidence["request"].to_string();
    assert!(
        request.contains("X-Tenant-Id: ") && request.contains("Authorization: Bearer "),
        "{request}"
    );
}

#[tokio::test]
async fn a_broken_test_identity_makes_everything_inconclusive_never_a_pass() {
    let lab = tenants::start(2, 1).await.unwrap();
    let mut env = env(&lab);
    env = env.with_var(
        TenantLab::token_var(&lab.tenants[0]),
        "lg-expired-token-0000",
    );
    let run = audit(
        &lab,
        &[
            ("correct-path", "correct", "path"),
            ("flawed-cookie", "flawed", "cookie"),
        ],
        &env,
    )
    .await;
    let control = run.get("tenant.http_control_failed", &child("correct-path"));
    assert_eq!(control.status, Status::Error, "{control:#?}");
    assert!(control.message.contains("acme"), "{}", control.message);
    assert_eq!(
        run.status("tenant.cross_access.path", &child("correct-path")),
        Status::Error
    );
    // A leak is proved by the canary even when another identity is broken.
    assert_eq!(
        run.status("tenant.cross_access.cookie", &child("flawed-cookie")),
        Status::Fail
    );
    // Kinds without a selector are skipped on the parent target, with the reason.
    let skipped = run.get("tenant.cross_access.header", "tenants:probes");
    assert_eq!(skipped.status, Status::Skipped);
}

#[tokio::test]
async fn an_unset_credential_variable_is_an_error_before_any_request() {
    let lab = tenants::start(2, 1).await.unwrap();
    let run = audit(
        &lab,
        &[("flawed-query", "flawed", "query")],
        &Environment::process(),
    )
    .await;
    let finding = run.get("tenant.cross_access.query", &child("flawed-query"));
    assert_eq!(finding.status, Status::Error);
    assert!(
        finding.message.contains("LG_LAB_ACME_TOKEN"),
        "{}",
        finding.message
    );
    assert_eq!(lab.requests(), 0);
}

#[tokio::test]
async fn bad_configurations_are_refused_with_their_line() {
    let lab = tenants::start(2, 1).await.unwrap();
    let section = lab.section(&[("p", "flawed", "path")]);
    let config = |section: &str| format!("[scope]\nhosts = [\"127.0.0.1\"]\n\n{section}");
    let canary = &lab.tenants[1].canary;
    for (broken, needle) in [
        (
            section.replace("/t/{tenant}/", "/t/"),
            "has `{tenant}` where the tenant goes",
        ),
        (
            section.replace(canary.as_str(), "short"),
            "at least 8 characters",
        ),
        (
            section.replace(canary.as_str(), &lab.tenants[0].canary),
            "canaries must be its own",
        ),
        (
            section.replace("notes/globex-n1", "/notes/globex-n1"),
            "relative",
        ),
        (
            section.replace("kind = \"path\"", "kind = \"header\""),
            "no `{tenant}`",
        ),
        (
            section.replace(
                "token_env = \"LG_LAB_ACME_TOKEN\"",
                "token_env = \"Bearer abc\"",
            ),
            "not an environment variable name",
        ),
        (
            section.replace("[tenants]\n", "[tenants]\nmax_requests = 2\n"),
            "over [tenants].max_requests",
        ),
    ] {
        let error = config_error(&AGENT, &config(&broken));
        assert!(error.contains(needle), "{needle:?} not in {error}");
        assert!(error.contains("test.toml:"), "{error}");
    }
}
