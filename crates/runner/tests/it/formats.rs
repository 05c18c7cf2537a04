//! Every report format of one fixed report: snapshots, schemas, and format-specific rules.

use chrono::{TimeZone, Utc};
use launchguard::agents::registry;
use launchguard::audit::assemble;
use launchguard::baseline::load_suppressions;
use launchguard::cli::ReportFormat;
use launchguard::report::{
    FailOn, Report, RunInfo, SCHEMA_VERSION, Summary, Timings, Tool, render,
};
use launchguard_core::{CheckDef, Finding, Redacted, Target, TargetKind};
use launchguard_http::health::CHECKS;

use crate::support::{assert_valid, read_json, workspace_root};

fn check(id: &str) -> &'static CheckDef {
    CHECKS.iter().copied().find(|c| c.id == id).unwrap()
}

fn target(name: &str, line: u32) -> Target {
    Target::new(
        format!("health:{name}"),
        TargetKind::Url,
        format!("https://{name}.example.com/health"),
    )
    .declared_at(line)
}

fn run_info(baseline: bool) -> RunInfo {
    RunInfo {
        started_at: Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap(),
        finished_at: Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 2).unwrap(),
        config_path: "launchguard.toml".into(),
        config_digest: "sha256:0f".into(),
        agents: vec!["health".into()],
        fail_on: FailOn::High,
        fail_on_new: false,
        allow_errors: false,
        baseline: baseline.then(|| "last-week.json".into()),
        suppressions: Some("suppressions.toml".into()),
        shard: None,
        timings: Some(Timings {
            agents: [("health".to_owned(), 1900)].into(),
            checks: [
                ("health.unreachable".to_owned(), 1200),
                ("health.status".to_owned(), 1250),
                ("health.slow".to_owned(), 1900),
                ("health.verbose".to_owned(), 1250),
            ]
            .into(),
        }),
    }
}

/// A report with every status, a baseline (new, unchanged, resolved, not re-checked because the
/// check is `error` or `skipped` now, no longer audited), an active and an expired suppression,
/// and a redacted secret in evidence.
fn fixture() -> Report {
    let previous = Report {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool {
            name: "launchguard".into(),
            version: "0.0.9".into(),
        },
        run: run_info(false),
        summary: Summary::default(),
        findings: vec![
            Finding::fail(
                check("health.status"),
                target("api", 12),
                "https://api.example.com/health answered HTTP 503",
            ),
            Finding::fail(check("health.slow"), target("legacy", 30), "took 2500 ms"),
            Finding::fail(check("health.slow"), target("api", 12), "took 1900 ms"),
            Finding::fail(
                check("health.slow"),
                target("ai-engine", 20),
                "took 3100 ms",
            ),
            Finding::fail(
                check("health.unreachable"),
                target("api", 12),
                "no answer from https://api.example.com/health: timed out",
            ),
        ],
        resolved: vec![],
        not_rechecked: vec![],
        no_longer_audited: vec![],
        suppression_notes: vec![],
    };
    let findings = vec![
        Finding::fail(check("health.unreachable"), target("ai-engine", 20), "no answer from https://ai-engine.example.com/health: Connection refused (os error 111)")
            .with_evidence("reason", "Connection refused (os error 111)"),
        Finding::fail(check("health.status"), target("api", 12), "https://api.example.com/health answered HTTP 503 | <degraded> & \"quoted\"")
            .with_evidence("http_status", 503u16),
        Finding::fail(check("health.verbose"), target("frontend", 8), "https://frontend.example.com/health reveals connection_string")
            .with_evidence("categories", vec!["connection_string"])
            .with_evidence("password", Redacted::new("fixture-password-value")),
        Finding::error(check("health.slow"), target("api", 12), "not verified: the health agent's deadline (1 s) ran out first"),
        Finding::skipped(check("health.slow"), target("ai-engine", 20), "not evaluated: the endpoint gave no answer (see health.unreachable)"),
        Finding::pass(check("health.unreachable"), target("api", 12), "answered with HTTP 503"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let suppressions_path = dir.path().join("suppressions.toml");
    std::fs::write(
        &suppressions_path,
        "[[suppress]]\ncheck = \"health.verbose\"\ntarget = \"health:frontend\"\nreason = \"Accepted: internal only\"\nexpires = 2099-12-31\n\n\
         [[suppress]]\ncheck = \"health.status\"\nreason = \"Old exception\"\nexpires = 2021-06-30\n",
    )
    .unwrap();
    let suppressions = load_suppressions(&suppressions_path, &registry()).unwrap();
    let mut report = assemble(findings, Some(&previous), &suppressions, run_info(true));
    for note in &mut report.suppression_notes {
        note.location = format!(
            "suppressions.toml:{}",
            note.location.rsplit(':').next().unwrap()
        );
    }
    report.tool.version = "0.0.0-fixture".into();
    report
}

fn rendered(format: ReportFormat) -> String {
    render(format, &fixture(), &registry()).unwrap()
}

#[test]
fn terminal_snapshot() {
    insta::assert_snapshot!(rendered(ReportFormat::Terminal));
}

#[test]
fn terminal_colour_only_when_asked() {
    let report = fixture();
    let coloured = launchguard::report::terminal::render(&report, &registry(), true);
    assert!(coloured.contains("\u{1b}["));
    assert!(!rendered(ReportFormat::Terminal).contains('\u{1b}'));
}

#[test]
fn the_terminal_shortens_long_evidence_and_the_json_keeps_it() {
    let mut report = fixture();
    let chain = format!("#0 subject=CN=example.com; sha256={}", "ab".repeat(400));
    report.findings[0] = report.findings[0]
        .clone()
        .with_evidence("chain", chain.as_str());
    let terminal = launchguard::report::terminal::render(&report, &registry(), false);
    assert!(!terminal.contains(&chain));
    assert!(terminal.contains("chain=#0 subject=CN=example.com; sha256=abab"));
    assert!(terminal.contains("abab…"));
    assert!(terminal.contains("(shortened; the JSON and HTML reports have it all)"));
    let json = render(ReportFormat::Json, &report, &registry()).unwrap();
    assert!(json.contains(&chain));
}

#[test]
fn json_snapshot_and_schema() {
    let text = rendered(ReportFormat::Json);
    insta::assert_snapshot!(text);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_valid(
        &read_json(&workspace_root().join("docs/report.schema.json")),
        &value,
        "the fixture JSON report",
    );
    let back: Report = serde_json::from_str(&text).expect("a report reads back");
    assert_eq!(back.findings.len(), 6);
    assert_eq!(back.summary.exit_code, 1);
}

#[test]
fn sarif_snapshot_and_schema() {
    let text = rendered(ReportFormat::Sarif);
    insta::assert_snapshot!(text);
    let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    match std::env::var_os("LAUNCHGUARD_SARIF_SCHEMA")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file())
    {
        Some(path) => assert_valid(&read_json(&path), &sarif, "the fixture SARIF report"),
        None => eprintln!(
            "SKIPPED full SARIF validation: LAUNCHGUARD_SARIF_SCHEMA is not set (scripts/test.sh sets it)"
        ),
    }
    let run = &sarif["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        registry().len(),
        "one rule per check"
    );
    let results = run["results"].as_array().unwrap();
    // Three failures, two failures not re-checked, one resolved, one no longer audited.
    assert_eq!(results.len(), 7);
    for result in results {
        assert!(result["partialFingerprints"]["primaryLocationLineHash"].is_string());
        assert!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                > 1
        );
    }
    assert_eq!(
        run["invocations"][0]["executionSuccessful"], false,
        "an error is a failed execution"
    );
    let states: Vec<&str> = results
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "new",
            "unchanged",
            "new",
            "unchanged",
            "unchanged",
            "absent",
            "absent"
        ]
    );
    let launchguard_states: Vec<&str> = results
        .iter()
        .map(|r| r["properties"]["baseline"].as_str().unwrap())
        .collect();
    assert_eq!(
        launchguard_states,
        [
            "new",
            "unchanged",
            "new",
            "not_rechecked",
            "not_rechecked",
            "resolved",
            "no_longer_audited"
        ]
    );
    let kinds: Vec<Option<&str>> = results.iter().map(|r| r["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            None,
            None,
            None,
            None,
            None,
            Some("pass"),
            Some("notApplicable")
        ],
        "a problem that was not re-checked stays open (kind fail by default)"
    );
}

#[test]
fn junit_snapshot_and_counts() {
    let text = rendered(ReportFormat::Junit);
    insta::assert_snapshot!(text);
    let parsed = quick_junit::Report::deserialize_from_str(&text).expect("well-formed JUnit XML");
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.name.as_str(), "health");
    // Six findings plus the two baseline problems not re-checked, which count as errors.
    assert_eq!(
        (suite.test_cases.len(), suite.failures, suite.errors),
        (8, 3, 3)
    );
    let out = suite.system_out.as_ref().unwrap().as_str();
    assert!(
        out.contains(
            "resolved since baseline: health.unreachable on https://api.example.com/health"
        ) && out.contains(
            "no longer audited since baseline: health.slow on https://legacy.example.com/health"
        ),
        "{out}"
    );
    assert!(text.contains("<skipped"), "{text}");
}

#[test]
fn markdown_snapshot() {
    let text = rendered(ReportFormat::Markdown);
    insta::assert_snapshot!(text);
    assert!(
        text.contains(r"answered HTTP 503 \| \<degraded\> \&"),
        "pipes, tags and entities are escaped"
    );
}

#[test]
fn html_snapshot_is_self_contained_and_escaped() {
    let text = rendered(ReportFormat::Html);
    insta::assert_snapshot!(text);
    for external in ["<link", "src=\"http", "src='http", "@import", "url(http"] {
        assert!(
            !text.contains(external),
            "external asset {external:?} in the HTML report"
        );
    }
    assert!(
        text.contains("&#60;degraded&#62; &#38; &#34;quoted&#34;"),
        "HTML is escaped"
    );
    assert!(!text.contains("<degraded>"));
}

#[test]
fn no_format_carries_the_secret() {
    for format in ReportFormat::ALL {
        let text = rendered(format);
        assert!(
            !text.contains("fixture-password-value"),
            "{format:?} leaks the secret"
        );
    }
}
