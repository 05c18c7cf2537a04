//! The HTTP surface agent against the lab's HTTPS sites (every check's positive and clean
//! control) and against hostile peers, all on loopback.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{Finding, Scope, Severity, Status, Timeouts, run_alone};
use launchguard_http::surface::{AGENT, CHECKS};
use launchguard_lab::http_sites;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct Run {
    findings: Vec<Finding>,
}

impl Run {
    fn on(&self, check: &str, target: &str) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| {
                f.check.as_str() == check
                    && (f.target.id == target || f.target.id.starts_with(&format!("{target}/")))
            })
            .collect()
    }

    fn status(&self, check: &str, target: &str) -> Status {
        let found = self.on(check, target);
        assert!(
            !found.is_empty(),
            "no {check} on {target}: {:#?}",
            self.findings
        );
        found.iter().map(|f| f.status).min().unwrap()
    }

    fn json(&self) -> String {
        serde_json::to_string(&self.findings).unwrap()
    }
}

async fn run(dir: &Path, hosts: &[&str], section: &str, env: Environment, budget: u32) -> Run {
    let hosts: Vec<String> = hosts.iter().map(|h| format!("\"{h}\"")).collect();
    let config = format!("[scope]\nhosts = [{}]\n{section}", hosts.join(", "));
    let loaded = LoadedConfig::parse(&dir.join("launchguard.toml"), &config, &[&AGENT], &env)
        .unwrap_or_else(|e| panic!("{e}\n{config}"));
    let agent = loaded
        .agent("http")
        .expect("an [http] section")
        .agent
        .as_ref();
    let timeouts = Timeouts {
        connect: Duration::from_millis(500),
        request: Duration::from_millis(1_500),
        agent_deadline: Duration::from_secs(30),
    };
    let hosts: Vec<String> = loaded
        .scope
        .hosts
        .iter()
        .map(|h| h.get_ref().clone())
        .collect();
    let scope = Scope::new(&hosts, budget, timeouts).unwrap();
    let findings = run_alone(agent, Arc::new(scope), timeouts.agent_deadline)
        .await
        .expect("the agent finished within its deadline");
    // Every check concluded on every target, once (secrets below a target may be several).
    for target in agent.targets() {
        for check in CHECKS.iter() {
            let on_target = findings
                .iter()
                .filter(|f| f.check.as_str() == check.id && target.covers(&f.target))
                .count();
            assert!(
                on_target >= 1,
                "{} has no finding on {}",
                check.id,
                target.id
            );
        }
    }
    let mut seen = HashMap::new();
    for f in findings
        .iter()
        .filter(|f| f.check.as_str() != "exposure.secret")
    {
        *seen
            .entry((f.check.as_str().to_owned(), f.target.id.clone()))
            .or_insert(0) += 1;
    }
    assert!(
        seen.values().all(|n| *n == 1),
        "duplicate findings: {seen:?}"
    );
    Run { findings }
}

#[tokio::test]
async fn every_check_fires_on_its_planted_flaw_and_the_clean_controls_give_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lab = http_sites::start(dir.path()).await.unwrap();
    let run = run(
        dir.path(),
        &["*.lab.test"],
        &lab.section,
        Environment::process(),
        1_000,
    )
    .await;

    for check in [
        "headers.csp.unsafe",
        "headers.xfo.missing",
        "headers.nosniff.missing",
        "headers.referrer_policy.missing",
        "headers.permissions_policy.missing",
        "headers.server_version_leak",
        "headers.cache_sensitive",
        "cookie.insecure",
        "cookie.no_httponly",
        "cookie.no_samesite",
        "cookie.samesite_none_insecure",
        "cookie.broad_domain",
        "exposure.dotenv",
        "exposure.git",
        "exposure.sourcemap",
        "exposure.metrics",
        "exposure.debug",
        "exposure.directory_listing",
        "exposure.backup_file",
        "exposure.internal_address",
        "exposure.secret",
    ] {
        assert_eq!(
            run.status(check, "http:shop"),
            Status::Fail,
            "{check} on shop: {:#?}",
            run.on(check, "http:shop")
        );
    }
    for check in [
        "headers.csp.missing",
        "headers.xfo.missing",
        "headers.nosniff.missing",
        "headers.referrer_policy.missing",
        "headers.permissions_policy.missing",
        "headers.server_version_leak",
    ] {
        assert_eq!(
            run.status(check, "http:legacy"),
            Status::Fail,
            "{check} on legacy"
        );
    }
    // Each CORS endpoint fails exactly its root cause.
    let cors_checks: Vec<&str> = CHECKS
        .iter()
        .map(|c| c.id)
        .filter(|id| id.starts_with("cors."))
        .collect();
    for (path, expected) in [
        (
            "/v1/reflect-credentials",
            "cors.origin_reflected_with_credentials",
        ),
        ("/v1/reflect", "cors.origin_reflected"),
        ("/v1/null", "cors.null_origin_trusted"),
        ("/v1/prefix", "cors.prefix_match_bypass"),
        ("/v1/suffix", "cors.suffix_match_bypass"),
        ("/v1/http", "cors.http_origin_trusted"),
        ("/v1/regex", "cors.not_in_allowlist"),
        ("/v1/wildcard", "cors.wildcard"),
        ("/v1/wildcard-credentials", "cors.wildcard_with_credentials"),
    ] {
        let endpoint = format!("http:api/cors:{path}");
        let failing: Vec<&str> = cors_checks
            .iter()
            .copied()
            .filter(|check| run.status(check, &endpoint) == Status::Fail)
            .collect();
        assert_eq!(failing, [expected], "{path}");
    }
    let reflected = &run.on(
        "cors.origin_reflected_with_credentials",
        "http:api/cors:/v1/reflect-credentials",
    )[0];
    assert_eq!(reflected.severity, Severity::Critical);
    let through = reflected.evidence["origins_through"].to_string();
    assert!(
        through.contains("null") && through.contains("lg-") && through.contains("preflight"),
        "{through}"
    );
    let regex = &run.on("cors.not_in_allowlist", "http:api/cors:/v1/regex")[0];
    let through = regex.evidence["origins_through"].to_string();
    assert!(
        through.contains("https://appxlab.test") && through.contains("unlisted subdomain"),
        "{through}"
    );
    assert_eq!(regex.severity, Severity::High, "with credentials");

    // The clean controls: nothing failing, nothing unverified.
    let problems: Vec<String> = run
        .findings
        .iter()
        .filter(|f| f.is_problem())
        .filter(|f| {
            f.target.id.starts_with("http:web") || f.target.id.starts_with("http:api/cors:/v1/me")
        })
        .map(|f| format!("{} {} {}", f.check, f.target.id, f.message))
        .collect();
    assert!(problems.is_empty(), "clean controls: {problems:#?}");
    let api_problems: Vec<String> = run
        .findings
        .iter()
        .filter(|f| f.is_problem() && f.target.id == "http:api")
        .map(|f| format!("{} {}", f.check, f.message))
        .collect();
    assert!(
        api_problems.is_empty(),
        "the API's own headers are clean: {api_problems:#?}"
    );

    // Secrets: the bundle's service-role key is critical with URL, line and column; the anon key is
    // inventory; nothing is shown in full.
    let secrets = run.on("exposure.secret", "http:shop");
    let rule_of = |f: &&Finding| f.evidence["rule"].to_string();
    let service = secrets
        .iter()
        .find(|f| rule_of(f) == "secrets.supabase_service_role")
        .expect("service role found");
    assert_eq!(
        (service.status, service.severity),
        (Status::Fail, Severity::Critical)
    );
    assert!(
        service.target.display.ends_with("/static/app.js:2:6"),
        "{}",
        service.target.display
    );
    for rule in [
        "secrets.openai_key",
        "secrets.supabase_secret_key",
        "secrets.db_url",
    ] {
        assert!(
            secrets
                .iter()
                .any(|f| rule_of(f) == rule && f.status == Status::Fail),
            "{rule}: {secrets:#?}"
        );
    }
    let anon = run.on("exposure.secret", "http:web");
    assert!(
        anon.iter()
            .any(|f| rule_of(f) == "secrets.supabase_anon_key"
                && f.status == Status::Pass
                && f.severity == Severity::Info),
        "{anon:#?}"
    );
    let json = run.json();
    for planted in [
        http_sites::SERVICE_ROLE_JWT,
        http_sites::OPENAI_KEY,
        http_sites::SB_SECRET,
        http_sites::DB_PASSWORD,
    ] {
        assert!(
            !json.contains(planted),
            "a planted secret reached the findings"
        );
    }
    // The SPA's shell answered every probe path with 200: no exposure found there.
    assert_eq!(run.status("exposure.dotenv", "http:web"), Status::Pass);

    // Budgets: each site received no more than its target's cap.
    for (name, received) in &lab.received {
        let cap = if *name == "api" { 200 } else { 150 };
        let got = received.load(Ordering::SeqCst);
        assert!(
            got > 10 && got <= cap,
            "{name} received {got} requests (cap {cap})"
        );
    }
}

/// A raw peer that answers every request on `addr` with `reply`, counting connections.
async fn raw_peer(addr: &str, reply: Vec<u8>, trickle: bool) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind(addr).await.unwrap();
    let local = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = socket.read(&mut buf).await;
                if trickle {
                    for byte in reply {
                        if socket.write_all(&[byte]).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                } else {
                    let _ = socket.write_all(&reply).await;
                }
            });
        }
    });
    (local, seen)
}

fn http_reply(head: &str, body: &[u8]) -> Vec<u8> {
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\n{head}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(body);
    reply
}

fn target(name: &str, addr: SocketAddr, extra: &str) -> String {
    format!(
        "\n[[http.targets]]\nname = \"{name}\"\nurl = \"http://{addr}/\"\nrole = \"frontend\"\n{extra}"
    )
}

#[tokio::test]
async fn hostile_peers_give_a_clear_error_or_a_bounded_result_and_nothing_leaves_scope() {
    let outside = TcpListener::bind("127.0.0.2:0").await;
    let Ok(outside) = outside else {
        panic!("127.0.0.2 must be bindable on loopback for the scope test");
    };
    let outside_addr = outside.local_addr().unwrap();
    let outside_seen = Arc::new(AtomicUsize::new(0));
    let counter = outside_seen.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = outside.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });

    let huge_header = http_reply(
        &format!("X-Huge: {}\r\n", "h".repeat(512 * 1024)),
        b"<html></html>",
    );
    let cookies: String = (0..1000)
        .map(|i| format!("Set-Cookie: sess{i}=v; Path=/\r\n"))
        .collect();
    let thousand_cookies = http_reply(&cookies, b"<html></html>");
    let mut non_utf8 = b"HTTP/1.1 200 OK\r\nServer: \xffnginx/1.2\xfe\r\nSet-Cookie: sid=\xff\xfe; Path=/\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n".to_vec();
    non_utf8.extend_from_slice(b"<html></html>");
    let big_body = http_reply("Content-Type: text/html\r\n", &vec![b'a'; 3 * 1024 * 1024]);
    let trickle = http_reply("", b"<html>slow</html>");
    let looping =
        b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_vec();
    let escaping = format!(
        "HTTP/1.1 302 Found\r\nLocation: http://{outside_addr}/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    let linking = http_reply(
        "Content-Type: text/html\r\n",
        format!("<html><script src=\"http://{outside_addr}/app.js\"></script><script src=\"/local.js\"></script></html>").as_bytes(),
    );

    let mut section = String::from("[http]\n");
    let mut addrs = Vec::new();
    for (name, reply, trickle, extra) in [
        ("huge-header", huge_header, false, ""),
        ("cookies", thousand_cookies, false, ""),
        ("non-utf8", non_utf8, false, ""),
        ("big-body", big_body, false, "max_bytes = 100000\n"),
        ("trickle", trickle, true, "health_paths = []\n"),
        ("loop", looping, false, ""),
        ("escape", escaping, false, ""),
        ("linking", linking, false, ""),
    ] {
        let (addr, _) = raw_peer("127.0.0.1:0", reply, trickle).await;
        section.push_str(&target(name, addr, extra));
        addrs.push((name, addr));
    }
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let run = run(
        dir.path(),
        &["127.0.0.1"],
        &section,
        Environment::process(),
        10_000,
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "bounded in time: {:?}",
        started.elapsed()
    );

    let page_check = |name: &str| run.on("headers.csp.missing", &format!("http:{name}"))[0];
    for name in ["huge-header", "trickle", "loop", "escape"] {
        let finding = page_check(name);
        assert_eq!(finding.status, Status::Error, "{name}: {finding:#?}");
        assert!(
            finding.message.starts_with("not verified: "),
            "{name}: {}",
            finding.message
        );
    }
    assert!(
        page_check("trickle").message.contains("timed out"),
        "{}",
        page_check("trickle").message
    );
    assert!(
        page_check("loop").message.contains("more than 5"),
        "{}",
        page_check("loop").message
    );
    assert!(
        page_check("escape").message.contains("not followed"),
        "{}",
        page_check("escape").message
    );
    // A thousand cookies: judged (or refused by the HTTP parser with a clear error).
    let cookies = run.on("cookie.no_httponly", "http:cookies")[0];
    match cookies.status {
        Status::Fail => assert!(
            cookies.message.contains("1000 cookie(s)") && cookies.message.contains("and 980 more"),
            "{}",
            cookies.message
        ),
        Status::Error => assert!(!cookies.message.is_empty()),
        other => panic!("a thousand session cookies without HttpOnly: {other}"),
    }
    // Non-UTF-8 header values are read lossily and judged.
    assert_eq!(
        run.status("cookie.no_httponly", "http:non-utf8"),
        Status::Fail
    );
    assert_eq!(
        run.status("headers.server_version_leak", "http:non-utf8"),
        Status::Fail
    );
    // A body over the cap: judged on what was read; the target's byte cap stops further reads.
    assert_eq!(
        run.status("headers.csp.missing", "http:big-body"),
        Status::Fail
    );
    let spent = run
        .findings
        .iter()
        .filter(|f| f.target.id == "http:big-body")
        .find_map(|f| f.evidence.get("bytes_read"))
        .expect("bytes_read reported")
        .to_string();
    assert!(
        spent.parse::<u64>().unwrap() <= 100_000 + 2 * 1024 * 1024,
        "{spent}"
    );
    assert_eq!(
        run.status("exposure.dotenv", "http:big-body"),
        Status::Error,
        "what was not read is not a pass"
    );
    // Nothing left scope: not the redirect, not the cross-origin script.
    assert_eq!(
        run.status("exposure.sourcemap", "http:linking"),
        Status::Pass
    );
    assert_eq!(
        outside_seen.load(Ordering::SeqCst),
        0,
        "a request left scope"
    );
}

#[tokio::test]
async fn credentials_come_from_the_environment_and_never_reach_a_finding() {
    // A server that echoes the Authorization header into a version header and its body.
    let app = axum::Router::new().fallback(|headers: axum::http::HeaderMap| async move {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        (
            [
                ("server", format!("echo/1.0 {auth}")),
                ("content-type", "text/html".to_owned()),
            ],
            format!("<html>Traceback (most recent call last): {auth}</html>"),
        )
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let token = "Bearer lg-test-credential-9f8e7d6c5b4a";
    let section = format!(
        "[http]\n{}headers_from_env = {{ Authorization = \"LG_TEST_SURFACE_TOKEN\" }}\n",
        target("echo", addr, "")
    );
    let dir = tempfile::tempdir().unwrap();
    let env = Environment::process().with_var("LG_TEST_SURFACE_TOKEN", token);
    let run = run(dir.path(), &["127.0.0.1"], &section, env, 1_000).await;
    assert_eq!(
        run.status("headers.server_version_leak", "http:echo"),
        Status::Fail
    );
    assert_eq!(
        run.status("headers.cache_sensitive", "http:echo"),
        Status::Fail,
        "an authenticated page without no-store"
    );
    assert!(
        !run.json().contains("lg-test-credential-9f8e7d6c5b4a"),
        "the credential reached a finding"
    );

    let unset = run_unset(&section).await;
    assert!(
        unset
            .findings
            .iter()
            .all(|f| f.status == Status::Error && f.message.contains("LG_TEST_SURFACE_TOKEN"))
    );
}

async fn run_unset(section: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &["127.0.0.1"],
        section,
        Environment::process(),
        1_000,
    )
    .await
}

#[test]
fn configuration_mistakes_point_at_the_value() {
    let parse = |section: &str| {
        LoadedConfig::parse(
            Path::new("test.toml"),
            &format!("[scope]\nhosts = [\"app.lab.test\"]\n[http]\n[[http.targets]]\nname = \"web\"\n{section}"),
            &[&AGENT],
            &Environment::process(),
        )
        .err()
        .map(|e| e.to_string())
    };
    let cases = [
        (
            "url = \"https://app.lab.test/\"\nrole = \"Front End\"",
            "a role is one word",
        ),
        (
            "url = \"https://app.lab.test/\"\nrole = \"api\"\nallowed_origins = [\"https://app.lab.test/login\"]",
            "is not an origin",
        ),
        (
            "url = \"ftp://app.lab.test/\"\nrole = \"api\"",
            "is not an http:// or https://",
        ),
        (
            "url = \"https://app.lab.test/\"\nrole = \"api\"\naddress = \"app.lab.test\"",
            "must be an IP address",
        ),
        (
            "url = \"https://app.lab.test/\"\nrole = \"api\"\ncors_paths = [\"v1\"]",
            "starts with `/`",
        ),
        (
            "url = \"https://u:p@app.lab.test/\"\nrole = \"api\"",
            "carries credentials",
        ),
    ];
    for (section, expected) in cases {
        let error = parse(section).unwrap_or_else(|| panic!("accepted: {section}"));
        assert!(
            error.contains(expected) && error.contains("test.toml:"),
            "{section}: {error}"
        );
    }
    assert_eq!(
        parse("url = \"https://app.lab.test/\"\nrole = \"worker\""),
        None,
        "custom roles are fine"
    );
}

/// Answers every request with a JSON body, echoing its Origin (if any) into
/// Access-Control-Allow-Origin followed by `suffix`, with credentials: raw bytes, so that values
/// an HTTP library would refuse to build are sent as they are.
async fn origin_echo_peer(suffix: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let local = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let origin = String::from_utf8_lossy(&request).lines().find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("origin")
                        .then(|| value.trim().to_owned())
                });
                let mut head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".to_vec();
                if let Some(origin) = origin {
                    head.extend_from_slice(b"Access-Control-Allow-Origin: ");
                    head.extend_from_slice(origin.as_bytes());
                    head.extend_from_slice(suffix);
                    head.extend_from_slice(b"\r\nAccess-Control-Allow-Credentials: true\r\nAccess-Control-Allow-Methods: GET, PUT\r\n");
                }
                head.extend_from_slice(b"Content-Length: 2\r\nConnection: close\r\n\r\n{}");
                let _ = socket.write_all(&head).await;
            });
        }
    });
    local
}

/// The CORS checks that say an origin got through (every one but the wildcard checks).
const EXPLOIT_CHECKS: &[&str] = &[
    "cors.origin_reflected_with_credentials",
    "cors.origin_reflected",
    "cors.null_origin_trusted",
    "cors.prefix_match_bypass",
    "cors.suffix_match_bypass",
    "cors.http_origin_trusted",
    "cors.not_in_allowlist",
];

#[tokio::test]
async fn answers_a_browser_refuses_fail_no_exploit_check_and_are_told_in_evidence() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, http_sites::cors_near_miss_site())
            .await
            .unwrap()
    });
    let paths: Vec<String> = http_sites::CORS_NEAR_MISSES
        .iter()
        .map(|(p, _)| format!("\"{p}\""))
        .collect();
    let mut section = String::from("[http]\n");
    section.push_str(&format!(
        "\n[[http.targets]]\nname = \"near\"\nurl = \"http://{addr}/near/case\"\nrole = \"api\"\nallowed_origins = [\"{}\"]\ncredentials = true\ncors_paths = [{}]\nmax_requests = 400\n",
        http_sites::ALLOWED_ORIGIN,
        paths.join(", ")
    ));
    let echo_vt = origin_echo_peer(b"\x0b").await;
    section.push_str(&format!(
        "\n[[http.targets]]\nname = \"vt\"\nurl = \"http://{echo_vt}/\"\nrole = \"api\"\nallowed_origins = [\"{}\"]\ncors_paths = [\"/\"]\n",
        http_sites::ALLOWED_ORIGIN
    ));
    let dir = tempfile::tempdir().unwrap();
    let run = run(
        dir.path(),
        &["127.0.0.1"],
        &section,
        Environment::process(),
        2_000,
    )
    .await;

    let cors_findings = |target: &str| -> Vec<&Finding> {
        run.findings
            .iter()
            .filter(|f| f.check.as_str().starts_with("cors.") && f.target.id == target)
            .collect()
    };
    for (path, what) in http_sites::CORS_NEAR_MISSES {
        let target = format!("http:near/cors:{path}");
        let findings = cors_findings(&target);
        assert!(!findings.is_empty(), "{path}: no CORS finding");
        let failing: Vec<String> = findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .map(|f| format!("{} {}", f.check, f.message))
            .collect();
        let expected: &[&str] = if path.starts_with("/near/credentials-") {
            // The origin is reflected, but a browser sends no cookies with it.
            &["cors.origin_reflected"]
        } else {
            &[]
        };
        let failing_checks: Vec<&str> = failing
            .iter()
            .map(|f| f.split(' ').next().unwrap())
            .collect();
        assert_eq!(failing_checks, expected, "{path} ({what}): {failing:#?}");
        assert!(
            findings.iter().all(|f| f.status != Status::Error),
            "{path}: every probe was answered: {findings:#?}"
        );
        // What a browser refused is told on the check it concerns, never as a failure.
        let told_on = if path.ends_with("wildcard") {
            "cors.wildcard"
        } else if path.starts_with("/near/credentials-") {
            "cors.origin_reflected_with_credentials"
        } else {
            "cors.origin_reflected"
        };
        let told = findings
            .iter()
            .find(|f| f.check.as_str() == told_on)
            .unwrap();
        assert_eq!(told.status, Status::Pass, "{path}: {told:#?}");
        let evidence = told
            .evidence
            .get("refused_by_browsers")
            .unwrap_or_else(|| panic!("{path}: nothing told: {told:#?}"))
            .to_string();
        let reason = match *path {
            "/near/case" | "/near/nbsp" => "not the origin byte for byte",
            "/near/credentials-capitalised" => "`True` is not exactly one `true`",
            "/near/credentials-upper" => "`TRUE` is not exactly one `true`",
            "/near/two-origins" => "2 Access-Control-Allow-Origin headers",
            "/near/preflight-403" => "answered 403",
            "/near/preflight-get-only" => "does not allow PUT",
            _ => "answered 500",
        };
        assert!(evidence.contains(reason), "{path}: {evidence}");
    }
    // The same near misses on the allowlist's look-alikes are told on their own checks.
    let prefix = run.on("cors.prefix_match_bypass", "http:near/cors:/near/case")[0];
    assert_eq!(prefix.status, Status::Pass);
    assert!(
        prefix
            .message
            .contains("a browser's CORS check refuses 2 answer(s)"),
        "{}",
        prefix.message
    );

    // A vertical tab after the echoed origin: either the HTTP client refuses the answer (not
    // verified) or it is judged, and then nothing got through.
    for finding in cors_findings("http:vt/cors:/") {
        assert_ne!(finding.status, Status::Fail, "{finding:#?}");
        if EXPLOIT_CHECKS.contains(&finding.check.as_str()) {
            assert_ne!(finding.status, Status::Skipped, "{finding:#?}");
        }
    }
}
