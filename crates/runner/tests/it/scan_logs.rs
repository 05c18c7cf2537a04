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

/// Runs launchguard and kills it (failing the test) if it has not finished within a minute.
fn launchguard_within_a_minute(args: &[&str], cwd: &std::path::Path) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_launchguard"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("launchguard {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (status.code().unwrap(), stderr)
}

fn gzip_file(from: &std::path::Path, to: &std::path::Path) {
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(to).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(&std::fs::read(from).unwrap()).unwrap();
    encoder.finish().unwrap();
}

#[test]
fn scrub_reads_a_gzip_log_as_the_scan_does_and_writes_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write(&logs).unwrap();
    let input = dir.path().join("app.jsonl.gz");
    gzip_file(&logs.join("app.jsonl"), &input);
    let scanned = launchguard(
        &[
            "scan-logs",
            input.to_str().unwrap(),
            "--format",
            "json",
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(scanned.code, 1, "the gzip log holds secrets: {scanned:?}");

    let output = dir.path().join("app.scrubbed.jsonl.gz");
    let run = launchguard(
        &[
            "scan-logs",
            input.to_str().unwrap(),
            "--scrub",
            output.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let masked: u64 = run
        .stderr
        .strip_prefix("masked ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{run:?}"));
    assert!(masked > 0, "{run:?}");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&output).unwrap()),
        &mut text,
    )
    .unwrap();
    for secret in PLANTED_LOG_SECRETS {
        assert!(!text.contains(secret), "scrubbed copy still holds {secret}");
    }
    assert!(text.contains("[REDACTED secrets.openai_key]"), "{text}");
    let again = launchguard(
        &[
            "scan-logs",
            output.to_str().unwrap(),
            "--format",
            "json",
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(again.code, 0, "the scrubbed copy scans clean: {again:?}");

    let zstd = dir.path().join("app.jsonl.zst");
    std::fs::write(
        &zstd,
        ruzstd_free_zstd_frame(&std::fs::read(logs.join("app.jsonl")).unwrap()),
    )
    .unwrap();
    let refused = dir.path().join("never.zst");
    let run = launchguard(
        &[
            "scan-logs",
            zstd.to_str().unwrap(),
            "--scrub",
            refused.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(run.code, 64, "{run:?}");
    assert!(run.stderr.contains("zstd"), "{run:?}");
    assert!(!refused.exists(), "no copy is left behind");
}

/// A zstd frame of raw blocks (no compression), built by hand: the runner has no zstd encoder.
fn ruzstd_free_zstd_frame(data: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58];
    let chunks: Vec<&[u8]> = data.chunks(100_000).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = u32::from(i + 1 == chunks.len());
        let header = last | ((chunk.len() as u32) << 3);
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.extend_from_slice(chunk);
    }
    frame
}

#[test]
fn special_files_huge_thread_counts_and_hostile_names_never_hang() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write(&logs).unwrap();
    let fifo = dir.path().join("pipe.log");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let clean = dir.path().join("clean");
    std::fs::create_dir(&clean).unwrap();
    std::fs::write(clean.join("app.log"), "GET /health 200\n").unwrap();
    std::os::unix::fs::symlink(&fifo, clean.join("to-pipe.log")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", clean.join("zero.log")).unwrap();
    let out = dir.path().join("out");
    let (code, stderr) = launchguard_within_a_minute(
        &[
            "scan-logs",
            clean.to_str().unwrap(),
            "--format",
            "json",
            "--output-dir",
            out.to_str().unwrap(),
            "--quiet",
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{stderr}");
    let report = read_json(&out.join("launchguard-report.json"));
    let unscanned: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "logs.unscanned")
        .map(|f| format!("{} {}", f["status"], f["message"]))
        .collect();
    assert_eq!(unscanned.len(), 2, "{unscanned:?}");
    assert!(
        unscanned
            .iter()
            .any(|u| u.contains("to-pipe.log") && u.contains("FIFO"))
    );
    assert!(
        unscanned
            .iter()
            .any(|u| u.contains("zero.log") && u.contains("character device"))
    );
    assert!(unscanned.iter().all(|u| u.starts_with("\"error\"")));

    for input in [fifo.to_str().unwrap(), "/dev/zero"] {
        let (code, stderr) = launchguard_within_a_minute(
            &[
                "scan-logs",
                input,
                "--format",
                "json",
                "--output-dir",
                out.to_str().unwrap(),
                "--quiet",
            ],
            dir.path(),
        );
        assert_eq!(code, 2, "{input}: {stderr}");
        let scrubbed = dir.path().join("scrubbed.log");
        let (code, stderr) = launchguard_within_a_minute(
            &["scan-logs", input, "--scrub", scrubbed.to_str().unwrap()],
            dir.path(),
        );
        assert_eq!(code, 64, "{input}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
        assert!(!scrubbed.exists());
    }

    for threads in ["100000", "18446744073709551615"] {
        let (code, stderr) = launchguard_within_a_minute(
            &[
                "scan-logs",
                logs.join("app.jsonl").to_str().unwrap(),
                "--threads",
                threads,
                "--format",
                "json",
                "--output-dir",
                out.to_str().unwrap(),
                "--quiet",
            ],
            dir.path(),
        );
        assert_eq!(code, 1, "--threads {threads}: {stderr}");
    }

    let hostile = dir.path().join("evil\x1b[2J\x07.log.zst");
    std::fs::write(&hostile, ruzstd_free_zstd_frame(b"line\n")).unwrap();
    let (code, stderr) = launchguard_within_a_minute(
        &["scan-logs", hostile.to_str().unwrap(), "--scrub", "-"],
        dir.path(),
    );
    assert_eq!(code, 64, "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07') && stderr.contains("evil"),
        "control characters reach the terminal: {stderr:?}"
    );
}
