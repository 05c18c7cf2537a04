use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use launchguard_secrets::{ScanOptions, ScanReport, Scanner, scan_paths};

const GOOGLE: &str = "AIzaLgFixture0123456789abcdefGHIJKLMNOP";
const DB_LINE: &str = "postgresql://app:lgFixturePw-9f8e7d@db.internal:5432/prod";

fn scan(paths: &[PathBuf], options: ScanOptions) -> ScanReport {
    scan_paths(paths, &options, &Scanner::new()).unwrap()
}

fn rules(report: &ScanReport) -> Vec<&'static str> {
    let mut ids: Vec<&str> = report.occurrences.iter().map(|o| o.rule).collect();
    ids.sort();
    ids.dedup();
    ids
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn directories_globs_gzip_and_zstd() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("2026-11-26 INFO key={GOOGLE}\n2026-11-26 ERROR {DB_LINE}\n");
    write(dir.path(), "app/app.log", text.as_bytes());
    write(dir.path(), "app/app.log.1.gz", &gzip(text.as_bytes()));
    write(
        dir.path(),
        "app/app.log.2.zst",
        &ruzstd::encoding::compress_to_vec(
            text.as_bytes(),
            ruzstd::encoding::CompressionLevel::Fastest,
        ),
    );
    write(dir.path(), "app/skip.txt", format!("{GOOGLE}\n").as_bytes());
    let options = ScanOptions {
        include: vec!["*.log*".into()],
        exclude: vec!["*.txt".into()],
        ..ScanOptions::default()
    };
    let report = scan(&[dir.path().to_owned()], options);
    assert_eq!(report.files_scanned, 3, "{report:#?}");
    assert!(report.unscanned.is_empty(), "{report:#?}");
    let google = report
        .occurrences
        .iter()
        .find(|o| o.rule == "secrets.google_api_key")
        .unwrap();
    assert_eq!(
        google.count, 3,
        "one finding for the same secret in three files"
    );
    assert!(google.first.file.ends_with("app.log") && google.first.line == 1);
    assert!(google.last.file.ends_with("app.log.2.zst"));
    assert_eq!(rules(&report), ["secrets.db_url", "secrets.google_api_key"]);
    let shown = format!("{report:?}");
    assert!(
        !shown.contains(GOOGLE) && !shown.contains("lgFixturePw-9f8e7d"),
        "nothing holds a full secret"
    );
}

#[test]
fn hostile_inputs_are_reported_never_silently_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut binary = vec![0u8; 100];
    binary.extend_from_slice(GOOGLE.as_bytes());
    write(dir.path(), "binary.bin", &binary);
    let mut invalid = b"\xff\xfe garbage \xc3\x28 key=".to_vec();
    invalid.extend_from_slice(GOOGLE.as_bytes());
    invalid.extend_from_slice(b" \xf0\x28\x8c\x28\n");
    write(dir.path(), "invalid-utf8.log", &invalid);
    let mut truncated =
        gzip(format!("key={GOOGLE}\n{}\n", "filler line\n".repeat(50_000)).as_bytes());
    truncated.truncate(truncated.len() / 2);
    write(dir.path(), "truncated.log.gz", &truncated);
    std::os::unix::fs::symlink(
        dir.path().join("does-not-exist"),
        dir.path().join("dangling.log"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("loop"), dir.path().join("loop/again")).unwrap();

    let report = scan(&[dir.path().to_owned()], ScanOptions::default());
    let reason = |name: &str| {
        report
            .unscanned
            .iter()
            .find(|u| u.file.contains(name))
            .map(|u| u.reason.clone())
            .unwrap_or_else(|| panic!("{name} not reported: {report:#?}"))
    };
    assert!(reason("binary.bin").contains("binary"));
    assert!(
        reason("truncated.log.gz").contains("truncated"),
        "{}",
        reason("truncated.log.gz")
    );
    assert!(
        reason("dangling.log").contains("No such file"),
        "{}",
        reason("dangling.log")
    );
    assert!(reason("again").contains("loop"), "{}", reason("again"));
    let found: Vec<&str> = report
        .occurrences
        .iter()
        .flat_map(|o| [o.first.file.as_str(), o.last.file.as_str()])
        .collect();
    assert!(
        found.iter().any(|f| f.ends_with("invalid-utf8.log")),
        "invalid UTF-8 around a secret: {report:#?}"
    );
    assert!(
        found.iter().any(|f| f.ends_with("truncated.log.gz")),
        "what was read before the truncation is scanned: {report:#?}"
    );
}

#[test]
fn a_gzip_bomb_stops_at_the_limit_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    let block = vec![b'a'; 1 << 20];
    for _ in 0..512 {
        encoder.write_all(&block).unwrap();
    }
    let bomb = write(dir.path(), "bomb.log.gz", &encoder.finish().unwrap());
    let report = scan(&[bomb], ScanOptions::default());
    let problem = &report.unscanned[0];
    assert!(problem.reason.contains("decompression bomb"), "{problem:?}");
    assert!(problem.bytes_scanned < 512 << 20);
}

#[test]
fn a_one_gib_single_line_is_scanned_in_bounded_windows() {
    let dir = tempfile::tempdir().unwrap();
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let block = vec![b'x'; 1 << 20];
    for i in 0..1024 {
        if i == 700 {
            encoder
                .write_all(format!(" key={GOOGLE} ").as_bytes())
                .unwrap();
        }
        encoder.write_all(&block).unwrap();
    }
    let path = write(dir.path(), "one-line.log.gz", &encoder.finish().unwrap());
    let report = scan(
        &[path],
        ScanOptions {
            max_expansion: u64::MAX / 4,
            ..ScanOptions::default()
        },
    );
    assert!(report.unscanned.is_empty(), "{report:#?}");
    assert_eq!(report.bytes_scanned, (1 << 30) + GOOGLE.len() as u64 + 6);
    let hit = &report.occurrences[0];
    assert_eq!(
        (hit.rule, hit.count, hit.first.line),
        ("secrets.google_api_key", 1, 1)
    );
    assert_eq!(hit.first.offset, 700 * (1 << 20) + 5);
}

#[test]
fn line_numbers_and_private_keys_survive_buffers_and_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut expected = Vec::new();
    let key = "2026-11-26T10:00:00Z [w1] -----BEGIN RSA PRIVATE KEY-----\n\
               2026-11-26T10:00:00Z [w1] MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n\
               2026-11-26T10:00:00Z [w1] KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\n\
               2026-11-26T10:00:00Z [w1] -----END RSA PRIVATE KEY-----\n";
    let mut line = 1u64;
    while text.len() < 70 << 20 {
        if line.is_multiple_of(100_000) {
            text.push_str(&format!(
                "ERROR postgresql://app:lgFixturePw{line}x@db.internal:5432/prod\n"
            ));
            expected.push(line);
            line += 1;
        } else if line.is_multiple_of(150_001) {
            text.push_str(key);
            line += 4;
        } else {
            text.push_str("2026-11-26T10:00:00Z INFO GET /api/v1/items?page=2 200 12ms user=42\n");
            line += 1;
        }
    }
    let path = write(dir.path(), "big.log", text.as_bytes());
    let one = scan(
        std::slice::from_ref(&path),
        ScanOptions {
            threads: 1,
            ..ScanOptions::default()
        },
    );
    let many = scan(
        std::slice::from_ref(&path),
        ScanOptions {
            threads: 4,
            ..ScanOptions::default()
        },
    );
    for report in [&one, &many] {
        let mut db_lines: Vec<u64> = report
            .occurrences
            .iter()
            .filter(|o| o.rule == "secrets.db_url")
            .map(|o| o.first.line)
            .collect();
        db_lines.sort();
        assert_eq!(db_lines, expected);
        let keys = report
            .occurrences
            .iter()
            .find(|o| o.rule == "secrets.private_key")
            .unwrap();
        assert_eq!(keys.count, (line / 150_001), "every split private key once");
    }
}

/// Runs `work` on another thread and fails (instead of hanging the suite) if it takes too long.
fn within<T: Send + 'static>(seconds: u64, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    result
        .recv_timeout(std::time::Duration::from_secs(seconds))
        .unwrap_or_else(|_| panic!("did not finish within {seconds} s: a hang"))
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn special_files_are_refused_up_front_and_listed_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    write(&logs, "app.log", format!("key={GOOGLE}\n").as_bytes());
    mkfifo(&logs.join("pipe.log"));
    std::os::unix::fs::symlink(logs.join("pipe.log"), logs.join("to-pipe.log")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", logs.join("zero.log")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(logs.join("app.sock")).unwrap();
    let (roots, fifo) = (vec![logs.clone()], logs.join("pipe.log"));
    let report = within(60, move || scan(&roots, ScanOptions::default()));
    assert_eq!(rules(&report), ["secrets.google_api_key"]);
    let reason = |name: &str| {
        report
            .unscanned
            .iter()
            .find(|u| u.file.ends_with(name))
            .map(|u| u.reason.clone())
            .unwrap_or_else(|| panic!("{name} not listed as unscanned: {report:#?}"))
    };
    assert!(
        reason("pipe.log").contains("FIFO"),
        "{}",
        reason("pipe.log")
    );
    assert!(reason("to-pipe.log").contains("FIFO"));
    assert!(reason("zero.log").contains("character device"));
    assert!(reason("app.sock").contains("socket"));
    assert_eq!(report.unscanned.len(), 4, "{report:#?}");

    let alone = within(60, move || scan(&[fifo], ScanOptions::default()));
    assert!(alone.unscanned[0].reason.contains("FIFO"), "{alone:#?}");
    assert_eq!(alone.files_scanned, 0);
}

#[test]
fn thread_counts_are_bounded_by_the_cores() {
    let dir = tempfile::tempdir().unwrap();
    let line = "2026-11-26T10:00:00Z INFO GET /api/v1/items?page=2 200 12ms user=42\n";
    let mut text = line.repeat((33 << 20) / line.len());
    text.push_str(&format!("key={GOOGLE}\n"));
    let path = write(dir.path(), "big.log", text.as_bytes());
    for threads in [100_000, usize::MAX] {
        let paths = vec![path.clone()];
        let report = within(120, move || {
            scan(
                &paths,
                ScanOptions {
                    threads,
                    ..ScanOptions::default()
                },
            )
        });
        assert_eq!(rules(&report), ["secrets.google_api_key"], "{threads}");
        assert_eq!(report.bytes_scanned, text.len() as u64);
    }
}

mod scrub {
    use super::*;
    use launchguard_secrets::scan::{Compression, ScrubInput};

    fn scrub_to(input: &Path, output: &mut Vec<u8>) -> Result<u64, String> {
        ScrubInput::open(input, &ScanOptions::default())?
            .scrub_into(output, &Scanner::new())
            .map(|done| done.masked)
    }

    #[test]
    fn a_gzip_log_gives_a_masked_gzip_copy_that_scans_clean() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("a key={GOOGLE}\nb {DB_LINE}\nplain line\n").repeat(1000);
        let input = write(dir.path(), "app.log.gz", &gzip(text.as_bytes()));
        let found = scan(std::slice::from_ref(&input), ScanOptions::default());
        let opened = ScrubInput::open(&input, &ScanOptions::default()).unwrap();
        assert_eq!(opened.compression(), Compression::Gzip);
        let mut copy = Vec::new();
        let done = opened.scrub_into(&mut copy, &Scanner::new()).unwrap();
        let seen: u64 = found.occurrences.iter().map(|o| o.count).sum();
        assert_eq!(done.masked, seen);
        assert_eq!(done.masked, 2000);
        assert_eq!(done.bytes, text.len() as u64);
        let mut plain = String::new();
        flate2::read::GzDecoder::new(copy.as_slice())
            .read_to_string(&mut plain)
            .unwrap();
        assert!(!plain.contains(GOOGLE) && !plain.contains("lgFixturePw"));
        assert_eq!(plain.lines().count(), 3000);
        assert!(plain.starts_with("a key=[REDACTED secrets.google_api_key]\n"));
        let again = write(dir.path(), "scrubbed.log.gz", &copy);
        let rescan = scan(&[again], ScanOptions::default());
        assert!(rescan.occurrences.is_empty() && rescan.unscanned.is_empty());
    }

    #[test]
    fn inputs_a_scan_cannot_read_in_full_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zstd = write(
            dir.path(),
            "app.log.zst",
            &ruzstd::encoding::compress_to_vec(
                format!("key={GOOGLE}\n").as_bytes(),
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
        );
        let mut truncated = gzip(format!("key={GOOGLE}\n{}", "line\n".repeat(100_000)).as_bytes());
        truncated.truncate(truncated.len() / 2);
        let truncated = write(dir.path(), "cut.log.gz", &truncated);
        let mut binary = vec![0u8; 64];
        binary.extend_from_slice(GOOGLE.as_bytes());
        let binary = write(dir.path(), "data.bin", &binary);
        let fifo = dir.path().join("pipe");
        mkfifo(&fifo);
        for (input, reason) in [
            (zstd, "zstd"),
            (truncated, "truncated"),
            (binary, "binary"),
            (fifo, "FIFO"),
            (dir.path().to_owned(), "directory"),
        ] {
            let error = within(60, move || scrub_to(&input, &mut Vec::new())).unwrap_err();
            assert!(error.contains(reason), "{reason}: {error}");
        }
    }

    #[test]
    fn a_huge_single_line_is_scrubbed_in_bounded_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one-line.log");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let block = vec![b'x'; 1 << 20];
        let mut planted = 0;
        for i in 0..160u64 {
            // Secrets at irregular offsets, some across the scanner's buffer boundaries.
            if i % 7 == 3 {
                file.write_all(&block[..(i as usize * 7919) % (1 << 20)])
                    .unwrap();
                file.write_all(format!(" key={GOOGLE} ").as_bytes())
                    .unwrap();
                planted += 1;
            }
            file.write_all(&block).unwrap();
        }
        file.flush().unwrap();
        drop(file);
        let output = dir.path().join("scrubbed.log");
        let mut sink = std::io::BufWriter::new(std::fs::File::create(&output).unwrap());
        let done = ScrubInput::open(&path, &ScanOptions::default())
            .unwrap()
            .scrub_into(&mut sink, &Scanner::new())
            .unwrap();
        drop(sink);
        assert_eq!(done.masked, planted);
        let marker = "[REDACTED secrets.google_api_key]";
        assert_eq!(
            std::fs::metadata(&output).unwrap().len(),
            std::fs::metadata(&path).unwrap().len() - planted * GOOGLE.len() as u64
                + planted * marker.len() as u64
        );
        let rescan = scan(&[output], ScanOptions::default());
        assert!(rescan.occurrences.is_empty(), "{rescan:#?}");
        let peak_kib: u64 = std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap();
        assert!(
            peak_kib < 64 * 1024,
            "peak memory {peak_kib} KiB for a {} MiB line",
            std::fs::metadata(&path).unwrap().len() >> 20
        );
    }
}
