//! Scheduled runs past one machine and into the tools already running: `--shard` and `merge`,
//! webhook notifications, selection by check and glob, and the output conventions.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::support::{Run, launchguard, launchguard_with_env, raw_http_server, read_json, write};

fn http_server(status: u16, body: &str) -> SocketAddr {
    raw_http_server(
        format!(
            "HTTP/1.1 {status} Status\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

fn closed_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Eight health endpoints (healthy, failing, verbose, down) and the lab's logs.
fn config(dir: &Path, endpoints: &[(String, SocketAddr)]) -> std::path::PathBuf {
    launchguard_lab::logs::write(&dir.join("logs")).unwrap();
    let mut text =
        "[scope]\nhosts = [\"127.0.0.1\"]\n\n[logs]\npaths = [\"logs\"]\n\n[health]\n".to_owned();
    for (name, addr) in endpoints {
        text.push_str(&format!(
            "[[health.endpoints]]\nname = \"{name}\"\nurl = \"http://{addr}/health\"\n\n"
        ));
    }
    write(dir, "launchguard.toml", &text)
}

fn audit(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["audit", "--config", "launchguard.toml", "--allow-errors"];
    args.extend_from_slice(extra);
    launchguard(&args, dir)
}

/// What must be equal between a single run and the merged shards: every finding with its
/// fingerprint, status, severity and baseline state, the baseline's gone problems, and the
/// summary (times aside, which differ between any two runs).
fn comparable(report: &Value) -> Value {
    let findings = |list: &str| -> BTreeSet<String> {
        report[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {} {} {}",
                    f["fingerprint"],
                    f["check"],
                    f["target"]["id"],
                    f["status"],
                    f["severity"],
                    f["baseline"]
                )
            })
            .collect()
    };
    serde_json::json!({
        "findings": findings("findings"),
        "resolved": findings("resolved"),
        "not_rechecked": findings("not_rechecked"),
        "no_longer_audited": findings("no_longer_audited"),
        "summary": report["summary"],
        "agents": report["run"]["agents"],
    })
}

#[test]
fn merging_the_shards_equals_the_single_run_with_the_baseline_intact() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let healthy = http_server(200, "{\"status\":\"ok\"}");
    let failing = http_server(503, "down");
    let verbose = http_server(
        200,
        "{\"status\":\"ok\",\"database_url\":\"postgres://u:p@db/x\"}",
    );
    let down = closed_port();
    // Last week: `fixed` was down, `dropped` was configured and down.
    let last_week: Vec<(String, SocketAddr)> = [
        ("fixed", down),
        ("dropped", down),
        ("a", healthy),
        ("b", failing),
        ("c", verbose),
    ]
    .iter()
    .map(|(n, a)| (n.to_string(), *a))
    .collect();
    config(dir, &last_week);
    let baseline = audit(dir, &["-f", "json", "-o", "baseline.json"]);
    assert_eq!(baseline.code, 1, "{baseline:?}");

    let this_week: Vec<(String, SocketAddr)> = [
        ("fixed", healthy),
        ("a", healthy),
        ("b", failing),
        ("c", verbose),
        ("d", down),
        ("e", healthy),
        ("f", failing),
        ("g", verbose),
    ]
    .iter()
    .map(|(n, a)| (n.to_string(), *a))
    .collect();
    config(dir, &this_week);
    let with_baseline = ["--baseline", "baseline.json", "-f", "json"];
    let single = audit(dir, &[&with_baseline[..], &["-o", "single.json"]].concat());
    assert_eq!(single.code, 1, "{single:?}");
    let single = read_json(&dir.join("single.json"));
    assert!(!single["resolved"].as_array().unwrap().is_empty());
    assert!(!single["no_longer_audited"].as_array().unwrap().is_empty());

    let mut shard_files = Vec::new();
    let mut health_targets = BTreeSet::new();
    for index in 1..=3 {
        let name = format!("shard-{index}.json");
        let shard = format!("{index}/3");
        let run = audit(
            dir,
            &[&with_baseline[..], &["--shard", &shard, "-o", &name]].concat(),
        );
        assert!(run.code <= 1, "{run:?}");
        let report = read_json(&dir.join(&name));
        assert_eq!(report["run"]["shard"], shard.as_str());
        for f in report["findings"].as_array().unwrap() {
            if f["agent"] == "health" {
                health_targets.insert((index, f["target"]["id"].as_str().unwrap().to_owned()));
            }
        }
        shard_files.push(name);
    }
    // The split is real: health targets land in more than one shard, each in exactly one.
    let shards_used: BTreeSet<u32> = health_targets.iter().map(|(i, _)| *i).collect();
    assert!(shards_used.len() > 1, "{health_targets:?}");
    let targets: BTreeSet<&String> = health_targets.iter().map(|(_, t)| t).collect();
    assert_eq!(targets.len(), health_targets.len(), "a target ran twice");

    let mut merge_args = vec!["merge"];
    merge_args.extend(shard_files.iter().map(String::as_str));
    merge_args.extend(["-f", "json", "-o", "merged.json"]);
    let merged_run = launchguard(&merge_args, dir);
    assert_eq!(merged_run.code, 1, "{merged_run:?}");
    let merged = read_json(&dir.join("merged.json"));
    assert_eq!(comparable(&merged), comparable(&single));
    assert!(merged["run"].get("shard").is_none());

    // A shard missing, or given twice, is refused: the merged report would lack targets.
    let partial = launchguard(&["merge", &shard_files[0], &shard_files[1]], dir);
    assert_eq!(partial.code, 64, "{partial:?}");
    assert!(partial.stderr.contains("3/3 missing"), "{partial:?}");
    let twice = launchguard(&["merge", &shard_files[0], &shard_files[0]], dir);
    assert_eq!(twice.code, 64, "{twice:?}");
}

/// A loopback webhook that records each body and answers `status`.
fn webhook(status: u16) -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::http::StatusCode;
    let received = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let store = Arc::clone(&received);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = axum::Router::new().route(
                "/hook/{token}",
                axum::routing::post(move |body: String| {
                    let store = Arc::clone(&store);
                    async move {
                        store.lock().unwrap().push(body);
                        StatusCode::from_u16(status).unwrap()
                    }
                }),
            );
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (format!("http://{addr}/hook/T0KEN-secret"), received)
}

#[test]
fn new_findings_are_posted_once_and_nothing_when_nothing_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let failing = http_server(503, "<b>down</b> & out");
    config(dir, &[("api".to_owned(), failing)]);
    let (url, received) = webhook(200);
    let env = [("LG_TEST_WEBHOOK", url.as_str())];
    let notify = [
        "audit",
        "--config",
        "launchguard.toml",
        "--allow-errors",
        "--notify-webhook-env",
        "LG_TEST_WEBHOOK",
        "--notify-min-severity",
        "high",
        "-f",
        "json",
        "-o",
        "first.json",
    ];
    let first = launchguard_with_env(&notify, dir, &env);
    assert_eq!(first.code, 1, "{first:?}");
    assert!(first.stderr.contains("notification: posted"), "{first:?}");
    assert!(
        !first.stderr.contains("T0KEN"),
        "the webhook URL is a secret: {first:?}"
    );
    let bodies = received.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let text = serde_json::from_str::<Value>(&bodies[0]).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("health.status"), "{text}");
    // Findings at or above high only; markup from the peer cannot become a mention or link.
    assert!(!text.contains("pii.email"), "{text}");
    assert!(!text.contains("<b>"), "{text}");

    // Next week against that baseline: nothing new, nothing posted.
    let mut again = notify.to_vec();
    again.extend(["--baseline", "first.json"]);
    *again.iter_mut().find(|a| **a == "first.json").unwrap() = "second.json";
    let second = launchguard_with_env(&again, dir, &env);
    assert!(
        second.stderr.contains("nothing new at or above high"),
        "{second:?}"
    );
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn a_failed_post_is_reported_and_the_reports_are_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    config(dir, &[("api".to_owned(), http_server(503, "down"))]);
    let (url, received) = webhook(500);
    for (env, expected) in [
        (vec![("LG_TEST_WEBHOOK", url.as_str())], "HTTP 500"),
        (vec![], "LG_TEST_WEBHOOK is not set"),
        (
            vec![("LG_TEST_WEBHOOK", "http://127.0.0.1:1/x")],
            "did not answer",
        ),
    ] {
        let _ = std::fs::remove_file(dir.join("r.json"));
        let run = launchguard_with_env(
            &[
                "audit",
                "--config",
                "launchguard.toml",
                "--notify-webhook-env",
                "LG_TEST_WEBHOOK",
                "-f",
                "json",
                "-o",
                "r.json",
            ],
            dir,
            &env,
        );
        assert_eq!(
            run.code, 1,
            "the findings set the exit code, not the post: {run:?}"
        );
        assert!(run.stderr.contains("was not posted"), "{run:?}");
        assert!(run.stderr.contains(expected), "{run:?}");
        assert!(dir.join("r.json").exists());
    }
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[test]
fn only_and_skip_take_agents_checks_and_globs_and_suggest_names() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    config(dir, &[("api".to_owned(), http_server(503, "down"))]);
    let run = audit(
        dir,
        &[
            "--only",
            "health.sta*,secrets.*",
            "--skip",
            "secrets.db_url",
            "-f",
            "jsonl",
            "-o",
            "-",
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    let checks: BTreeSet<String> = run
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["check"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(checks.contains("health.status"), "{checks:?}");
    assert!(
        checks.iter().any(|c| c.starts_with("secrets.")),
        "{checks:?}"
    );
    assert!(!checks.contains("secrets.db_url"), "{checks:?}");
    assert!(!checks.contains("health.slow"), "{checks:?}");
    assert!(!checks.iter().any(|c| c.starts_with("pii.")), "{checks:?}");

    let typo = audit(dir, &["--only", "health.staus"]);
    assert_eq!(typo.code, 64);
    assert!(
        typo.stderr.contains("did you mean `health.status`?"),
        "{typo:?}"
    );
    let glob = audit(dir, &["--skip", "nothing.*"]);
    assert_eq!(glob.code, 64);
    assert!(glob.stderr.contains("matches no check"), "{glob:?}");
    let unconfigured = audit(dir, &["--only", "tls.cert.expired"]);
    assert_eq!(unconfigured.code, 64);
    assert!(
        unconfigured.stderr.contains("no [tls] section"),
        "{unconfigured:?}"
    );
}

#[test]
fn output_conventions_verdict_first_fail_on_none_min_severity_and_compact() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    config(dir, &[("api".to_owned(), http_server(503, "down"))]);
    let full = audit(dir, &[]);
    assert_eq!(full.code, 1);
    assert!(
        full.stdout
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("Not ready to launch: "),
        "{full:?}"
    );

    let none = audit(dir, &["--fail-on", "none"]);
    assert_eq!(none.code, 0, "{none:?}");
    assert!(
        none.stdout
            .contains("No failing checks counted (--fail-on none)"),
        "{none:?}"
    );

    let high = audit(dir, &["--min-severity", "high", "--compact"]);
    assert_eq!(high.code, 1);
    assert!(high.stdout.contains("health.status"), "{high:?}");
    assert!(!high.stdout.contains("pii.email"), "{high:?}");
    let compact = audit(dir, &["--compact"]);
    let finding_lines = compact
        .stdout
        .lines()
        .filter(|l| l.contains(" FAIL "))
        .count();
    let failed = read_summary_failed(dir);
    assert_eq!(
        finding_lines, failed,
        "one line per failing finding: {compact:?}"
    );

    let both = audit(dir, &["-f", "json,html", "-o", "x"]);
    assert_eq!(both.code, 64, "{both:?}");
    assert!(both.stderr.contains("exactly one --format"), "{both:?}");
    let diff_html = launchguard(&["diff", "a.json", "b.json", "-f", "html"], dir);
    assert_eq!(diff_html.code, 64, "{diff_html:?}");
    assert!(
        diff_html
            .stderr
            .contains("`diff` writes terminal, json, markdown"),
        "{diff_html:?}"
    );

    let prom = audit(dir, &["-f", "prometheus", "-o", "lg.prom"]);
    assert_eq!(prom.code, 1);
    let text = std::fs::read_to_string(dir.join("lg.prom")).unwrap();
    assert!(
        text.contains("launchguard_findings{check=\"health.status\",agent=\"health\",severity=\"high\",status=\"fail\"} 1"),
        "{text}"
    );
    assert!(text.contains("launchguard_exit_code 1"), "{text}");
    assert!(
        text.contains("launchguard_agent_duration_seconds{agent=\"health\"}"),
        "{text}"
    );
}

fn read_summary_failed(dir: &Path) -> usize {
    let run = audit(dir, &["-f", "json", "-o", "count.json"]);
    assert_eq!(run.code, 1);
    read_json(&dir.join("count.json"))["summary"]["fail"]
        .as_u64()
        .unwrap() as usize
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let dir = tempfile::tempdir().unwrap();
    let bash = launchguard(&["completions", "bash"], dir.path());
    assert_eq!(bash.code, 0);
    for word in ["merge", "--shard", "--min-severity", "prometheus"] {
        assert!(
            bash.stdout.contains(word),
            "{word} missing from the bash completions"
        );
    }
    let man = launchguard(&["man"], dir.path());
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH launchguard"),
        "{}",
        &man.stdout[..200]
    );
    // The derived long help, listing the agents, is in the man page.
    assert!(man.stdout.contains("postgres"), "{}", man.stdout);
}
