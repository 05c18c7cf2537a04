//! The binary as users run it: demo, exit codes, config errors, catalog, init.

use std::path::Path;

use launchguard_lab::health::PLANTED_DB_PASSWORD;
use launchguard_lab::logs::PLANTED_LOG_SECRETS;
use serde_json::Value;

use crate::support::{
    assert_valid, demo_json, launchguard, launchguard_with_env, read_json, silent_server,
    workspace_root, write,
};

const FILES: [&str; 5] = [
    "launchguard-report.json",
    "launchguard-report.sarif",
    "launchguard-report.junit.xml",
    "launchguard-report.md",
    "launchguard-report.html",
];

fn statuses(report: &Value, endpoint: &str) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"]["id"] == format!("health:{endpoint}"))
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn status_of(report: &Value, check: &str, endpoint: &str) -> String {
    statuses(report, endpoint)
        .into_iter()
        .find(|(c, _)| c == check)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("no {check} on {endpoint}"))
}

#[test]
fn demo_reports_the_lab_in_every_format_and_a_second_run_matches_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("first");
    // Relative, as `launchguard demo` is usually run: every lab part must still start.
    let first = launchguard(&["demo", "--output-dir", "first"], dir.path());
    assert_eq!(first.code, 1, "{first:?}");
    for name in FILES {
        assert!(out.join(name).is_file(), "{name} missing: {first:?}");
    }
    // The terminal report shows the planted flaws and a one-line summary.
    for expected in [
        "CRITICAL (",
        "health.unreachable",
        "HIGH (",
        "health.status",
        "MEDIUM (",
        "health.slow",
        "health.verbose",
        "rls.disabled",
        "tenant.cross_read",
        "Not ready to launch: ",
    ] {
        assert!(
            first.stdout.contains(expected),
            "{expected:?} not in the terminal report: {first:?}"
        );
    }

    let report = read_json(&out.join("launchguard-report.json"));
    assert_eq!(
        report["run"]["agents"],
        serde_json::json!([
            "health",
            "http",
            "ratelimit",
            "tenants",
            "tls",
            "dns",
            "postgres",
            "logs"
        ]),
        "the demo's database part ran: {first:?}"
    );
    let count = |report: &Value, statuses: &[&str]| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| statuses.contains(&f["status"].as_str().unwrap()))
            .count()
    };
    let failures = count(&report, &["fail"]);
    let problems_first = count(&report, &["fail", "error"]);
    assert!(failures > 20, "the lab's planted flaws fail: {failures}");
    assert_eq!(status_of(&report, "health.unreachable", "down"), "fail");
    // The logs part: every planted secret found, nothing on the clean look-alikes.
    let log_failures: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["agent"] == "logs" && f["status"] == "fail")
        .map(|f| {
            format!(
                "{} {}",
                f["check"].as_str().unwrap(),
                f["target"]["display"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "secrets.openai_key",
        "secrets.supabase_service_role",
        "secrets.supabase_secret_key",
        "secrets.db_url",
        "secrets.github_token",
        "secrets.private_key",
        "pii.card_number",
        "pii.email",
    ] {
        assert!(
            log_failures.iter().any(|f| f.starts_with(expected)),
            "{expected} not found: {log_failures:#?}"
        );
    }
    assert_eq!(
        log_failures.len(),
        8,
        "one finding per planted secret, none on look-alikes: {log_failures:#?}"
    );
    assert!(log_failures.iter().all(|f| !f.contains("clean.log")));
    // The TLS part: each planted flaw on its site, nothing on the clean control and its tenant.
    let tls_status = |check: &str, target: &str| -> String {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == check && f["target"]["id"] == target)
            .unwrap_or_else(|| panic!("no {check} on {target}"))["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (check, target) in [
        ("tls.cert.expired", "tls:billing"),
        ("tls.cert.renewal_overdue", "tls:tenants"),
        ("tls.cert.expiring_soon", "tls:tenants"),
        (
            "tls.cert.hostname_mismatch",
            "tls:tenants/eu.globex.tenants.lab.test",
        ),
        ("tls.cert.self_signed", "tls:admin"),
        ("tls.cert.chain_incomplete", "tls:api"),
        ("tls.cert.key_too_small", "tls:legacy"),
        ("tls.cert.weak_signature", "tls:legacy"),
        ("tls.protocol.legacy", "tls:legacy"),
        ("tls.cipher.null", "tls:legacy"),
        ("hsts.missing", "tls:admin"),
        ("hsts.max_age_short", "tls:api"),
        ("hsts.no_include_subdomains", "tls:api"),
        ("https.redirect.missing", "tls:admin"),
        ("https.redirect.not_permanent", "tls:api"),
        ("tls.cert.inconsistent_addresses", "tls:status"),
    ] {
        assert_eq!(tls_status(check, target), "fail", "{check} on {target}");
    }
    assert_eq!(
        tls_status("tls.cert.expired", "tls:billing/invoices.lab.test"),
        "skipped",
        "one finding for the shared expired certificate"
    );
    let clean_tls: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"]["id"].as_str().unwrap().starts_with("tls:shop"))
        .filter(|f| f["status"] == "fail" || f["status"] == "error")
        .map(|f| format!("{} {} {}", f["check"], f["target"]["id"], f["message"]))
        .collect();
    assert!(
        clean_tls.is_empty(),
        "the clean TLS control: {clean_tls:#?}"
    );
    // The DNS part: each planted flaw on lab.test, nothing failing or unverified on clean.test,
    // and the runner's CAA correlation with the certificates the tls agent saw.
    let dns_status = |check: &str, domain: &str| tls_status(check, &format!("dns:{domain}"));
    for check in [
        "dns.caa.issuer_mismatch",
        "dns.caa.no_iodef",
        "dns.spf.permissive",
        "dns.spf.too_many_lookups",
        "dns.dmarc.weak",
        "dns.mta_sts.missing",
        "dns.mx.cname",
        "dns.dangling_cname",
        "dns.dangling_a",
        "dns.takeover.candidate",
        "dns.wildcard.dangling",
        "dns.wildcard.unexpected",
        "dns.ns.dangling",
        "dns.delegation.lame",
        "dns.axfr_open",
        "dns.dnssec.unsigned",
        "dns.ttl.zero",
        "dns.ttl.huge",
        "dns.soa.timers",
    ] {
        assert_eq!(dns_status(check, "lab.test"), "fail", "{check} on lab.test");
    }
    let clean_dns: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"]["id"] == "dns:clean.test")
        .filter(|f| f["status"] != "pass")
        .map(|f| format!("{} {} {}", f["check"], f["status"], f["message"]))
        .collect();
    assert_eq!(
        clean_dns,
        vec![
            "\"dns.caa.issuer_mismatch\" \"skipped\" \"the tls agent saw no CA-issued certificate under clean.test\""
                .to_owned()
        ],
        "the clean DNS zone"
    );
    // The HTTP surface: each planted flaw fails on its site, the clean controls give nothing
    // failing, and no site received more requests than its target's cap.
    let http_failures: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["agent"] == "http" && f["status"] == "fail")
        .map(|f| {
            format!(
                "{} {}",
                f["check"].as_str().unwrap(),
                f["target"]["id"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "headers.csp.missing http:legacy",
        "headers.csp.unsafe http:shop",
        "headers.cache_sensitive http:shop",
        "cookie.no_httponly http:shop",
        "cookie.broad_domain http:shop",
        "exposure.dotenv http:shop",
        "exposure.git http:shop",
        "exposure.sourcemap http:shop",
        "exposure.debug http:shop",
        "cors.origin_reflected_with_credentials http:api/cors:/v1/reflect-credentials",
        "cors.null_origin_trusted http:api/cors:/v1/null",
        "cors.suffix_match_bypass http:api/cors:/v1/suffix",
        "cors.not_in_allowlist http:api/cors:/v1/regex",
    ] {
        assert!(
            http_failures.iter().any(|f| f == expected),
            "{expected} not in {http_failures:#?}"
        );
    }
    assert!(
        http_failures.iter().any(
            |f| f.starts_with("exposure.secret http:shop/leak/secrets.supabase_service_role/")
        ),
        "{http_failures:#?}"
    );
    let clean_http: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let id = f["target"]["id"].as_str().unwrap();
            id.starts_with("http:web") || id.starts_with("http:api/cors:/v1/me") || id == "http:api"
        })
        .filter(|f| f["status"] == "fail" || f["status"] == "error")
        .map(|f| format!("{} {} {}", f["check"], f["target"]["id"], f["message"]))
        .collect();
    assert!(
        clean_http.is_empty(),
        "the clean HTTP controls: {clean_http:#?}"
    );
    for finding in report["findings"].as_array().unwrap() {
        if finding["agent"] == "http"
            && let Some(sent) = finding["evidence"]["requests_sent"].as_u64()
        {
            let cap = if finding["target"]["id"] == "http:api" {
                200
            } else {
                150
            };
            assert!(sent <= cap, "{}: {sent} requests", finding["target"]["id"]);
        }
    }
    assert_eq!(status_of(&report, "health.status", "failing"), "fail");
    assert_eq!(status_of(&report, "health.slow", "slow"), "fail");
    assert_eq!(status_of(&report, "health.verbose", "verbose"), "fail");
    for (check, status) in statuses(&report, "healthy") {
        assert_eq!(status, "pass", "{check} on the clean control");
    }
    for (check, status) in statuses(&report, "down") {
        assert!(
            status == "fail" || status == "skipped",
            "{check} on the down service is {status}"
        );
    }

    // The rate-limit part: the limited control passes, the planted endpoints fail, and each burst
    // stayed within its budget.
    let finding = |check: &str, target: &str| -> Value {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == check && f["target"]["id"] == target)
            .unwrap_or_else(|| panic!("no {check} on {target}"))
            .clone()
    };
    for check in [
        "ratelimit.absent",
        "ratelimit.too_lenient",
        "ratelimit.no_retry_after",
        "ratelimit.headers_missing",
    ] {
        assert_eq!(
            finding(check, "ratelimit:login")["status"],
            "pass",
            "{check}"
        );
    }
    assert_eq!(
        finding("ratelimit.too_lenient", "ratelimit:signup")["status"],
        "fail"
    );
    assert_eq!(
        finding("ratelimit.too_lenient", "ratelimit:signup")["evidence"]["allowed_before_limit"],
        8
    );
    assert_eq!(
        finding("ratelimit.no_retry_after", "ratelimit:signup")["status"],
        "fail"
    );
    assert_eq!(
        finding("ratelimit.absent", "ratelimit:password-reset")["status"],
        "fail"
    );
    assert_eq!(
        finding("ratelimit.absent", "ratelimit:password-reset")["evidence"]["requests_sent"],
        10
    );
    assert_eq!(
        finding("ratelimit.headers_missing", "ratelimit:password-reset")["status"],
        "fail"
    );
    // The tenants part: each flawed selector proved by the other tenant's canary, nothing on the
    // correct ones.
    for kind in ["header", "subdomain", "cookie", "path", "query"] {
        let check = format!("tenant.cross_access.{kind}");
        let flawed = finding(&check, &format!("tenants:probes/flawed-{kind}"));
        assert_eq!(flawed["status"], "fail", "{flawed:#}");
        assert!(
            flawed["evidence"]["canary_offset"].is_number(),
            "{flawed:#}"
        );
        let correct = format!("tenants:probes/correct-{kind}");
        for check in [
            check.as_str(),
            "tenant.http_control_failed",
            "tenant.unauthenticated_access",
        ] {
            assert_eq!(
                finding(check, &correct)["status"],
                "pass",
                "{check} {correct}"
            );
        }
    }
    assert_eq!(
        finding(
            "tenant.unauthenticated_access",
            "tenants:probes/public-query"
        )["status"],
        "fail"
    );

    // Schemas: ours for JSON, the official one for SARIF.
    let schema = read_json(&workspace_root().join("docs/report.schema.json"));
    assert_valid(&schema, &report, "the demo JSON report");
    let sarif = read_json(&out.join("launchguard-report.sarif"));
    match std::env::var_os("LAUNCHGUARD_SARIF_SCHEMA")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file())
    {
        Some(path) => assert_valid(&read_json(&path), &sarif, "the demo SARIF report"),
        None => eprintln!(
            "SKIPPED full SARIF validation: set LAUNCHGUARD_SARIF_SCHEMA to the official sarif-schema-2.1.0.json (scripts/test.sh does)"
        ),
    }
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        failures,
        "one SARIF result per failing finding"
    );

    // No report format ever carries the planted password.
    for name in FILES.iter().chain(&["launchguard.toml"]) {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        for secret in
            std::iter::once(PLANTED_DB_PASSWORD).chain(PLANTED_LOG_SECRETS.iter().copied())
        {
            assert!(
                !text.contains(secret),
                "{name} contains the planted secret {secret}"
            );
        }
        assert!(
            !text.contains(PLANTED_DB_PASSWORD),
            "{name} contains the planted secret"
        );
        // The tenant lab's tokens (random per run) appear only redacted: at most their first 4
        // characters.
        assert!(
            !text.contains("lg-lab-token"),
            "{name} contains a tenant token"
        );
    }
    assert!(
        !first.stdout.contains(PLANTED_DB_PASSWORD) && !first.stderr.contains(PLANTED_DB_PASSWORD)
    );

    // Second run against the first as baseline: everything unchanged, nothing new.
    let second_out = dir.path().join("second");
    let baseline = out.join("launchguard-report.json");
    let second = launchguard(
        &[
            "demo",
            "--output-dir",
            second_out.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(second.code, 1, "{second:?}");
    let report = read_json(&second_out.join("launchguard-report.json"));
    let problems: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail" || f["status"] == "error")
        .collect();
    assert_eq!(problems.len(), problems_first);
    assert!(
        problems.iter().all(|f| f["baseline"] == "unchanged"),
        "{problems:#?}"
    );
    assert_eq!(report["summary"]["new"], 0);
    assert_eq!(report["summary"]["unchanged"], problems_first);
    assert!(
        second
            .stdout
            .contains(&format!("0 new, {problems_first} unchanged, 0 resolved")),
        "{second:?}"
    );
    for name in [
        "launchguard-report.sarif",
        "launchguard-report.junit.xml",
        "launchguard-report.md",
        "launchguard-report.html",
    ] {
        let text = std::fs::read_to_string(second_out.join(name)).unwrap();
        assert!(
            text.contains("unchanged"),
            "{name} does not mark baseline state"
        );
    }

    // With --fail-on-new, nothing new means exit 0.
    let third = demo_json(
        dir.path(),
        &dir.path().join("third"),
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--fail-on-new",
            "--allow-errors",
        ],
        &[],
    );
    assert_eq!(third.code, 0, "{third:?}");

    // diff of the two runs: nothing new.
    let diff = launchguard(
        &[
            "diff",
            baseline.to_str().unwrap(),
            second_out.join("launchguard-report.json").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(diff.code, 0, "{diff:?}");
    assert!(
        diff.stdout.contains("New (0)")
            && diff
                .stdout
                .contains(&format!("Unchanged ({problems_first})")),
        "{diff:?}"
    );
}

fn config_with_endpoint(dir: &Path, url: &str, extra_scope: &str) -> std::path::PathBuf {
    write(
        dir,
        "launchguard.toml",
        &format!(
            "[scope]\nhosts = [\"127.0.0.1\"]\n{extra_scope}\n[health]\n[[health.endpoints]]\nname = \"api\"\nurl = \"{url}\"\n"
        ),
    )
}

#[test]
fn a_check_that_cannot_run_is_an_error_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_endpoint(dir.path(), "http://127.0.0.2:9/health", "");
    let run = launchguard(
        &[
            "audit",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
            "--format",
            "terminal",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 2, "{run:?}");
    let report = read_json(&dir.path().join("launchguard-report.json"));
    let all: Vec<&Value> = report["findings"].as_array().unwrap().iter().collect();
    assert_eq!(all.len(), 4);
    assert!(
        all.iter().all(|f| f["status"] == "error"),
        "nothing out of scope may pass or fail: {all:#?}"
    );
    assert!(
        run.stdout.contains("COULD NOT VERIFY (4 check(s)")
            && run.stdout.contains("not in [scope].hosts"),
        "{run:?}"
    );

    let allowed = launchguard(
        &[
            "audit",
            "--config",
            config.to_str().unwrap(),
            "--allow-errors",
        ],
        dir.path(),
    );
    assert_eq!(allowed.code, 0, "{allowed:?}");
}

#[test]
fn an_agent_past_its_deadline_reports_error_not_pass() {
    let dir = tempfile::tempdir().unwrap();
    let silent = silent_server();
    let config = config_with_endpoint(
        dir.path(),
        &format!("http://{silent}/health"),
        "request_timeout_ms = 30000\nagent_deadline_secs = 1\n",
    );
    let run = launchguard(
        &[
            "audit",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.is_empty() && run.stderr.is_empty(),
        "--quiet prints nothing: {run:?}"
    );
    let json_only = launchguard(
        &[
            "audit",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert!(json_only.stdout.is_empty(), "{json_only:?}");
    assert!(
        json_only.stderr.starts_with("Not verified: ") && json_only.stderr.contains("exit 2"),
        "the verdict is always said: {json_only:?}"
    );
    let report = read_json(&dir.path().join("launchguard-report.json"));
    for finding in report["findings"].as_array().unwrap() {
        assert_eq!(finding["status"], "error");
        assert!(
            finding["message"].as_str().unwrap().contains("deadline"),
            "{finding}"
        );
    }
}

#[test]
fn config_mistakes_exit_64_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "bad.toml",
        "[scope]\nhosts = [\"127.0.0.1\"]\ntimeout = 5\n",
    );
    let run = launchguard(&["audit", "--config", config.to_str().unwrap()], dir.path());
    assert_eq!(run.code, 64, "{run:?}");
    assert!(
        run.stderr.contains("bad.toml:3:1: unknown field `timeout`"),
        "{run:?}"
    );

    let missing = launchguard(&["audit", "--config", "nope.toml"], dir.path());
    assert_eq!(missing.code, 64, "{missing:?}");
    assert!(
        missing
            .stderr
            .contains("nope.toml: cannot read the configuration"),
        "{missing:?}"
    );

    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let run = launchguard(&["audit", "--config", binary.to_str().unwrap()], dir.path());
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("not valid UTF-8"), "{run:?}");

    let no_agents = write(
        dir.path(),
        "empty.toml",
        "[scope]\nhosts = [\"127.0.0.1\"]\n",
    );
    let run = launchguard(
        &["audit", "--config", no_agents.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("configures no agent"), "{run:?}");

    let good = config_with_endpoint(dir.path(), "http://127.0.0.1:9/health", "");
    for args in [
        vec![
            "audit",
            "--config",
            good.to_str().unwrap(),
            "--only",
            "nosuch",
        ],
        vec![
            "audit",
            "--config",
            good.to_str().unwrap(),
            "--skip",
            "health",
        ],
        vec![
            "audit",
            "--config",
            good.to_str().unwrap(),
            "--fail-on",
            "urgent",
        ],
        vec!["audit", "--config", good.to_str().unwrap(), "--fail-on-new"],
        vec![
            "audit",
            "--config",
            good.to_str().unwrap(),
            "--baseline",
            "missing.json",
        ],
        vec!["frobnicate"],
    ] {
        let run = launchguard(&args, dir.path());
        assert_eq!(run.code, 64, "{args:?}: {run:?}");
    }
    assert_eq!(launchguard(&["--help"], dir.path()).code, 0);
}

#[test]
fn checks_lists_every_check_with_docs_and_explain_prints_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = launchguard(&["checks", "--format", "json"], dir.path());
    assert_eq!(run.code, 0, "{run:?}");
    let checks: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    // The IDs the issues name as the contract.
    let required = [
        "health.unreachable",
        "health.status",
        "health.slow",
        "health.verbose",
        "rls.disabled",
        "rls.enabled_no_policy",
        "rls.policy_always_true",
        "rls.check_not_tenant_scoped",
        "rls.user_metadata_trusted",
        "rls.owner_bypass",
        "rls.bypass_role_reachable",
        "rls.partition_unprotected",
        "rls.view_bypass",
        "rls.matview_exposed",
        "auth.users_exposed",
        "fn.security_definer_exposed",
        "fn.search_path_mutable",
        "grant.sensitive_column_exposed",
        "ext.in_public",
        "probe.control_failed",
        "tenant.cross_read",
        "tenant.cross_read_via_function",
        "tenant.cross_insert",
        "tenant.cross_update",
        "tenant.cross_delete",
        "tenant.row_move",
        "tenant.claim_tamper",
        "anon.read",
        "anon.write",
    ];
    for id in required {
        assert!(ids.contains(&id), "{id} missing from the catalogue");
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "the catalogue is sorted by ID");
    for check in &checks {
        for field in ["severity", "title", "what", "why", "fix"] {
            assert!(
                !check[field].as_str().unwrap_or("").is_empty(),
                "{} has no {field}",
                check["id"]
            );
        }
    }
    let explain = launchguard(&["explain", "health.verbose"], dir.path());
    assert_eq!(explain.code, 0);
    assert!(
        explain.stdout.contains("Why it matters") && explain.stdout.contains("severity: medium"),
        "{explain:?}"
    );
    let unknown = launchguard(&["explain", "verbose"], dir.path());
    assert_eq!(unknown.code, 64);
    assert!(
        unknown.stderr.contains("did you mean: health.verbose"),
        "{unknown:?}"
    );
    let text = launchguard(&["checks"], dir.path());
    assert!(
        text.stdout.contains("health.unreachable") && text.stdout.contains("critical"),
        "{text:?}"
    );
}

#[test]
fn init_writes_a_starter_that_loads_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(launchguard(&["init"], dir.path()).code, 0);
    let written = dir.path().join("launchguard.toml");
    let loaded = launchguard_core::config::LoadedConfig::load(
        &written,
        launchguard::agents::AGENTS,
        &launchguard_core::config::Environment::process(),
    )
    .expect("the starter configuration loads");
    assert!(
        loaded.agents.is_empty(),
        "the starter contacts nothing until edited"
    );
    let audit = launchguard(&["audit"], dir.path());
    assert_eq!(audit.code, 64, "{audit:?}");
    assert!(audit.stderr.contains("configures no agent"), "{audit:?}");
    let again = launchguard(&["init"], dir.path());
    assert_eq!(again.code, 64);
    assert!(again.stderr.contains("--force"), "{again:?}");
    assert_eq!(launchguard(&["init", "--force"], dir.path()).code, 0);
}

#[test]
fn verbose_logs_say_what_the_agent_does_and_never_a_credential() {
    let dir = tempfile::tempdir().unwrap();
    let down = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = write(
        dir.path(),
        "launchguard.toml",
        &format!(
            "[scope]\nhosts = [\"127.0.0.1\"]\n[health]\n[[health.endpoints]]\nname = \"api\"\nurl = \"http://{down}/health\"\nheaders_from_env = {{ Authorization = \"LG_TEST_TOKEN\" }}\n"
        ),
    );
    let secret = "Bearer lg-test-credential-7d1e9c";
    let run = launchguard_with_env(
        &[
            "-vv",
            "audit",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
        &[("LG_TEST_TOKEN", secret)],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("agent started") && run.stderr.contains("requesting health endpoint"),
        "{run:?}"
    );
    let report = std::fs::read_to_string(dir.path().join("launchguard-report.json")).unwrap();
    for (what, text) in [
        ("stderr", &run.stderr),
        ("stdout", &run.stdout),
        ("report", &report),
    ] {
        assert!(
            !text.contains("lg-test-credential"),
            "the credential reached {what}"
        );
    }
    let filtered = launchguard_with_env(
        &[
            "audit",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
        &[
            ("LG_TEST_TOKEN", secret),
            ("LAUNCHGUARD_LOG", "launchguard=info"),
        ],
    );
    assert!(
        filtered.stderr.contains("agent started"),
        "LAUNCHGUARD_LOG turns logs on: {filtered:?}"
    );
}

#[test]
fn a_demo_without_postgres_says_what_it_skipped_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = demo_json(
        dir.path(),
        &out,
        &[],
        &[(
            "LAUNCHGUARD_DEMO_DATABASE_URL",
            "postgresql://postgres@127.0.0.1:1/postgres",
        )],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("skipped the Postgres part of the lab")
            && run.stderr.contains("LAUNCHGUARD_DEMO_DATABASE_URL"),
        "{run:?}"
    );
    let report = read_json(&out.join("launchguard-report.json"));
    assert_eq!(
        report["run"]["agents"],
        serde_json::json!([
            "health",
            "http",
            "ratelimit",
            "tenants",
            "tls",
            "dns",
            "logs"
        ])
    );
}
