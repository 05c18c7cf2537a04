//! No planted secret in any output: a health endpoint that echoes the request's `Authorization`
//! header (taken from `headers_from_env`) back in its body, headers and `Location`, in full and
//! cut short, must not get the credential into any report format, the `-vv` log or an error.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use crate::support::{launchguard_with_env, write};

/// A real-looking AWS key ID and an OpenAI project key (fixture values, valid by the rules' shape).
const AWS_KEY: &str = "AKIALGECHOTEST7ABCDE";
const OPENAI_KEY: &str =
    "sk-proj-LgEchoKey9x8c7v6b5n4m3a2s1d0fGhJkLqWeRtYuIoPzXcVbNm1234567890abcdEFGHijklmnopQRSTuvwx";
/// A credential no rule knows: only the registry of configured values can hide it.
const OPAQUE: &str = "opaque-7d1e4c9b2a6f";

const FORMATS: [&str; 5] = [
    "launchguard-report.json",
    "launchguard-report.sarif",
    "launchguard-report.junit.xml",
    "launchguard-report.md",
    "launchguard-report.html",
];

fn header_value(request: &str, name: &str) -> String {
    request
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default()
}

/// Answers every request by echoing its credentials in every place a health body can show them:
/// JSON fields that `health.verbose` quotes, environment-style lines, a stack trace, a version
/// string cut at 80 characters, a `Location` header, and the raw header.
fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let request = String::from_utf8_lossy(&request);
            let auth = header_value(&request, "authorization");
            let token = header_value(&request, "x-api-token");
            let cut: String = auth.chars().take(80).collect();
            let body = format!(
                "{{\"status\":\"degraded\",\"version\":\"{cut}\",\"server\":\"{auth}\",\
                 \"hostname\":\"{token}\",\"build_id\":\"{token}\",\
                 \"echo\":\"{auth}\"}}\nAUTH_HEADER={auth}\nAPI_TOKEN={token}\n\
                 Traceback (most recent call last)\n  File \"/srv/{token}.py\", line 7\n\
                 postgresql://app:{token}@db.internal/prod\n"
            );
            let response = format!(
                "HTTP/1.1 302 Found\r\nLocation: https://login.example.com/?auth={auth}&t={token}\r\n\
                 X-Echo: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    addr
}

/// Every run of 12 characters of `secret`: a report holding one shows a piece of it.
fn pieces(secret: &str) -> Vec<&str> {
    (0..=secret.len() - 12)
        .map(|i| &secret[i..i + 12])
        .collect()
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [AWS_KEY, OPENAI_KEY, OPAQUE] {
        for piece in pieces(secret) {
            assert!(
                !text.contains(piece),
                "{what} holds `{piece}`, a piece of a planted secret:\n{text}"
            );
        }
    }
}

fn config(dir: &Path, addr: SocketAddr) -> std::path::PathBuf {
    write(
        dir,
        "launchguard.toml",
        &format!(
            r#"[scope]
hosts = ["127.0.0.1"]

[health]
[[health.endpoints]]
name = "echo"
url = "http://{addr}/health"
headers_from_env = {{ Authorization = "ECHO_AUTH", X-Api-Token = "ECHO_TOKEN" }}
"#
        ),
    )
}

#[test]
fn an_echoing_server_gets_no_credential_into_any_format_log_or_error() {
    let dir = tempfile::tempdir().unwrap();
    let addr = echo_server();
    let path = config(dir.path(), addr);
    let out = dir.path().join("out");
    let auth = format!("Bearer {OPENAI_KEY} {AWS_KEY}");
    let token = format!("{OPAQUE}-{AWS_KEY}");
    let mut args = vec![
        "audit",
        "-vv",
        "--config",
        path.to_str().unwrap(),
        "--output-dir",
        out.to_str().unwrap(),
        "--format",
        "terminal",
    ];
    for format in ["json", "sarif", "junit", "markdown", "html"] {
        args.extend(["--format", format]);
    }
    let run = launchguard_with_env(
        &args,
        dir.path(),
        &[("ECHO_AUTH", &auth), ("ECHO_TOKEN", &token)],
    );
    // The endpoint answered and was judged: the echo reached launchguard.
    assert!(
        run.stdout.contains("health.verbose") && run.stdout.contains("health.status"),
        "{run:?}"
    );
    assert_no_secret("stdout (terminal report)", &run.stdout);
    assert_no_secret("stderr (-vv log)", &run.stderr);
    for name in FORMATS {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(
            text.contains("redacted"),
            "{name} shows no redaction:\n{text}"
        );
        assert_no_secret(name, &text);
    }

    // An error that quotes the configured values (a report that cannot be written) is redacted too.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "a file, not a directory").unwrap();
    let mut args = args.clone();
    let at = args.iter().position(|a| *a == "--output-dir").unwrap();
    let blocked_dir = blocked.join(&auth);
    args[at + 1] = blocked_dir.to_str().unwrap();
    let failed = launchguard_with_env(
        &args,
        dir.path(),
        &[("ECHO_AUTH", &auth), ("ECHO_TOKEN", &token)],
    );
    assert_eq!(failed.code, 2, "{failed:?}");
    assert!(failed.stderr.contains("error:"), "{failed:?}");
    assert_no_secret("stderr of a failed run", &failed.stderr);
}
