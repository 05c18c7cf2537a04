//! Hostile and broken servers: every check reports `error` with a reason, never a verdict, a
//! panic or a hang.

use std::time::Duration;

use launchguard_core::Status;
use launchguard_lab::tls::{self as lab, Authority, LeafSpec, Reply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{GOOD_HSTS, Lab, assert_words_only, bind, run, run_with_budget, timeouts};

/// A peer that reads the ClientHello, writes `reply`, then holds or closes the connection.
async fn scripted(lab: &mut Lab, reply: &'static [u8], hold: bool) -> u16 {
    let (listener, addr) = bind().await;
    lab.keep(tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(reply).await;
                if hold {
                    tokio::time::sleep(Duration::from_secs(120)).await;
                }
            });
        }
    }));
    addr.port()
}

const GARBAGE: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n\x00\xff\xfe";
/// A record header promising 64 bytes, then 10 of them, then close.
const TRUNCATED: &[u8] = &[0x16, 3, 3, 0, 64, 2, 0, 0, 60, 3, 3, 1, 2, 3, 4];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_give_errors_with_reasons() {
    let mut lab = Lab::new();
    let garbage = scripted(&mut lab, GARBAGE, false).await;
    let truncated = scripted(&mut lab, TRUNCATED, false).await;
    let silent = scripted(&mut lab, b"", true).await;
    // The first 30 bytes of a real ServerHello record, then the connection closes.
    let mid_handshake = scripted(
        &mut lab,
        &[
            0x16, 3, 3, 0, 74, 2, 0, 0, 70, 3, 3, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
            7, 7, 7,
        ],
        false,
    )
    .await;

    // A chain of about 100 KB: the leaf and copies of an intermediate.
    let root = Authority::root("bulky root");
    let leaf = root.issue(&LeafSpec::for_names(&["bulky.lab.test"]));
    let mut chain = vec![leaf.cert.clone()];
    let intermediate = root.intermediate("bulky intermediate").cert;
    let copies = 100_000 / intermediate.len() + 1;
    chain.extend(std::iter::repeat_n(intermediate, copies));
    assert!(chain.iter().map(|c| c.len()).sum::<usize>() > 90_000);
    let (listener, addr) = bind().await;
    lab.keep(lab::serve_https(
        listener,
        lab::server_config(chain, leaf.key(), None, rustls::ALL_VERSIONS),
        Reply::ok(&[]),
    ));

    for (name, port) in [
        ("garbage", garbage),
        ("truncated", truncated),
        ("silent", silent),
        ("mid-handshake", mid_handshake),
        ("bulky", addr.port()),
    ] {
        lab.add_target(name, &format!("{name}.lab.test"), port, 0, "");
    }
    let config = lab.config(&["127.0.0.1", "*.lab.test"], "");
    // `run` fails the test if the agent outlives its deadline: no hang.
    let run = run(lab.dir.path(), &config, timeouts(800)).await;

    let mut wrong = Vec::new();
    for finding in &run.findings {
        let redirect_check = finding.check.as_str().starts_with("https.redirect.")
            || finding.check.as_str() == "hsts.over_http";
        let expected = if redirect_check {
            Status::Skipped
        } else {
            Status::Error
        };
        if finding.status != expected || finding.message.len() < 20 {
            wrong.push(format!(
                "{} on {}: {} ({})",
                finding.check.as_str(),
                finding.target.id,
                finding.status,
                finding.message
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_words_only(&run.findings);
    let reason = |target: &str| run.get("tls.cert.expired", target).message.clone();
    assert!(
        reason("tls:silent").contains("did not finish within"),
        "{}",
        reason("tls:silent")
    );
    assert!(
        reason("tls:mid-handshake").contains("closed"),
        "{}",
        reason("tls:mid-handshake")
    );
    for target in ["tls:garbage", "tls:truncated", "tls:bulky"] {
        assert!(
            reason(target).contains("handshake"),
            "{target}: {}",
            reason(target)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_request_budget_stops_probing_and_nothing_unverified_passes() {
    let mut lab = Lab::new();
    let site = lab.clean("clean", "example.com");
    lab.add(site).await;
    let config = lab.config(&["127.0.0.1", "example.com"], "");
    let run = run_with_budget(lab.dir.path(), &config, timeouts(2_000), 4).await;
    assert_eq!(run.spent("example.com"), 4, "exactly the budget was used");
    // The two handshakes and two raw probes happened; everything after them could not.
    assert_eq!(run.status("tls.cert.expired", "tls:clean"), Status::Pass);
    for check in [
        "tls.protocol.legacy",
        "tls.protocol.tls12_missing",
        "tls.cipher.null",
        "hsts.missing",
        "https.redirect.missing",
    ] {
        let finding = run.get(check, "tls:clean");
        assert_eq!(
            finding.status,
            Status::Error,
            "{check}: {}",
            finding.message
        );
        assert!(
            finding.message.contains("budget"),
            "{check}: {}",
            finding.message
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_the_deadline_what_was_observed_is_reported_and_the_rest_is_error() {
    let mut lab = Lab::new();
    let site = lab.clean("clean", "example.com");
    lab.add(site).await;
    let silent = scripted(&mut lab, b"", true).await;
    lab.add_target("silent", "silent.lab.test", silent, 0, "");
    let config = lab.config(&["127.0.0.1", "example.com", "silent.lab.test"], "");
    let mut short = timeouts(30_000);
    short.agent_deadline = Duration::from_secs(3);
    let run = run(lab.dir.path(), &config, short).await;
    assert_eq!(
        run.status("tls.cert.expired", "tls:clean"),
        Status::Pass,
        "the finished host keeps its verdicts"
    );
    for finding in run.findings.iter().filter(|f| f.target.id == "tls:silent") {
        assert_eq!(
            finding.status,
            Status::Error,
            "{}: {}",
            finding.check.as_str(),
            finding.message
        );
        assert!(finding.message.contains("deadline"), "{}", finding.message);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_answers_nothing_proves_nothing_about_its_redirect() {
    let mut lab = Lab::new();
    let closed = |listener: tokio::net::TcpListener| listener.local_addr().unwrap().port();
    let (tls_port, http_port) = (closed(bind().await.0), closed(bind().await.0));
    lab.add_target("down", "down.lab.test", tls_port, http_port, "");
    // The HTTPS port is closed but plain HTTP answers with a redirect: that part is still judged.
    let (listener, addr) = bind().await;
    lab.keep(lab::serve_http(
        listener,
        Reply::redirect(301, "https://half.lab.test/"),
    ));
    lab.add_target(
        "half",
        "half.lab.test",
        closed(bind().await.0),
        addr.port(),
        "",
    );
    let config = lab.config(&["127.0.0.1", "*.lab.test"], "");
    let run = run(lab.dir.path(), &config, timeouts(800)).await;
    let missing = run.get("https.redirect.missing", "tls:down");
    assert_eq!(missing.status, Status::Error, "{}", missing.message);
    assert!(
        missing
            .message
            .contains("neither the HTTPS nor the plain-HTTP port answers"),
        "{}",
        missing.message
    );
    assert_eq!(
        run.status("https.redirect.missing", "tls:half"),
        Status::Pass
    );
    assert_eq!(run.status("tls.cert.expired", "tls:half"), Status::Error);
}

/// What a [`lying_peer`] puts in its ServerHello that the ClientHello never offered.
#[derive(Clone, Copy)]
enum Lie {
    /// A real suite (NULL, anonymous, 3DES...) that is not in the offered list.
    Suite,
    /// The first offered suite, with DEFLATE compression (only null is offered).
    Compression,
    /// The first offered suite, at version 0x0200 (below SSLv3, never offered).
    Version,
}

/// A hostile TLS 1.0 stack: it answers every ClientHello with a ServerHello at TLS 1.0 (or
/// lower, when that is what was offered) that carries `lie`. rustls's hello is answered the same
/// way, so rustls refuses the old version and no handshake ever completes.
async fn lying_peer(lab: &mut Lab, lie: Lie) -> u16 {
    let (listener, addr) = bind().await;
    lab.keep(tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut hello = vec![0u8; 16 * 1024];
                let mut read = 0;
                while read < 5 || read < 5 + usize::from(u16::from_be_bytes([hello[3], hello[4]])) {
                    match socket.read(&mut hello[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                    if read == hello.len() {
                        return;
                    }
                }
                let offered_version = u16::from_be_bytes([hello[9], hello[10]]);
                let session_len = usize::from(hello[43]);
                let at = 44 + session_len;
                let suites_len = usize::from(u16::from_be_bytes([hello[at], hello[at + 1]]));
                let offered: Vec<u16> = hello[at + 2..at + 2 + suites_len]
                    .chunks(2)
                    .map(|s| u16::from_be_bytes([s[0], s[1]]))
                    .collect();
                let first_offered = offered.first().copied().unwrap_or(0x002F);
                let (version, suite, compression) = match lie {
                    Lie::Suite => {
                        let unoffered = [0x0001u16, 0x0018, 0x000A, 0x002F, 0xC02F]
                            .into_iter()
                            .find(|s| !offered.contains(s))
                            .expect("no hello offers all five");
                        (offered_version.min(0x0301), unoffered, 0)
                    }
                    Lie::Compression => (offered_version.min(0x0301), first_offered, 1),
                    Lie::Version => (0x0200, first_offered, 0),
                };
                let mut body = version.to_be_bytes().to_vec();
                body.extend_from_slice(&[0x42; 32]);
                body.push(0);
                body.extend_from_slice(&suite.to_be_bytes());
                body.push(compression);
                let mut record = vec![0x16, 3, 1, 0, (body.len() + 4) as u8, 2, 0, 0];
                record.push(body.len() as u8);
                record.extend_from_slice(&body);
                let _ = socket.write_all(&record).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            });
        }
    }));
    addr.port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_hello_with_what_was_never_offered_proves_nothing() {
    let mut lab = Lab::new();
    let cases = [
        (
            "unoffered-suite",
            Lie::Suite,
            "a suite the ClientHello did not offer",
        ),
        (
            "unoffered-compression",
            Lie::Compression,
            "compression method 1",
        ),
        (
            "unoffered-version",
            Lie::Version,
            "a version it was not offered",
        ),
    ];
    for (name, lie, _) in cases {
        let port = lying_peer(&mut lab, lie).await;
        lab.add_target(name, &format!("{name}.lab.test"), port, 0, "");
    }
    let config = lab.config(&["127.0.0.1", "*.lab.test"], "");
    let run = run(lab.dir.path(), &config, timeouts(2_000)).await;

    let mut wrong = Vec::new();
    for (name, _, reason) in cases {
        let target = format!("tls:{name}");
        for check in [
            "tls.cipher.null",
            "tls.cipher.anon",
            "tls.cipher.weak",
            "tls.cipher.no_forward_secrecy",
            "tls.cipher.cbc",
            "tls.protocol.legacy",
            "tls.protocol.tls12_missing",
        ] {
            let finding = run.get(check, &target);
            if finding.status != Status::Error
                || !finding.message.contains("protocol violation")
                || !finding.message.contains(reason)
            {
                wrong.push(format!(
                    "{check} on {target}: {} ({})",
                    finding.status, finding.message
                ));
            }
        }
        // A rustls handshake cannot prove TLS 1.3 on a peer that answers TLS 1.0 or less.
        let tls13 = run.get("tls.protocol.tls13_missing", &target);
        if tls13.status == Status::Pass {
            wrong.push(format!("tls13_missing on {target}: {}", tls13.message));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_words_only(&run.findings);
}

/// How a [`cutting_peer`] ends each connection after its bytes.
#[derive(Clone, Copy)]
enum Ending {
    /// A FIN: the peer closes.
    Close,
    /// An RST (SO_LINGER 0): the peer resets.
    Reset,
}

/// A plain-HTTP peer that reads the request, writes `reply` (an answer cut anywhere), waits a
/// moment so that the bytes are read, then ends the connection as `ending` says.
async fn cutting_peer(lab: &mut Lab, reply: Vec<u8>, ending: Ending) -> u16 {
    let (listener, addr) = bind().await;
    let reply = std::sync::Arc::new(reply);
    lab.keep(tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(&reply).await;
                let _ = socket.flush().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                if let Ending::Reset = ending {
                    let _ = socket.set_zero_linger();
                }
                drop(socket);
            });
        }
    }));
    addr.port()
}

/// An HTTPS peer with a lab certificate for `host` that reads the request, writes `reply`, then
/// resets the connection.
async fn cutting_tls_peer(lab: &mut Lab, host: &str, reply: Vec<u8>) -> u16 {
    let leaf = lab.intermediate.issue(&LeafSpec::for_names(&[host]));
    let config = lab::server_config(
        vec![leaf.cert.clone(), lab.intermediate.cert.clone()],
        leaf.key(),
        None,
        rustls::ALL_VERSIONS,
    );
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let (listener, addr) = bind().await;
    let reply = std::sync::Arc::new(reply);
    lab.keep(tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, reply) = (acceptor.clone(), reply.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut buffer = [0u8; 4096];
                let _ = tls.read(&mut buffer).await;
                let _ = tls.write_all(&reply).await;
                let _ = tls.flush().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = tls.get_ref().0.set_zero_linger();
            });
        }
    }));
    addr.port()
}

/// A hop is its status line and headers: an answer cut off before they ended is an `error` that
/// says so (never "refused" or "unreachable"), one whose body alone was cut off is judged on them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_cut_off_on_the_way_to_https_are_errors_unless_only_the_body_was_lost() {
    let mut lab = Lab::new();
    let closed = || async { bind().await.1.port() };
    let redirect_head = |to: &str| {
        format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {to}\r\nContent-Type: text/html\r\nContent-Le")
            .into_bytes()
    };
    let redirect_cut_body = |to: &str| {
        format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {to}\r\nContent-Length: 5000\r\n\r\n<html>moved")
            .into_bytes()
    };
    let redirect_over_cap = |to: &str| {
        let mut bytes = format!(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: {to}\r\nContent-Length: 1048576\r\n\r\n"
        )
        .into_bytes();
        bytes.extend(std::iter::repeat_n(b'x', 1 << 20));
        bytes
    };
    let page_cut_body = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<html>welcome".to_vec();

    // Cut off before the headers ended, on the first hop: every redirect check is an error.
    let head_cut: [(&str, Vec<u8>, Ending); 3] = [
        (
            "head-closed",
            redirect_head("https://head-closed.lab.test/"),
            Ending::Close,
        ),
        (
            "head-reset",
            redirect_head("https://head-reset.lab.test/"),
            Ending::Reset,
        ),
        ("nothing-closed", Vec::new(), Ending::Close),
    ];
    for (name, reply, ending) in head_cut {
        let http = cutting_peer(&mut lab, reply, ending).await;
        lab.add_target(name, &format!("{name}.lab.test"), closed().await, http, "");
    }
    // Whole headers, then the body cut off or longer than the cap: the redirect is judged.
    for (name, ending) in [
        ("body-closed", Ending::Close),
        ("body-reset", Ending::Reset),
    ] {
        let tls = closed().await;
        let to = format!("https://{name}.lab.test:{tls}/");
        let http = cutting_peer(&mut lab, redirect_cut_body(&to), ending).await;
        lab.add_target(name, &format!("{name}.lab.test"), tls, http, "");
    }
    let tls = closed().await;
    let http = cutting_peer(
        &mut lab,
        redirect_over_cap(&format!("https://over-cap.lab.test:{tls}/")),
        Ending::Close,
    )
    .await;
    lab.add_target("over-cap", "over-cap.lab.test", tls, http, "");
    let http = cutting_peer(&mut lab, page_cut_body, Ending::Reset).await;
    lab.add_target(
        "page-reset",
        "page-reset.lab.test",
        closed().await,
        http,
        "",
    );
    // The second hop (plain HTTP again) cut off before its headers ended: the walk stops there.
    let second = cutting_peer(
        &mut lab,
        redirect_head("https://x.lab.test/"),
        Ending::Reset,
    )
    .await;
    let first = cutting_peer(
        &mut lab,
        format!(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: http://second-hop.lab.test:{second}/\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes(),
        Ending::Close,
    )
    .await;
    lab.add_target(
        "second-hop",
        "second-hop.lab.test",
        closed().await,
        first,
        "",
    );
    // HTTPS answers: HSTS headers whole and the body reset, and a reset before the headers ended.
    let hsts_body_cut = cutting_tls_peer(
        &mut lab,
        "hsts-body.lab.test",
        format!("HTTP/1.1 200 OK\r\nStrict-Transport-Security: {GOOD_HSTS}\r\nContent-Length: 5000\r\n\r\npartial")
            .into_bytes(),
    )
    .await;
    lab.add_target("hsts-body", "hsts-body.lab.test", hsts_body_cut, 0, "");
    let hsts_head_cut = cutting_tls_peer(
        &mut lab,
        "hsts-head.lab.test",
        b"HTTP/1.1 200 OK\r\nStrict-Transport-Sec".to_vec(),
    )
    .await;
    lab.add_target("hsts-head", "hsts-head.lab.test", hsts_head_cut, 0, "");

    let config = lab.config(&["127.0.0.1", "*.lab.test"], "");
    let run = run(lab.dir.path(), &config, timeouts(2_000)).await;
    assert_words_only(&run.findings);

    let walk_checks = [
        "https.redirect.missing",
        "https.redirect.insecure_hop",
        "https.redirect.not_permanent",
        "https.redirect.chain_too_long",
        "hsts.over_http",
    ];
    for target in ["tls:head-closed", "tls:head-reset", "tls:nothing-closed"] {
        for check in walk_checks {
            let finding = run.get(check, target);
            assert_eq!(
                finding.status,
                Status::Error,
                "{check} on {target}: {}",
                finding.message
            );
            assert!(
                finding
                    .message
                    .contains("cut off before its status line and headers ended"),
                "{check} on {target}: {}",
                finding.message
            );
            let lower = finding.message.to_ascii_lowercase();
            assert!(
                !lower.contains("refused") && !lower.contains("could not connect"),
                "{check} on {target}: {}",
                finding.message
            );
        }
    }
    for target in ["tls:body-closed", "tls:body-reset", "tls:over-cap"] {
        for check in [
            "https.redirect.missing",
            "https.redirect.insecure_hop",
            "https.redirect.not_permanent",
            "hsts.over_http",
        ] {
            let finding = run.get(check, target);
            assert_eq!(
                finding.status,
                Status::Pass,
                "{check} on {target}: {}",
                finding.message
            );
        }
    }
    for target in ["tls:body-closed", "tls:body-reset"] {
        let hops = run.get("https.redirect.missing", target).evidence["hops"].to_string();
        assert!(
            hops.contains("301 http://") && hops.contains("its body was cut off"),
            "{hops}"
        );
    }
    // The body of a 200 served over plain HTTP was cut off: the headers show it is no redirect.
    let page = run.get("https.redirect.missing", "tls:page-reset");
    assert_eq!(page.status, Status::Fail, "{}", page.message);
    assert!(
        page.evidence["hops"]
            .to_string()
            .contains("its body was cut off")
    );

    assert_eq!(
        run.status("https.redirect.missing", "tls:second-hop"),
        Status::Pass
    );
    assert_eq!(
        run.status("https.redirect.insecure_hop", "tls:second-hop"),
        Status::Fail
    );
    let stopped = run.get("https.redirect.chain_too_long", "tls:second-hop");
    assert_eq!(stopped.status, Status::Error, "{}", stopped.message);
    assert!(
        stopped.message.contains("second-hop.lab.test")
            && stopped
                .message
                .contains("cut off before its status line and headers ended"),
        "{}",
        stopped.message
    );

    let hsts = run.get("hsts.missing", "tls:hsts-body");
    assert_eq!(hsts.status, Status::Pass, "{}", hsts.message);
    assert!(
        hsts.evidence.contains_key("body_cut_off"),
        "{:?}",
        hsts.evidence
    );
    assert_eq!(
        run.status("hsts.max_age_short", "tls:hsts-body"),
        Status::Pass
    );
    let hsts = run.get("hsts.missing", "tls:hsts-head");
    assert_eq!(hsts.status, Status::Error, "{}", hsts.message);
    assert!(
        hsts.message
            .contains("cut off before its status line and headers ended"),
        "{}",
        hsts.message
    );
}
