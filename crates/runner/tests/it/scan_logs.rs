//! `launchguard scan-logs` as users run it: files, stdin, every format, scrubbing.

use std::io::Write;
use std::process::{Command, Stdio};

use launchguard_lab::logs::{PLANTED_LOG_SECRETS, write};

use crate::support::{assert_valid, launchguard, read_json, workspace_root};

#[test]
fn scan_logs_reports_every_format_without_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write(&logs).unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "scan-logs",
        logs.to_str().unwrap(),
        "--output-dir",
        out.to_str().unwrap(),
    ];
    for format in ["terminal", "json", "sarif", "junit", "markdown", "html"] {
        args.extend(["--format", format]);
    }
    let run = launchguard(&args, dir.path());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("secrets.openai_key") && run.stdout.contains("seen 2 times"),
        "{run:?}"
    );
    let mut texts = vec![run.stdout.clone(), run.stderr.clone()];
    for entry in std::fs::read_dir(&out).unwrap() {
        texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for text in &texts {
        for secret in PLANTED_LOG_SECRETS {
            assert!(!text.contains(secret), "a report contains {secret}");
        }
    }
    let sarif = read_json(&out.join("launchguard-report.sarif"));
    if let Some(schema) =
        std::env::var_os("LAUNCHGUARD_SARIF_SCHEMA").filter(|p| std::path::Path::new(p).is_file())
    {
        assert_valid(
            &read_json(std::path::Path::new(&schema)),
            &sarif,
            "scan-logs SARIF",
        );
    }
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .contains("logs/"),
        "{location}"
    );
    let report = read_json(&out.join("launchguard-report.json"));
    assert_valid(
        &read_json(&workspace_root().join("docs/report.schema.json")),
        &report,
        "scan-logs JSON",
    );
}

#[test]
fn stdin_and_scrub() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_launchguard"))
        .args(["scan-logs", "-", "--format", "json", "--output-dir"])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("deploy token={}\n", PLANTED_LOG_SECRETS[3]).as_bytes())
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1));
    let report = read_json(&dir.path().join("launchguard-report.json"));
    let found: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["secrets.github_token"]);

    let logs = dir.path().join("logs");
    write(&logs).unwrap();
    let scrubbed = dir.path().join("app.scrubbed.jsonl");
    let run = launchguard(
        &[
            "scan-logs",
            logs.join("app.jsonl").to_str().unwrap(),
            "--scrub",
            scrubbed.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let text = std::fs::read_to_string(&scrubbed).unwrap();
    for secret in PLANTED_LOG_SECRETS {
        assert!(!text.contains(secret), "scrubbed copy still holds {secret}");
    }
    assert!(
        text.contains("[REDACTED secrets.openai_key]") && text.contains("tenant_id"),
        "{text}"
    );
    assert_eq!(
        text.lines().count(),
        std::fs::read_to_string(logs.join("app.jsonl"))
            .unwrap()
            .lines()
            .count()
    );
    let scan_again = launchguard(
        &[
            "scan-logs",
            scrubbed.to_str().unwrap(),
            "--format",
            "json",
            "--output-dir",
            dir.path().join("again").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(
        scan_again.code, 0,
        "a scrubbed log scans clean: {scan_again:?}"
    );

    let two = launchguard(&["scan-logs", "a", "b", "--scrub", "out"], dir.path());
    assert_eq!(two.code, 64, "{two:?}");
}

#[test]
fn nothing_read_is_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty-dir")).unwrap();
    std::fs::write(dir.path().join("empty.log"), "").unwrap();
    for (input, code, passes) in [
        ("missing.log", 2, false),
        ("empty-dir", 2, false),
        ("empty.log", 0, true),
    ] {
        let out = dir.path().join(format!("out-{input}"));
        let run = launchguard(
            &[
                "scan-logs",
                input,
                "--format",
                "json",
                "--output-dir",
                out.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert_eq!(run.code, code, "{input}: {run:?}");
        let report = read_json(&out.join("launchguard-report.json"));
        let passed = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["status"] == "pass" && f["check"] != "logs.unscanned");
        assert_eq!(passed, passes, "{input}: {report:#}");
    }
}
