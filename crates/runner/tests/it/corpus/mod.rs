//! The bad-input corpus: hostile and broken inputs for every parser and renderer (TLS records and
//! ServerHellos, certificates, HSTS headers, HTTP responses, DNS messages and records, log content,
//! file names, configs, baselines, report renderers). Most cases are mutations of valid inputs (every truncation,
//! byte flips, seeded garbage), some are written by hand. Every case must end with a value or a
//! clear error: no panic, no hang (a time bound per case), bounded memory (peak RSS of the whole
//! run), and no raw control character in anything it outputs.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use launchguard::agents::{AGENTS, registry};
use launchguard::audit::assemble;
use launchguard::cli::ReportFormat;
use launchguard::report::escape::is_hostile;
use launchguard::report::{RunInfo, render, terminal};
use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{Finding, Scope, Severity, Target, TargetKind, Timeouts, run_alone};
use launchguard_secrets::{ScanOptions, Scanner, scan_paths};
use launchguard_tls::chain::CertInfo;
use launchguard_tls::hello::{Parsed, Reply, certificates_after_hello, parse_reply};

use crate::support::raw_http_server;

pub(crate) mod dns;

/// Longest a single case may take (debug build, shared 2-core machine).
const CASE_BOUND: Duration = Duration::from_secs(10);
/// Peak resident memory of the whole corpus run.
const MEMORY_BOUND_KIB: i64 = 1536 * 1024;

/// Strings a peer or a file can carry: controls, escapes, bidi, noncharacters, markup.
pub const HOSTILE_STRINGS: &[&str] = &[
    "\u{1b}]0;pwned\u{7}",
    "\u{1b}[2J\u{1b}[31mred",
    "\u{9b}2J c1 csi",
    "\u{202e}txt.exe",
    "\u{2066}isolate\u{2069}",
    "\u{fffe}\u{ffff}\u{fdd0}",
    "nul\u{0}byte",
    "cr\rlf\nline",
    "tab\there",
    "\u{7f}del",
    "\u{2028}line sep\u{2029}",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`code`\n# heading\n[x](javascript:alert(1))",
    "]]><![CDATA[",
    "\"quoted\" & 'single' | pipe",
    "ümlaut 漢字 🦀",
    "",
];

#[derive(Default)]
struct Corpus {
    counts: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

impl Corpus {
    /// Runs one case: `run` returns every text the case produced (errors, evidence, renders).
    fn case(&mut self, family: &'static str, name: &str, run: impl FnOnce() -> Vec<String>) {
        *self.counts.entry(family).or_default() += 1;
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(run));
        let took = started.elapsed();
        let label = format!("{family}/{}", name.escape_debug());
        match outcome {
            Err(_) => self.failures.push(format!("{label}: panicked")),
            Ok(outputs) => {
                if took > CASE_BOUND {
                    self.failures.push(format!("{label}: took {took:?}"));
                }
                for output in outputs {
                    if let Some(c) = output.chars().find(|&c| is_hostile(c) && c != '\n') {
                        self.failures.push(format!(
                            "{label}: raw {:?} in output: {}",
                            c,
                            output.escape_debug()
                        ));
                    }
                }
            }
        }
    }

    fn total(&self) -> usize {
        self.counts.values().sum()
    }
}

/// A deterministic generator (xorshift), so that failures reproduce.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Every `step`-th truncation and single-byte flips at seeded positions of `valid`.
fn mutations(valid: &[u8], truncations: usize, flips: usize, seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let step = (valid.len() / truncations.max(1)).max(1);
    for len in (0..valid.len()).step_by(step) {
        out.push((format!("truncated to {len}"), valid[..len].to_vec()));
    }
    let mut random = Seeded(seed);
    for _ in 0..flips {
        let mut bytes = valid.to_vec();
        if bytes.is_empty() {
            break;
        }
        let at = (random.next() as usize) % bytes.len();
        let value = random.next() as u8;
        bytes[at] = value;
        out.push((format!("byte {at} set to {value:#04x}"), bytes));
    }
    out
}

pub fn run_info() -> RunInfo {
    RunInfo {
        started_at: Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap(),
        finished_at: Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 2).unwrap(),
        config_path: "launchguard.toml".into(),
        config_digest: "sha256:0f".into(),
        agents: vec!["health".into(), "logs".into()],
        fail_on: Severity::High.into(),
        fail_on_new: false,
        allow_errors: false,
        baseline: None,
        suppressions: None,
        shard: None,
        timings: None,
    }
}

pub const FORMATS: [ReportFormat; 5] = [
    ReportFormat::Json,
    ReportFormat::Sarif,
    ReportFormat::Junit,
    ReportFormat::Markdown,
    ReportFormat::Html,
];

/// Every format of a report holding `findings`, as written to files and to a terminal; the XML
/// must parse.
fn rendered(findings: Vec<Finding>) -> Vec<String> {
    let report = assemble(findings, None, &[], run_info());
    let registry = registry();
    let mut outputs = vec![terminal::render(&report, &registry, false)];
    for format in FORMATS {
        let text = render(format, &report, &registry).expect("renders");
        if format == ReportFormat::Junit {
            roxmltree::Document::parse(&text).expect("JUnit XML parses");
        }
        if matches!(format, ReportFormat::Json | ReportFormat::Sarif) {
            serde_json::from_str::<serde_json::Value>(&text).expect("JSON parses");
        }
        outputs.push(text);
    }
    outputs
}

/// A ServerHello record for TLS 1.2 choosing `suite`.
fn server_hello(suite: u16) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.push(0);
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0);
    let mut handshake = vec![2, 0, (body.len() >> 8) as u8, body.len() as u8];
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 3, 3, 0, handshake.len() as u8];
    record.extend_from_slice(&handshake);
    record
}

fn reply_text(parsed: Parsed) -> Vec<String> {
    match parsed {
        Parsed::Done(Reply::Malformed(reason)) => vec![reason],
        _ => Vec::new(),
    }
}

fn tls_records(corpus: &mut Corpus) {
    let valid = server_hello(0xc02f);
    assert!(matches!(
        parse_reply(&valid),
        Parsed::Done(Reply::ServerHello { .. })
    ));
    for (name, bytes) in mutations(&valid, 40, 40, 0x5eed_0001) {
        corpus.case("tls record", &name, || reply_text(parse_reply(&bytes)));
    }
    let mut random = Seeded(0x5eed_0002);
    for len in [1usize, 5, 6, 64, 4096, 70_000] {
        let bytes = random.bytes(len);
        corpus.case("tls record", &format!("{len} random bytes"), || {
            reply_text(parse_reply(&bytes))
        });
    }
    let hand: [(&str, Vec<u8>); 8] = [
        ("empty", Vec::new()),
        ("http answer", b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()),
        ("record of 65535 promised", vec![0x16, 3, 3, 0xff, 0xff, 2]),
        (
            "zero-length records forever",
            [0x16, 3, 3, 0, 0].repeat(20_000),
        ),
        ("alert", vec![0x15, 3, 3, 0, 2, 2, 40]),
        ("alert too short", vec![0x15, 3, 3, 0, 1, 2]),
        (
            "handshake split into 1-byte records",
            server_hello(0x1301)[5..]
                .iter()
                .flat_map(|b| [0x16, 3, 3, 0, 1, *b])
                .collect(),
        ),
        (
            "escape sequence as a record",
            b"\x1b]0;pwned\x07\x1b[2J".to_vec(),
        ),
    ];
    for (name, bytes) in hand {
        corpus.case("tls record", name, || reply_text(parse_reply(&bytes)));
    }
    // The Certificate message after a ServerHello: lengths that lie.
    let mut certificate = vec![11, 0, 0, 9, 0, 0, 6, 0, 0, 3, 1, 2, 3];
    for (name, bytes) in mutations(&certificate, 13, 10, 0x5eed_0003) {
        corpus.case(
            "tls certificate message",
            &name,
            || match certificates_after_hello(&bytes) {
                Some(Err(reason)) => vec![reason.to_string()],
                _ => Vec::new(),
            },
        );
    }
    certificate[3] = 0xff;
    corpus.case(
        "tls certificate message",
        "length past the end",
        || match certificates_after_hello(&certificate) {
            Some(Err(reason)) => vec![reason.to_string()],
            _ => Vec::new(),
        },
    );
}

/// A parsed certificate's texts are a peer's: they are judged as a report renders them.
fn certificate_outputs(der: &[u8]) -> Vec<String> {
    match CertInfo::parse(der) {
        Ok(info) => rendered(vec![
            Finding::pass(
                launchguard_tls::CHECKS[0],
                Target::new("tls:corpus", TargetKind::Host, "corpus.lab.test:443"),
                info.summary(),
            )
            .with_evidence("subject", info.summary())
            .with_evidence("signature", info.signature.clone())
            .with_evidence("key", info.key.describe()),
        ]),
        Err(e) => vec![e.to_string()],
    }
}

fn certificates(corpus: &mut Corpus) {
    let authority = launchguard_lab::tls::Authority::root("Corpus Root CA");
    let leaf = authority.issue(&launchguard_lab::tls::LeafSpec::for_names(&["a.lab.test"]));
    let der = leaf.cert.to_vec();
    CertInfo::parse(&der).expect("the valid certificate parses");
    for (name, bytes) in mutations(&der, 30, 40, 0x5eed_0004) {
        corpus.case("certificate", &name, || certificate_outputs(&bytes));
    }
    let mut trailing = der.clone();
    trailing.extend_from_slice(b"\x1b[2J");
    let hand: [(&str, Vec<u8>); 5] = [
        ("empty", Vec::new()),
        (
            "PEM instead of DER",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec(),
        ),
        ("garbage after the certificate", trailing),
        ("deeply nested sequences", [0x30, 0x80].repeat(50_000)),
        (
            "length of 2^32",
            vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0],
        ),
    ];
    for (name, bytes) in hand {
        corpus.case("certificate", name, || certificate_outputs(&bytes));
    }
    // PEM bundles served as an AIA issuer body.
    for (name, body) in [
        (
            "BEGIN without END",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec(),
        ),
        ("END without BEGIN", b"-----END CERTIFICATE-----\n".to_vec()),
        (
            "bad base64",
            b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n".to_vec(),
        ),
        (
            "ten thousand BEGINs",
            b"-----BEGIN CERTIFICATE-----\n".repeat(10_000),
        ),
    ] {
        corpus.case("certificate bundle", name, || {
            launchguard_tls::trust::certificates_in(&body)
                .iter()
                .filter_map(|der| CertInfo::parse(der).err().map(|e| e.to_string()))
                .collect()
        });
    }
}

fn hsts(corpus: &mut Corpus) {
    let valid = "max-age=63072000; includeSubDomains; preload";
    let mut headers: Vec<String> = vec![
        String::new(),
        ";".into(),
        ";;;;".into(),
        "max-age".into(),
        "max-age=".into(),
        "max-age=\"31536000\"".into(),
        "max-age=-1".into(),
        "max-age=99999999999999999999999999".into(),
        "max-age=1e9".into(),
        "max-age=31536000; max-age=1".into(),
        "includeSubDomains=yes".into(),
        "preload; preload; preload".into(),
        "MAX-AGE=31536000".into(),
        "max-age = 31536000".into(),
        "max-age=31536000;\u{0}preload".into(),
        format!("max-age=31536000; {}", "x".repeat(100_000)),
        ";".repeat(100_000),
    ];
    for hostile in HOSTILE_STRINGS {
        headers.push(format!("max-age=31536000; {hostile}"));
    }
    for len in 0..valid.len() {
        headers.push(valid[..len].to_owned());
    }
    for header in headers {
        corpus.case(
            "hsts header",
            &header.chars().take(60).collect::<String>(),
            || {
                let parsed = launchguard_tls::hsts::parse::parse(&header);
                let _ = launchguard_tls::hsts::parse::preload_issues(&parsed);
                parsed
                    .errors
                    .iter()
                    .chain(&parsed.warnings)
                    .map(|s| (*s).to_owned())
                    .collect()
            },
        );
    }
}

/// Runs the health agent once against a server answering `response`, and renders its findings.
fn health_against(runtime: &tokio::runtime::Runtime, dir: &Path, response: Vec<u8>) -> Vec<String> {
    let addr: SocketAddr = raw_http_server(response);
    let path = dir.join(format!("health-{}.toml", addr.port()));
    std::fs::write(
        &path,
        format!(
            "[scope]\nhosts = [\"127.0.0.1\"]\nrequest_timeout_ms = 2000\n\n[health]\n\
             [[health.endpoints]]\nname = \"corpus\"\nurl = \"http://{addr}/health\"\n"
        ),
    )
    .unwrap();
    let loaded = LoadedConfig::load(&path, AGENTS, &Environment::process()).expect("valid config");
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(2),
        agent_deadline: Duration::from_secs(5),
    };
    let scope = Arc::new(Scope::new(&["127.0.0.1".to_owned()], 5, timeouts).unwrap());
    let agent = loaded.agents[0].agent.clone();
    let findings = runtime
        .block_on(run_alone(agent.as_ref(), scope, Duration::from_secs(6)))
        .expect("the health agent ends within its deadline");
    assert!(!findings.is_empty(), "no finding at all");
    rendered(findings)
}

fn http_responses(corpus: &mut Corpus, dir: &Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let ok =
        b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}"
            .to_vec();
    let mut responses: Vec<(String, Vec<u8>)> = vec![
        ("nothing, then close".into(), Vec::new()),
        ("not HTTP".into(), b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()),
        ("status line only".into(), b"HTTP/1.1 200 OK\r\n".to_vec()),
        (
            "status 999".into(),
            b"HTTP/1.1 999 Weird\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        (
            "status 0".into(),
            b"HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        (
            "HTTP/0.9 body".into(),
            b"<html>no status line</html>".to_vec(),
        ),
        (
            "content-length lies (longer)".into(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\nshort".to_vec(),
        ),
        (
            "two content-lengths".into(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nok".to_vec(),
        ),
        (
            "bad chunked encoding".into(),
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n".to_vec(),
        ),
        (
            "header with a control byte".into(),
            b"HTTP/1.1 200 OK\r\nX-Evil: a\x1b]0;t\x07b\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        (
            "a 100 KB header".into(),
            [
                b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec(),
                vec![b'a'; 100_000],
                b"\r\nContent-Length: 0\r\n\r\n".to_vec(),
            ]
            .concat(),
        ),
        (
            "ten thousand headers".into(),
            [
                b"HTTP/1.1 200 OK\r\n".to_vec(),
                b"X-A: b\r\n".repeat(10_000),
                b"Content-Length: 0\r\n\r\n".to_vec(),
            ]
            .concat(),
        ),
        (
            "gzip that is not gzip".into(),
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope".to_vec(),
        ),
        (
            "invalid UTF-8 body".into(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n\xff\xfe\xc3\x28\x80\x00".to_vec(),
        ),
        (
            "a 1 MB body".into(),
            [
                b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n".to_vec(),
                vec![b'v'; 1 << 20],
            ]
            .concat(),
        ),
    ];
    for hostile in HOSTILE_STRINGS {
        let body = format!("{{\"version\":\"{hostile}\",\"hostname\":\"{hostile}.internal\"}}");
        responses.push((
            format!("body with {hostile}"),
            format!(
                "HTTP/1.1 500 Oops\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        ));
        let location = hostile.replace(['\r', '\n'], "");
        responses.push((
            format!("Location {hostile}"),
            format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
                .into_bytes(),
        ));
    }
    for (name, bytes) in mutations(&ok, 8, 8, 0x5eed_0005) {
        responses.push((name, bytes));
    }
    for (name, response) in responses {
        corpus.case("http response", &name, || {
            health_against(&runtime, dir, response)
        });
    }
}

fn log_content(corpus: &mut Corpus) {
    let scanner = Scanner::new();
    let scan = |bytes: &[u8]| -> Vec<String> {
        scanner
            .scan_all(bytes)
            .iter()
            .map(|hit| hit.redacted.to_string())
            .collect()
    };
    let mut inputs: Vec<(String, Vec<u8>)> = vec![
        ("JSON \\u cut short".into(), br#"{"k":"sk-proj-\u00"}"#.to_vec()),
        ("JSON lone surrogate".into(), br#"{"k":"\ud800\udfff\ud800"}"#.to_vec()),
        ("JSON escapes only".into(), b"\\\\\\\\\\\\\\n\\/\\u".repeat(10_000)),
        ("percent at the end".into(), b"password=%".to_vec()),
        ("percent not hex".into(), b"password=%G1%zz%%".to_vec()),
        ("percent-encoded NUL".into(), b"token=%00%00%1b%5b2J".to_vec()),
        ("double percent-encoding".into(), b"db=postgres%253A%252F%252F".to_vec()),
        ("base64 garbage".into(), b"Zm9v!!!!====AAAA".repeat(1000)),
        ("base64 of binary".into(), b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/////////w==".to_vec()),
        ("base64 of escapes".into(), b"G10wO3B3bmVkBxtbMko=".to_vec()),
        (
            "PEM BEGIN without END".into(),
            b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n".to_vec(),
        ),
        (
            "PEM nested BEGINs".into(),
            b"-----BEGIN PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n"
                .to_vec(),
        ),
        (
            "PEM of 10000 lines".into(),
            [
                b"-----BEGIN PRIVATE KEY-----\n".to_vec(),
                b"2026-11-26 MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n".repeat(10_000),
            ]
            .concat(),
        ),
        ("one 8 MB line".into(), vec![b'A'; 8 << 20]),
        ("keywords without values".into(), b"sk-proj- AKIA ghp_ xoxb- eyJ Bearer ".repeat(5000)),
        ("invalid UTF-8".into(), b"key=\xff\xfe\xc3\x28 sk-proj-\x80\x81".to_vec()),
        ("digits forever".into(), b"4111 1111 1111 ".repeat(20_000)),
        ("at signs forever".into(), b"@@@@.@".repeat(50_000)),
    ];
    for hostile in HOSTILE_STRINGS {
        inputs.push((
            format!("secret beside {hostile}"),
            format!("{hostile} AKIALGCORPUS2345ABCD {hostile}").into_bytes(),
        ));
    }
    for rule in launchguard_secrets::RULES.iter() {
        for example in rule.examples.iter().take(1) {
            for (name, bytes) in mutations(example.as_bytes(), 4, 3, 0x5eed_0006) {
                inputs.push((format!("{} {name}", rule.id()), bytes));
            }
        }
    }
    for (name, bytes) in inputs {
        corpus.case("log content", &name, || scan(&bytes));
    }
}

/// Scans a directory holding one entry named `name` (bytes: not necessarily UTF-8) and renders the
/// findings.
fn file_names(corpus: &mut Corpus, dir: &Path) {
    use std::os::unix::ffi::OsStrExt;

    let mut names: Vec<Vec<u8>> = HOSTILE_STRINGS
        .iter()
        .filter(|s| !s.is_empty() && !s.contains(['/', '\0']))
        .map(|s| format!("{s}.log").into_bytes())
        .collect();
    names.extend([
        b"\xff\xfe not UTF-8.log".to_vec(),
        b"-rf.log".to_vec(),
        vec![b'n'; 250],
        b"AKIALGCORPUS2345ABCD.log".to_vec(),
    ]);
    for (i, name) in names.into_iter().enumerate() {
        let root = dir.join(format!("names-{i}"));
        std::fs::create_dir(&root).unwrap();
        let file = root.join(std::ffi::OsStr::from_bytes(&name));
        std::fs::write(&file, "2026-11-26 token=AKIALGCORPUS2345ABCD\n").unwrap();
        corpus.case("file name", &String::from_utf8_lossy(&name), || {
            scan_and_render(&root)
        });
    }
    // Entries that are not regular files, under hostile names.
    let special = dir.join("special");
    std::fs::create_dir(&special).unwrap();
    let fifo = special.join("\u{1b}[2Jfifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/zero", special.join("zero\u{202e}.log")).unwrap();
    std::os::unix::fs::symlink(&special, special.join("loop")).unwrap();
    std::os::unix::fs::symlink(special.join("missing"), special.join("dangling\n.log")).unwrap();
    corpus.case("file name", "FIFO, device, loop and dangling link", || {
        scan_and_render(&special)
    });
}

fn scan_and_render(root: &Path) -> Vec<String> {
    let report = scan_paths(&[root.to_owned()], &ScanOptions::default(), &Scanner::new())
        .expect("a directory scans");
    let target = Target::new(
        format!("logs:{}", root.display()),
        TargetKind::File,
        root.display().to_string(),
    );
    rendered(launchguard_secrets::findings(&report, &target))
}

fn configs(corpus: &mut Corpus, dir: &Path) {
    let valid = "[scope]\nhosts = [\"127.0.0.1\", \"*.lab.test\"]\nrequests_per_host = 20\n\
                 agent_deadline_secs = 60\n\n[health]\n[[health.endpoints]]\nname = \"api\"\n\
                 url = \"http://127.0.0.1:9/health\"\nheaders_from_env = { Authorization = \"API_AUTH\" }\n\n\
                 [logs]\npaths = [\"logs\"]\ninclude = [\"*.log\"]\n";
    let mut texts: Vec<(String, Vec<u8>)> = mutations(valid.as_bytes(), 25, 25, 0x5eed_0007);
    let hand: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("NUL bytes", b"[scope]\0\0\0".to_vec()),
        ("invalid UTF-8", b"[scope]\nhosts = [\"\xff\xfe\"]\n".to_vec()),
        ("unknown key with escapes", b"[scope]\nhosts = []\n\x1b]0;x\x07 = 1\n".to_vec()),
        (
            "a 5 MB line",
            [b"[scope]\nhosts = [\"".to_vec(), vec![b'a'; 5 << 20], b"\"]\n".to_vec()].concat(),
        ),
        ("deep nesting", format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
        ("duplicate sections", b"[scope]\nhosts=[]\n[scope]\nhosts=[]\n".to_vec()),
        ("wrong types", b"[scope]\nhosts = 7\nrequests_per_host = \"many\"\n".to_vec()),
        ("zero and negative limits", b"[scope]\nhosts=[\"x\"]\nrequests_per_host = 0\nagent_deadline_secs = -1\n".to_vec()),
        ("huge integer", b"[scope]\nhosts=[\"x\"]\nrequests_per_host = 99999999999999999999999\n".to_vec()),
        ("bidi in a host", "[scope]\nhosts = [\"ex\u{202e}moc.elpmaxe\"]\n".as_bytes().to_vec()),
        ("CRLF in a URL", b"[scope]\nhosts=[\"127.0.0.1\"]\n[health]\n[[health.endpoints]]\nname=\"a\"\nurl=\"http://127.0.0.1/\\r\\nX: y\"\n".to_vec()),
        ("unterminated string", b"[scope]\nhosts = [\"127.0.0.1\n".to_vec()),
        ("header name with escapes", b"[scope]\nhosts=[\"127.0.0.1\"]\n[health]\n[[health.endpoints]]\nname=\"a\"\nurl=\"http://127.0.0.1/\"\nheaders_from_env = { \"X\\u001b[2J\" = \"V\" }\n".to_vec()),
    ];
    texts.extend(hand.into_iter().map(|(n, b)| (n.to_owned(), b)));
    for (i, (name, bytes)) in texts.into_iter().enumerate() {
        let path = dir.join(format!("config-{i}.toml"));
        std::fs::write(&path, &bytes).unwrap();
        corpus.case("config", &name, || {
            match LoadedConfig::load(&path, AGENTS, &Environment::process()) {
                Ok(_) => Vec::new(),
                Err(e) => {
                    let text = e.to_string();
                    assert!(text.len() < 64 * 1024, "an error of {} bytes", text.len());
                    vec![text]
                }
            }
        });
    }
}

fn baselines(corpus: &mut Corpus, dir: &Path) {
    let finding = Finding::fail(
        launchguard_http::health::CHECKS[1],
        Target::new("health:api", TargetKind::Url, "http://127.0.0.1:9/health"),
        "HTTP 503",
    );
    let report = assemble(vec![finding], None, &[], run_info());
    let valid = launchguard::report::json::render(&report).unwrap();
    let mut texts: Vec<(String, Vec<u8>)> = mutations(valid.as_bytes(), 30, 30, 0x5eed_0008);
    for hostile in HOSTILE_STRINGS {
        let escaped = serde_json::to_string(hostile).unwrap();
        let changed = valid.replacen("\"HTTP 503\"", &escaped, 1);
        texts.push((format!("message {hostile}"), changed.into_bytes()));
    }
    texts.extend([
        ("empty".to_owned(), Vec::new()),
        ("deep nesting".into(), "[".repeat(100_000).into_bytes()),
        (
            "schema version 99".into(),
            valid
                .replace("\"schema_version\": \"1", "\"schema_version\": \"99")
                .into_bytes(),
        ),
        (
            "a number of 1000 digits".into(),
            valid
                .replacen(
                    "\"total\": 1",
                    &format!("\"total\": 1{}", "0".repeat(1000)),
                    1,
                )
                .into_bytes(),
        ),
        ("invalid UTF-8".into(), [valid.as_bytes(), b"\xff"].concat()),
        ("a 70 MB file".into(), vec![b' '; 70 << 20]),
    ]);
    for (i, (name, bytes)) in texts.into_iter().enumerate() {
        let path = dir.join(format!("baseline-{i}.json"));
        std::fs::write(&path, &bytes).unwrap();
        drop(bytes);
        corpus.case(
            "baseline",
            &name,
            || match launchguard::baseline::load_report(&path) {
                Ok(old) => {
                    let diff = launchguard::baseline::diff(&path, &old, &path, &old);
                    vec![
                        terminal::render_diff(&diff, false),
                        launchguard::report::markdown::render_diff(&diff),
                        launchguard::report::json::render_diff(&diff).unwrap(),
                    ]
                }
                Err(e) => vec![format!("{e:#}")],
            },
        );
        std::fs::remove_file(&path).unwrap();
    }
}

fn renderers(corpus: &mut Corpus) {
    let checks = launchguard_http::health::CHECKS;
    for hostile in HOSTILE_STRINGS {
        for (status, def) in ["fail", "error", "skipped", "pass"].iter().zip(checks) {
            let target = Target::new(
                format!("health:{hostile}"),
                TargetKind::Url,
                format!("http://{hostile}/"),
            );
            let finding = match *status {
                "fail" => Finding::fail(def, target, *hostile),
                "error" => Finding::error(def, target, *hostile),
                "skipped" => Finding::skipped(def, target, *hostile),
                _ => Finding::pass(def, target, *hostile),
            }
            .with_evidence("text", *hostile)
            .with_evidence("list", vec![*hostile, *hostile]);
            corpus.case("renderer", &format!("{status} {hostile}"), || {
                rendered(vec![finding])
            });
        }
    }
}

fn peak_rss_kib() -> i64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) }, 0);
    usage.ru_maxrss
}

#[test]
fn every_parser_and_renderer_survives_the_bad_input_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let mut corpus = Corpus::default();
    tls_records(&mut corpus);
    certificates(&mut corpus);
    hsts(&mut corpus);
    http_responses(&mut corpus, dir.path());
    dns::dns_messages(&mut corpus);
    log_content(&mut corpus);
    file_names(&mut corpus, dir.path());
    configs(&mut corpus, dir.path());
    baselines(&mut corpus, dir.path());
    renderers(&mut corpus);
    let total = corpus.total();
    println!("bad-input corpus: {total} cases");
    for (family, count) in &corpus.counts {
        println!("  {family}: {count}");
    }
    let _ = std::io::stdout().flush();
    assert!(
        corpus.failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        corpus.failures.len(),
        corpus.failures.join("\n")
    );
    assert!(total >= 1000, "only {total} cases");
    for (family, least) in [("dns message", 100), ("dns record", 100)] {
        assert!(
            corpus.counts[family] >= least,
            "{family}: {}",
            corpus.counts[family]
        );
    }
    let peak = peak_rss_kib();
    assert!(peak < MEMORY_BOUND_KIB, "peak RSS {peak} KiB");
}
