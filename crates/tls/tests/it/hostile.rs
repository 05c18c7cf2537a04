//! Hostile and broken servers: every check reports `error` with a reason, never a verdict, a
//! panic or a hang.

use std::time::Duration;

use launchguard_core::Status;
use launchguard_lab::tls::{self as lab, Authority, LeafSpec, Reply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Lab, assert_words_only, bind, run, run_with_budget, timeouts};

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
