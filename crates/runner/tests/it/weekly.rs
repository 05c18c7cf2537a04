//! Weekly audits: suppressions, expiry, regressions in `diff`, and what a baseline may call
//! resolved (only a problem whose check ran on its target again and passed).

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use launchguard::agents::registry;
use launchguard::baseline::load_suppressions;
use serde_json::Value;

use crate::support::{
    Run, assert_valid, demo_json, launchguard, launchguard_with_env, raw_http_server, read_json,
    workspace_root, write,
};

fn finding<'a>(report: &'a Value, check: &str, endpoint: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check && f["target"]["id"] == format!("health:{endpoint}"))
        .unwrap()
}

#[test]
fn suppressions_hide_accepted_findings_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let suppressions = write(
        dir.path(),
        "suppressions.toml",
        r#"
[[suppress]]
check = "health.verbose"
target = "health:verbose"
reason = "Diagnostics endpoint, firewalled off (TICKET-12)"
expires = 2099-12-31

[[suppress]]
check = "health.slow"
reason = "Accepted during the migration"
expires = "2020-01-31"

[[suppress]]
check = "health.*"
target = "health:nonexistent"
reason = "Left over"
expires = 2099-01-01
"#,
    );
    let out = dir.path().join("out");
    let run = launchguard(
        &[
            "demo",
            "--output-dir",
            out.to_str().unwrap(),
            "--suppressions",
            suppressions.to_str().unwrap(),
            "--fail-on",
            "medium",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1, "{run:?}");
    let report = read_json(&out.join("launchguard-report.json"));
    let verbose = finding(&report, "health.verbose", "verbose");
    assert_eq!(
        verbose["status"], "fail",
        "a suppressed finding keeps its status"
    );
    assert_eq!(
        verbose["suppressed"]["reason"],
        "Diagnostics endpoint, firewalled off (TICKET-12)"
    );
    assert!(
        finding(&report, "health.slow", "slow")
            .get("suppressed")
            .is_none(),
        "an expired suppression does not apply"
    );
    let notes = report["suppression_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert_eq!(notes[0]["state"], "expired");
    assert!(
        notes[0]["location"]
            .as_str()
            .unwrap()
            .ends_with("suppressions.toml:10"),
        "{notes:#?}"
    );
    assert_eq!(notes[1]["state"], "unused");
    assert!(
        run.stdout
            .contains("expired on 2020-01-31 and no longer applies"),
        "{run:?}"
    );
    assert!(run.stdout.contains("SUPPRESSED (1)"), "{run:?}");
    assert_eq!(report["summary"]["suppressed"], 1);
    let sarif = read_json(&out.join("launchguard-report.sarif"));
    let suppressed: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);

    // Suppressing every failing check leaves only what must still fail the run: nothing at all.
    let all = write(
        dir.path(),
        "all.toml",
        "[[suppress]]\ncheck = \"*\"\nreason = \"lab\"\nexpires = 2099-01-01\n",
    );
    let run = demo_json(
        dir.path(),
        &dir.path().join("all"),
        &["--suppressions", all.to_str().unwrap()],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn suppression_file_mistakes_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry();
    let cases = [
        (
            "[[suppress]]\ncheck = \"health.nope\"\nreason = \"r\"\nexpires = 2099-01-01\n",
            2,
            "unknown check",
        ),
        (
            "[[suppress]]\ncheck = \"health.slow\"\nreason = \"\"\nexpires = 2099-01-01\n",
            3,
            "needs a reason",
        ),
        (
            "[[suppress]]\ncheck = \"health.slow\"\nreason = \"r\"\nexpires = \"next week\"\n",
            4,
            "YYYY-MM-DD",
        ),
        (
            "[[suppress]]\nreason = \"r\"\nexpires = 2099-01-01\n",
            2,
            "needs `fingerprint` or `check`",
        ),
        (
            "[[suppress]]\ncheck = \"health.slow\"\nreason = \"r\"\n",
            1,
            "missing field `expires`",
        ),
        (
            "[[suppress]]\ncheck = \"health.slow\"\nreason = \"r\"\nexpires = 2099-01-01\nowner = \"me\"\n",
            5,
            "unknown field `owner`",
        ),
    ];
    for (text, line, needle) in cases {
        let path = write(dir.path(), "s.toml", text);
        let err = load_suppressions(&path, &registry).unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(line), "{err}");
        assert!(err.to_string().contains(needle), "{needle:?} not in {err}");
    }
    let good = write(
        dir.path(),
        "ok.toml",
        "[[suppress]]\nfingerprint = \"lgf1:00\"\nreason = \"r\"\nexpires = 2099-01-01\n",
    );
    assert_eq!(load_suppressions(&good, &registry).unwrap().len(), 1);
}

/// `report` as it would read had `check` passed everywhere.
fn passing_everywhere(report: &Path, check: &str, out: &Path) {
    let mut value = read_json(report);
    for finding in value["findings"].as_array_mut().unwrap() {
        if finding["check"] == check {
            finding["status"] = "pass".into();
        }
    }
    std::fs::write(out, serde_json::to_string(&value).unwrap()).unwrap();
}

#[test]
fn diff_names_regressions_and_resolutions_and_fails_on_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = demo_json(dir.path(), &out, &[], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let current = out.join("launchguard-report.json");
    let older = dir.path().join("older.json");
    passing_everywhere(&current, "health.status", &older);

    let diff = launchguard(
        &["diff", older.to_str().unwrap(), current.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(diff.code, 1, "a new high finding is a regression: {diff:?}");
    assert!(
        diff.stdout.contains("New (1)") && diff.stdout.contains("health.status"),
        "{diff:?}"
    );

    let reverse = launchguard(
        &[
            "diff",
            current.to_str().unwrap(),
            older.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(reverse.code, 0, "{reverse:?}");
    let value: Value = serde_json::from_str(&reverse.stdout).unwrap();
    assert_eq!(value["resolved"].as_array().unwrap().len(), 1);
    assert_eq!(value["new_problems"].as_array().unwrap().len(), 0);

    let mut future = read_json(&current);
    future["schema_version"] = "2.0".into();
    let future_path = dir.path().join("future.json");
    std::fs::write(&future_path, future.to_string()).unwrap();
    let refused = launchguard(
        &[
            "diff",
            current.to_str().unwrap(),
            future_path.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(refused.code, 64, "{refused:?}");
    assert!(refused.stderr.contains("schema version 2.0"), "{refused:?}");
}

fn http_server(status: u16) -> SocketAddr {
    raw_http_server(
        format!("HTTP/1.1 {status} Status\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            .into_bytes(),
    )
}

/// A loopback port where nothing listens.
fn closed_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A `[health]` configuration: (name, address, an extra line for the endpoint).
fn health_config(dir: &Path, name: &str, endpoints: &[(&str, SocketAddr, &str)]) -> PathBuf {
    let mut text = "[scope]\nhosts = [\"127.0.0.1\"]\n\n[health]\n".to_owned();
    for (endpoint, addr, extra) in endpoints {
        text.push_str(&format!(
            "[[health.endpoints]]\nname = \"{endpoint}\"\nurl = \"http://{addr}/health\"\n{extra}\n"
        ));
    }
    write(dir, name, &text)
}

const AUTH: &str = "headers_from_env = { Authorization = \"LG_WEEKLY_HEALTH_AUTH\" }";

fn audit(dir: &Path, config: &Path, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec![
        "audit",
        "--config",
        config.to_str().unwrap(),
        "--output-dir",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    launchguard_with_env(&args, dir, env)
}

fn gone_ids(report: &Value, list: &str) -> Vec<String> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["check"].as_str().unwrap(),
                f["target"]["id"].as_str().unwrap()
            )
        })
        .collect()
}

/// The issue's weekly run: last week every endpoint failed `health.status`; this week one passes,
/// one lost its credential (its checks are `error`), one is down (`health.status` is `skipped`),
/// one left the configuration and one still fails. Only the one that passes is resolved, in
/// every format.
#[test]
fn a_baseline_problem_is_resolved_only_when_its_check_passes_again_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    // One server per endpoint, so that each target's address says which one a line is about.
    let [fixed, credential, offline, removed, still] = [(); 5].map(|()| http_server(503));
    let healthy = http_server(200);
    let with_credential = [("LG_WEEKLY_HEALTH_AUTH", "Bearer weekly")];
    let last_week = health_config(
        dir.path(),
        "last-week.toml",
        &[
            ("fixed", fixed, ""),
            ("credential", credential, AUTH),
            ("offline", offline, ""),
            ("removed", removed, ""),
            ("still", still, ""),
        ],
    );
    let first = audit(
        dir.path(),
        &last_week,
        &dir.path().join("last"),
        &["--format", "json"],
        &with_credential,
    );
    assert_eq!(first.code, 1, "{first:?}");
    let baseline = dir.path().join("last/launchguard-report.json");

    let this_week = health_config(
        dir.path(),
        "this-week.toml",
        &[
            ("fixed", healthy, ""),
            ("credential", credential, AUTH),
            ("offline", closed_port(), ""),
            ("still", still, ""),
        ],
    );
    let out = dir.path().join("this");
    let mut args = vec!["--baseline", baseline.to_str().unwrap(), "--allow-errors"];
    for format in ["terminal", "json", "sarif", "junit", "markdown", "html"] {
        args.extend(["--format", format]);
    }
    // Without the credential: the `credential` endpoint's checks are `error`.
    let second = audit(dir.path(), &this_week, &out, &args, &[]);
    assert_eq!(
        second.code, 1,
        "health.unreachable on `offline` is new: {second:?}"
    );

    // JSON, against its schema.
    let report = read_json(&out.join("launchguard-report.json"));
    assert_valid(
        &read_json(&workspace_root().join("docs/report.schema.json")),
        &report,
        "the weekly JSON report",
    );
    assert_eq!(
        gone_ids(&report, "resolved"),
        ["health.status health:fixed"]
    );
    assert_eq!(
        gone_ids(&report, "not_rechecked"),
        [
            "health.status health:credential",
            "health.status health:offline"
        ]
    );
    assert_eq!(
        gone_ids(&report, "no_longer_audited"),
        ["health.status health:removed"]
    );
    for (list, state) in [
        ("resolved", "resolved"),
        ("not_rechecked", "not_rechecked"),
        ("no_longer_audited", "no_longer_audited"),
    ] {
        for f in report[list].as_array().unwrap() {
            assert_eq!(f["baseline"], state, "{f}");
        }
    }
    let summary = &report["summary"];
    assert_eq!(
        (
            &summary["resolved"],
            &summary["not_rechecked"],
            &summary["no_longer_audited"],
            &summary["unchanged"]
        ),
        (&1.into(), &2.into(), &1.into(), &1.into()),
        "{summary}"
    );

    // Terminal.
    for expected in [
        "NOT RE-CHECKED SINCE BASELINE (2)",
        "RESOLVED SINCE BASELINE (1)",
        "NO LONGER AUDITED (the target had no finding this time) (1)",
        "1 resolved, 2 not re-checked, 1 no longer audited",
    ] {
        assert!(second.stdout.contains(expected), "{expected:?}: {second:?}");
    }
    let section = |text: &str, start: &str, end: &str| -> String {
        let from = text
            .find(start)
            .unwrap_or_else(|| panic!("{start:?} in {text}"));
        let rest = &text[from..];
        rest[..rest[start.len()..]
            .find(end)
            .map_or(rest.len(), |e| e + start.len())]
            .to_owned()
    };
    // Which of last week's endpoints a part of a report names (each had its own address).
    let endpoints = [
        ("fixed", fixed),
        ("credential", credential),
        ("offline", offline),
        ("removed", removed),
        ("still", still),
    ];
    let named = |part: &str| -> Vec<&str> {
        endpoints
            .iter()
            .filter(|(_, addr)| part.contains(&format!("{addr}/health")))
            .map(|(name, _)| *name)
            .collect()
    };
    assert_eq!(
        named(&section(&second.stdout, "NOT RE-CHECKED", "\n\n")),
        ["credential", "offline"]
    );
    assert_eq!(
        named(&section(&second.stdout, "RESOLVED SINCE", "\n\n")),
        ["fixed"]
    );
    assert_eq!(
        named(&section(&second.stdout, "NO LONGER AUDITED", "\n\n")),
        ["removed"]
    );

    // SARIF: the unverified problems stay open for code scanning.
    let sarif = read_json(&out.join("launchguard-report.sarif"));
    let state_of = |target: &str| -> (String, String, Option<String>) {
        let result = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["ruleId"] == "health.status"
                    && r["locations"][0]["logicalLocations"][0]["name"] == target
            })
            .unwrap_or_else(|| panic!("no health.status result for {target}"));
        (
            result["properties"]["baseline"]
                .as_str()
                .unwrap()
                .to_owned(),
            result["baselineState"].as_str().unwrap().to_owned(),
            result["kind"].as_str().map(str::to_owned),
        )
    };
    let state =
        |a: &str, b: &str, c: Option<&str>| (a.to_owned(), b.to_owned(), c.map(str::to_owned));
    assert_eq!(
        state_of("health:fixed"),
        state("resolved", "absent", Some("pass"))
    );
    assert_eq!(
        state_of("health:credential"),
        state("not_rechecked", "unchanged", None)
    );
    assert_eq!(
        state_of("health:offline"),
        state("not_rechecked", "unchanged", None)
    );
    assert_eq!(
        state_of("health:removed"),
        state("no_longer_audited", "absent", Some("notApplicable"))
    );
    assert_eq!(
        state_of("health:still"),
        state("unchanged", "unchanged", None)
    );

    // JUnit: the unverified problems are errors.
    let junit_text = std::fs::read_to_string(out.join("launchguard-report.junit.xml")).unwrap();
    let junit = quick_junit::Report::deserialize_from_str(&junit_text).expect("JUnit XML");
    let suite = &junit.test_suites[0];
    let baseline_cases: Vec<String> = suite
        .test_cases
        .iter()
        .filter(|c| c.name.as_str() == "health.status (baseline problem)")
        .map(|c| {
            assert!(
                matches!(
                    &c.status,
                    quick_junit::TestCaseStatus::NonSuccess {
                        kind: quick_junit::NonSuccessKind::Error,
                        ..
                    }
                ),
                "{c:?}"
            );
            c.classname.as_ref().unwrap().as_str().to_owned()
        })
        .collect();
    assert_eq!(
        baseline_cases,
        [
            "launchguard.health.health:credential",
            "launchguard.health.health:offline"
        ]
    );
    let system_out = suite.system_out.as_ref().unwrap().as_str();
    assert!(
        system_out.contains("resolved since baseline: health.status")
            && system_out.contains("no longer audited since baseline: health.status")
            && system_out.lines().count() == 2,
        "{system_out}"
    );

    // Markdown and HTML: one section per state, each with its rows.
    let markdown = std::fs::read_to_string(out.join("launchguard-report.md")).unwrap();
    let html = std::fs::read_to_string(out.join("launchguard-report.html")).unwrap();
    for (text, heading, end) in [
        (&markdown, "## Not re-checked since the baseline", "\n## "),
        (&html, "<h2 id=\"not-rechecked\">", "<h2 "),
    ] {
        let part = section(text, heading, end);
        assert_eq!(part.matches("health.status").count(), 2, "{part}");
        assert_eq!(named(&part), ["credential", "offline"], "{part}");
    }
    for (text, heading, end) in [
        (&markdown, "## Resolved since the baseline", "\n## "),
        (&html, "<h2 id=\"resolved\">", "<h2 "),
    ] {
        let part = section(text, heading, end);
        assert_eq!(part.matches("health.status").count(), 1, "{part}");
        assert_eq!(named(&part), ["fixed"], "{part}");
    }
    for (text, heading, end) in [
        (&markdown, "## No longer audited", "\n## "),
        (
            &html,
            "<h2 id=\"no-longer-audited\">",
            "<section class=\"docs\">",
        ),
    ] {
        let part = section(text, heading, end);
        assert_eq!(part.matches("health.status").count(), 1, "{part}");
        assert_eq!(named(&part), ["removed"], "{part}");
    }
    assert!(markdown.contains("1 resolved, **2 not re-checked**, 1 no longer audited"));

    // diff says the same, in every diff format.
    let diff = launchguard(
        &[
            "diff",
            baseline.to_str().unwrap(),
            out.join("launchguard-report.json").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(diff.code, 1, "a new critical failure: {diff:?}");
    for expected in [
        "Not re-checked (2)",
        "Resolved (1)",
        "No longer audited (1)",
        "Unchanged (1)",
    ] {
        assert!(diff.stdout.contains(expected), "{expected:?}: {diff:?}");
    }
    let diff_json = launchguard(
        &[
            "diff",
            baseline.to_str().unwrap(),
            out.join("launchguard-report.json").to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
    );
    let value: Value = serde_json::from_str(&diff_json.stdout).unwrap();
    assert_eq!(gone_ids(&value, "resolved"), ["health.status health:fixed"]);
    assert_eq!(value["not_rechecked"].as_array().unwrap().len(), 2);
    assert_eq!(value["no_longer_audited"].as_array().unwrap().len(), 1);
    let diff_markdown = launchguard(
        &[
            "diff",
            baseline.to_str().unwrap(),
            out.join("launchguard-report.json").to_str().unwrap(),
            "--format",
            "markdown",
        ],
        dir.path(),
    );
    assert!(
        diff_markdown.stdout.contains("**Not re-checked (2)**")
            && diff_markdown.stdout.contains("**Resolved (1)**"),
        "{diff_markdown:?}"
    );
}

/// A problem nobody could look at again fails a `--fail-on-new` run the way a new error does:
/// exit 2, unless `--allow-errors`; `diff` alike.
#[test]
fn not_rechecked_problems_fail_fail_on_new_runs_like_errors() {
    let dir = tempfile::tempdir().unwrap();
    let failing = http_server(503);
    let config = health_config(dir.path(), "first.toml", &[("api", failing, "")]);
    let first = audit(
        dir.path(),
        &config,
        &dir.path().join("first"),
        &["--format", "json"],
        &[],
    );
    assert_eq!(first.code, 1, "{first:?}");
    let baseline = dir.path().join("first/launchguard-report.json");
    // The endpoint is down now: health.unreachable fails (accepted below), health.status is
    // skipped, so nothing in this run is an error.
    let down = health_config(dir.path(), "down.toml", &[("api", closed_port(), "")]);
    let accepted = write(
        dir.path(),
        "accepted.toml",
        "[[suppress]]\ncheck = \"health.unreachable\"\nreason = \"planned outage\"\nexpires = 2099-01-01\n",
    );
    let policy = [
        "--format",
        "json",
        "--baseline",
        baseline.to_str().unwrap(),
        "--fail-on-new",
        "--suppressions",
        accepted.to_str().unwrap(),
    ];
    let second = audit(dir.path(), &down, &dir.path().join("second"), &policy, &[]);
    assert_eq!(second.code, 2, "{second:?}");
    assert!(
        second
            .stderr
            .contains("1 baseline problem(s) could not be re-checked"),
        "{second:?}"
    );
    let report = read_json(&dir.path().join("second/launchguard-report.json"));
    assert_eq!(report["summary"]["error"], 0, "no error in this run");
    assert_eq!(report["summary"]["resolved"], 0);
    assert_eq!(report["summary"]["not_rechecked"], 1);

    let mut allowed_args = policy.to_vec();
    allowed_args.push("--allow-errors");
    let allowed = audit(
        dir.path(),
        &down,
        &dir.path().join("third"),
        &allowed_args,
        &[],
    );
    assert_eq!(allowed.code, 0, "{allowed:?}");

    let newer = dir.path().join("second/launchguard-report.json");
    let diff = launchguard(
        &["diff", baseline.to_str().unwrap(), newer.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(diff.code, 2, "{diff:?}");
    let diff_allowed = launchguard(
        &[
            "diff",
            baseline.to_str().unwrap(),
            newer.to_str().unwrap(),
            "--allow-errors",
        ],
        dir.path(),
    );
    assert_eq!(diff_allowed.code, 0, "{diff_allowed:?}");
}

/// Secrets in logs: a problem under a scanned root is resolved when its rule ran over the root
/// again (another secret of the same rule elsewhere does not keep it open); a root that could not
/// be read leaves it not re-checked; a root no longer given is no longer audited.
#[test]
fn scan_logs_baselines_follow_what_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let key_a = "sk-proj-lgWeekly0123456789abcdefGHIJKLMNOPQRSTUVwxyz_-0123456789ABCDEFGH";
    let key_b = "sk-proj-lgWeekly9876543210abcdefGHIJKLMNOPQRSTUVwxyz_-0123456789ABCDEFGH";
    std::fs::write(logs.join("app.log"), format!("token={key_a}\n")).unwrap();
    let scan = |out: &str, paths: &[&Path], baseline: Option<&Path>| -> Run {
        let out = dir.path().join(out);
        let mut args = vec!["scan-logs".to_owned()];
        args.extend(paths.iter().map(|p| p.to_str().unwrap().to_owned()));
        args.extend(
            [
                "--format",
                "json",
                "--output-dir",
                out.to_str().unwrap(),
                "--allow-errors",
            ]
            .map(String::from),
        );
        if let Some(b) = baseline {
            args.extend(["--baseline".to_owned(), b.to_str().unwrap().to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        launchguard(&args, dir.path())
    };
    let first = scan("first", &[&logs], None);
    let baseline = dir.path().join("first/launchguard-report.json");
    let before = read_json(&baseline);
    let openai: Vec<&Value> = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert_eq!(openai.len(), 1, "{first:?}");
    let check = openai[0]["check"].as_str().unwrap().to_owned();

    // The key was rotated: the old one is gone, a new one leaked.
    std::fs::write(logs.join("app.log"), format!("token={key_b}\n")).unwrap();
    scan("rotated", &[&logs], Some(&baseline));
    let rotated = read_json(&dir.path().join("rotated/launchguard-report.json"));
    assert_eq!(gone_ids(&rotated, "resolved").len(), 1, "{rotated:#}");
    assert!(gone_ids(&rotated, "resolved")[0].starts_with(&check));
    assert_eq!(rotated["summary"]["new"], 1);

    // Nothing to read under the root: every rule is skipped, nothing is resolved.
    std::fs::remove_file(logs.join("app.log")).unwrap();
    scan("empty", &[&logs], Some(&baseline));
    let report = read_json(&dir.path().join("empty/launchguard-report.json"));
    assert!(gone_ids(&report, "resolved").is_empty(), "{report:#}");
    assert_eq!(gone_ids(&report, "not_rechecked").len(), 1, "{report:#}");

    // Another root: the old one is no longer audited.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("clean.log"), "nothing here\n").unwrap();
    scan("other", &[&other], Some(&baseline));
    let report = read_json(&dir.path().join("other/launchguard-report.json"));
    assert!(gone_ids(&report, "resolved").is_empty(), "{report:#}");
    assert_eq!(
        gone_ids(&report, "no_longer_audited").len(),
        1,
        "{report:#}"
    );
}
