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

/// A health endpoint that sends its status line, headers and part of the body it announced, then
/// resets the connection (RST, not FIN).
fn resetting_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"status\":\"ok\",\"deps\":[",
            );
            let _ = stream.flush();
            std::thread::sleep(Duration::from_millis(50));
            linger_zero(&stream);
            drop(stream);
        }
    });
    addr
}

/// Sets SO_LINGER to zero so that closing the socket sends a reset.
fn linger_zero(stream: &std::net::TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a correctly sized option value.
    let set = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0);
}

fn health_config(dir: &Path, addr: SocketAddr) -> std::path::PathBuf {
    write(
        dir,
        "launchguard.toml",
        &format!(
            "[scope]\nhosts = [\"127.0.0.1\"]\n\n[health]\n[[health.endpoints]]\nname = \"api\"\n\
             url = \"http://{addr}/health\"\n"
        ),
    )
}

#[test]
fn a_target_that_resets_mid_response_is_an_error_never_a_verdict_on_half_a_body() {
    let dir = tempfile::tempdir().unwrap();
    let config = health_config(dir.path(), resetting_server());
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
    let report = read_json(&dir.path().join("out/launchguard-report.json"));
    let statuses: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // No check may judge half a body: verbose would pass on what it never saw.
    for (check, status, message) in &statuses {
        assert_ne!(
            status, "pass",
            "{check} passed on a reset answer: {message}"
        );
    }
    assert!(
        statuses.iter().any(|(_, status, message)| status == "error"
            && (message.contains("reset") || message.contains("body"))),
        "{statuses:#?}"
    );
    assert_eq!(run.code, 2, "{run:?}");
}

/// Mounts a tmpfs of `size` at `at` (root only); `None` where mounting is not allowed.
fn tiny_tmpfs(at: &Path, size: &str) -> Option<()> {
    std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .status()
        .ok()?
        .success()
        .then_some(())
}

struct Unmount<'a>(&'a Path);

impl Drop for Unmount<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0).status();
    }
}

#[test]
fn a_disk_that_fills_while_the_report_is_written_keeps_the_previous_report_and_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens there: a quick `fail`, so the run reaches its reports at once.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = health_config(dir.path(), closed);
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let Some(()) = tiny_tmpfs(&reports, "256k") else {
        // Not root, or no mount capability: say so rather than pass silently.
        panic!("this test needs to mount a tmpfs (run as root, as scripts/test.sh and CI do)");
    };
    let _unmount = Unmount(&reports);
    let args = |baseline: bool| {
        let mut args = vec![
            "audit".to_owned(),
            "--config".into(),
            config.to_str().unwrap().into(),
            "--format".into(),
            "json".into(),
            "--format".into(),
            "html".into(),
            "--output-dir".into(),
            reports.to_str().unwrap().into(),
        ];
        if baseline {
            args.extend([
                "--baseline".into(),
                reports
                    .join("launchguard-report.json")
                    .to_str()
                    .unwrap()
                    .into(),
            ]);
        }
        args
    };
    let first_args = args(false);
    let first = launchguard(
        &first_args.iter().map(String::as_str).collect::<Vec<_>>(),
        dir.path(),
    );
    assert_eq!(first.code, 1, "{first:?}");
    let previous = std::fs::read(reports.join("launchguard-report.json")).unwrap();
    let previous_html = std::fs::read(reports.join("launchguard-report.html")).unwrap();
    // Fill the disk, leaving less room than a report needs.
    let mut filler = std::fs::File::create(reports.join("filler")).unwrap();
    let chunk = vec![b'f'; 4096];
    while filler.write_all(&chunk).is_ok() {}
    let _ = filler.sync_all();
    drop(filler);
    std::fs::remove_file(reports.join("filler")).unwrap();
    let mut filler = std::fs::File::create(reports.join("filler")).unwrap();
    let room = 8 * 1024;
    let mut written = 0usize;
    loop {
        if filler.write_all(&chunk).is_err() {
            break;
        }
        written += chunk.len();
        let free = {
            // SAFETY: statvfs fills the struct it is given for a valid path.
            let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
            let path = std::ffi::CString::new(reports.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::statvfs(path.as_ptr(), &mut stat) }, 0);
            stat.f_bavail as usize * stat.f_bsize as usize
        };
        if free <= room {
            break;
        }
    }
    assert!(written > 0);
    drop(filler);

    let second_args = args(true);
    let second = launchguard(
        &second_args.iter().map(String::as_str).collect::<Vec<_>>(),
        dir.path(),
    );
    assert_eq!(second.code, 2, "{second:?}");
    assert!(second.stderr.contains("cannot write"), "{second:?}");
    // The previous report, which was also this run's baseline, is intact, and nothing half
    // written is left beside it.
    assert!(
        std::fs::read(reports.join("launchguard-report.json")).unwrap() == previous,
        "the previous JSON report (the baseline) was replaced although the run failed"
    );
    assert!(
        std::fs::read(reports.join("launchguard-report.html")).unwrap() == previous_html,
        "the previous HTML report was replaced although the run failed"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".launchguard"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
