//! Faults: a log too large to read within the agent's deadline, a disk that fills while a report is
//! written, a target that resets mid-response. Each ends as `error` (exit 2) in bounded time, and
//! never costs the previous report or the baseline.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{launchguard, read_json, write};

fn findings<'a>(report: &'a Value, check: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

#[test]
fn a_log_larger_than_the_deadline_allows_ends_the_run_with_the_report_written() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    // 200 GB that take no disk: a text line, then a hole the kernel reads as zeros at memory
    // speed; scanning all of it takes minutes.
    let huge = std::fs::File::create(logs.join("huge.log")).unwrap();
    let lines = "2026-11-26T10:00:00Z info app started\n".repeat(1024);
    (&huge).write_all(lines.as_bytes()).unwrap();
    huge.set_len(200 << 30).unwrap();
    let config = write(
        dir.path(),
        "launchguard.toml",
        "[scope]\nhosts = [\"127.0.0.1\"]\nagent_deadline_secs = 1\n\n[logs]\npaths = [\"logs\"]\n",
    );
    let started = Instant::now();
    let run = launchguard(
        &[
            "audit",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
            "--output-dir",
            "out",
        ],
        dir.path(),
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(20),
        "the process ran {took:?} past a 1 s deadline: {run:?}"
    );
    assert_eq!(run.code, 2, "{run:?}");
    let report = read_json(&dir.path().join("out/launchguard-report.json"));
    let unscanned = findings(&report, "logs.unscanned");
    assert!(
        unscanned
            .iter()
            .any(|f| f["status"] == "error" && f["message"].as_str().unwrap().contains("deadline")),
        "{unscanned:#?}"
    );
    assert!(
        unscanned.iter().all(|f| f["status"] != "pass"),
        "{unscanned:#?}"
    );
}
