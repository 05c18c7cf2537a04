//! The network layer against real peers on loopback: scope and budget before any connection,
//! capped answers, pinned names, redirects kept in scope, and errors classified by type.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use launchguard_core::{Scope, Timeouts};
use launchguard_net::{HttpClient, HttpOptions, NetError, Pins, connect, lookup};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

fn scope(hosts: &[&str], budget: u32) -> Arc<Scope> {
    let timeouts = Timeouts {
        connect: Duration::from_millis(500),
        request: Duration::from_millis(800),
        agent_deadline: Duration::from_secs(10),
    };
    let hosts: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
    Arc::new(Scope::new(&hosts, budget, timeouts).unwrap())
}

/// A raw HTTP/1.1 server that answers every connection with `reply` and counts connections.
async fn raw_server(reply: Vec<u8>) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let _ = stream.write_all(&reply).await;
            });
        }
    });
    (addr, seen)
}

fn client(scope: &Arc<Scope>, body_cap: usize) -> HttpClient {
    HttpClient::new(scope.clone(), HttpOptions::new("test", body_cap)).unwrap()
}

#[tokio::test]
async fn answers_are_capped_and_headers_kept_in_order() {
    let body = "x".repeat(10_000);
    let reply = format!(
        "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (addr, _) = raw_server(reply.into_bytes()).await;
    let scope = scope(&["127.0.0.1"], 10);
    let response = client(&scope, 1_000)
        .get(&Url::parse(&format!("http://{addr}/")).unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!((response.body.len(), response.truncated), (1_000, true));
    assert_eq!(
        response.headers_named("set-cookie").collect::<Vec<_>>(),
        ["a=1", "b=2"]
    );
}

#[tokio::test]
async fn scope_and_budget_are_checked_before_any_connection() {
    let (addr, seen) = raw_server(b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()).await;
    let url = Url::parse(&format!("http://{addr}/")).unwrap();
    let outside = scope(&["127.0.0.2"], 10);
    let err = client(&outside, 100).get(&url, &[]).await.unwrap_err();
    assert!(
        matches!(err, NetError::OutOfScope(_)) && err.not_attempted(),
        "{err}"
    );
    let one = scope(&["127.0.0.1"], 1);
    let http = client(&one, 100);
    http.get(&url, &[]).await.unwrap();
    let err = http.get(&url, &[]).await.unwrap_err();
    assert!(matches!(err, NetError::BudgetSpent(_)), "{err}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "only the paid request connected"
    );
    let err = connect(&one, &url, addr).await.unwrap_err();
    assert!(matches!(err, NetError::BudgetSpent(_)), "{err}");
}

#[tokio::test]
async fn errors_are_classified_by_type() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let scope = scope(&["127.0.0.1"], 50);
    let http = client(&scope, 100);
    let err = http
        .get(&Url::parse(&format!("http://{closed}/")).unwrap(), &[])
        .await
        .unwrap_err();
    assert!(err.is_refused(), "{err:?}");
    let url = Url::parse(&format!("http://{closed}/")).unwrap();
    assert!(
        connect(&scope, &url, closed)
            .await
            .unwrap_err()
            .is_refused()
    );

    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let err = http
        .get(&Url::parse(&format!("http://{silent_addr}/")).unwrap(), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Timeout(_)), "{err:?}");

    let (plain, _) = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec()).await;
    let err = http
        .get(&Url::parse(&format!("https://{plain}/")).unwrap(), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, NetError::Tls(_) | NetError::Protocol(_)),
        "{err:?}"
    );
    assert!(
        !err.to_string().contains("{ "),
        "no debug formatting: {err}"
    );

    let (garbage, _) = raw_server(b"\x00\x01 not http at all\r\n\r\n".to_vec()).await;
    let err = http
        .get(&Url::parse(&format!("http://{garbage}/")).unwrap(), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Protocol(_)), "{err:?}");
}

#[tokio::test]
async fn pinned_names_never_ask_dns_and_redirects_stay_in_scope() {
    let (addr, _) = raw_server(
        b"HTTP/1.1 301 Moved\r\nLocation: http://other.lab.test/next\r\nContent-Length: 0\r\n\r\n"
            .to_vec(),
    )
    .await;
    let scope = scope(&["app.lab.test"], 10);
    let mut options = HttpOptions::new("test", 100);
    options.pins = Pins::new(["app.lab.test"], addr);
    let http = HttpClient::new(scope, options).unwrap();
    let start = Url::parse(&format!("http://app.lab.test:{}/", addr.port())).unwrap();
    let walk = http.walk(start, 5).await.unwrap();
    assert_eq!(walk.hops.len(), 1);
    assert_eq!(
        walk.hops[0].response.redirect(),
        Some("http://other.lab.test/next")
    );
    let stopped = walk.stopped.unwrap();
    assert!(
        stopped.contains("not followed") && stopped.contains("other.lab.test"),
        "{stopped}"
    );
    let pinned = lookup(
        "APP.lab.test.",
        8443,
        &Pins::new(["app.lab.test"], addr),
        Duration::from_millis(100),
    )
    .await
    .unwrap();
    assert_eq!(pinned, [SocketAddr::new(addr.ip(), 8443)]);
}

/// A raw HTTP/1.1 server that answers `204` and hands over the head of every request it reads.
async fn recording_server() -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (sender, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = sender.send(String::from_utf8_lossy(&head).into_owned());
                let reply: &[u8] = if head.starts_with(b"GET /first") {
                    b"HTTP/1.1 302 Found\r\nLocation: /second\r\nContent-Length: 0\r\n\r\n"
                } else {
                    b"HTTP/1.1 204 No Content\r\n\r\n"
                };
                let _ = stream.write_all(reply).await;
            });
        }
    });
    (addr, received)
}

#[tokio::test]
async fn any_method_and_headers_go_out_as_given() {
    let (addr, mut received) = recording_server().await;
    let scope = scope(&["127.0.0.1"], 10);
    let http = client(&scope, 100);
    let url = Url::parse(&format!("http://{addr}/api")).unwrap();
    let origin = (
        reqwest::header::HeaderName::from_static("origin"),
        reqwest::header::HeaderValue::from_static("https://lg-probe.invalid"),
    );
    let response = http
        .send(launchguard_net::Method::OPTIONS, &url, &[origin], None)
        .await
        .unwrap();
    assert_eq!(response.status, 204);
    let head = received.recv().await.unwrap().to_ascii_lowercase();
    assert!(head.starts_with("options /api http/1.1"), "{head}");
    assert!(head.contains("origin: https://lg-probe.invalid"), "{head}");
    assert_eq!(scope.requests_spent("127.0.0.1"), 1, "paid like a GET");
}

#[tokio::test]
async fn a_walk_with_headers_sends_them_on_every_hop() {
    let (addr, mut received) = recording_server().await;
    let scope = scope(&["127.0.0.1"], 10);
    let http = client(&scope, 100);
    let start = Url::parse(&format!("http://{addr}/first")).unwrap();
    let header = (
        reqwest::header::HeaderName::from_static("authorization"),
        reqwest::header::HeaderValue::from_static("Bearer lg-test"),
    );
    let walk = http.walk_with(start, 5, &[header]).await.unwrap();
    assert_eq!(walk.hops.len(), 2);
    assert!(walk.stopped.is_none());
    for _ in 0..2 {
        let head = received.recv().await.unwrap().to_ascii_lowercase();
        assert!(head.contains("authorization: bearer lg-test"), "{head}");
    }
}

#[tokio::test]
async fn extra_roots_are_trusted_and_bad_ones_are_a_setup_error() {
    use launchguard_lab::tls::{Authority, LeafSpec, Reply, serve_https, server_config};
    let ca = Authority::root("net test CA");
    let leaf = ca.issue(&LeafSpec::for_names(&["app.lab.test"]));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = serve_https(
        listener,
        server_config(
            vec![leaf.cert.clone()],
            leaf.key(),
            None,
            &[&rustls::version::TLS13],
        ),
        Reply::ok(&[]),
    );
    let scope = scope(&["app.lab.test"], 10);
    let url = Url::parse(&format!("https://app.lab.test:{}/", addr.port())).unwrap();
    let options = |pem: &[u8]| {
        let mut options = HttpOptions::new("test", 100);
        options.pins = Pins::new(["app.lab.test"], addr);
        options.extra_roots_pem = pem.to_vec();
        options
    };
    let untrusted = HttpClient::new(scope.clone(), options(b""))
        .unwrap()
        .get(&url, &[])
        .await
        .unwrap_err();
    assert!(matches!(untrusted, NetError::Tls(_)), "{untrusted:?}");
    let trusted = HttpClient::new(scope.clone(), options(ca.pem.as_bytes()))
        .unwrap()
        .get(&url, &[])
        .await
        .unwrap();
    assert_eq!(trusted.status, 200);
    let err = HttpClient::new(scope, options(b"not a certificate")).unwrap_err();
    assert!(matches!(err, NetError::Setup(_)), "{err:?}");
    server.abort();
}

#[tokio::test]
async fn send_carries_any_method_headers_and_body_and_pays_one_request() {
    use axum::body::Bytes;
    use axum::http::{HeaderMap as AxumHeaders, Method as AxumMethod};
    use launchguard_net::Method;
    use reqwest::header::{HeaderName, HeaderValue};

    let router = axum::Router::new().fallback(
        |method: AxumMethod, headers: AxumHeaders, body: Bytes| async move {
            let probe = headers
                .get("x-probe")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            format!("{method} {probe} {}", String::from_utf8_lossy(&body))
        },
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let scope = scope(&["127.0.0.1"], 3);
    let http = client(&scope, 1_000);
    let url = Url::parse(&format!("http://{addr}/rows")).unwrap();
    let header = [(
        HeaderName::from_static("x-probe"),
        HeaderValue::from_static("lg"),
    )];
    let posted = http
        .send(Method::POST, &url, &header, Some(b"{\"a\":1}".to_vec()))
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&posted.body), "POST lg {\"a\":1}");
    let deleted = http.send(Method::DELETE, &url, &[], None).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&deleted.body), "DELETE - ");
    let got = http.get(&url, &header).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&got.body), "GET lg ");
    assert_eq!(scope.requests_spent("127.0.0.1"), 3);
    let err = http
        .send(Method::PATCH, &url, &[], Some(Vec::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::BudgetSpent(_)), "{err}");
}

#[tokio::test]
async fn answers_cut_off_keep_their_head_only_where_the_head_arrived_whole() {
    let scope = scope(&["127.0.0.1"], 50);
    let http = client(&scope, 1000);
    let url = |addr: SocketAddr| Url::parse(&format!("http://{addr}/")).unwrap();

    let (mid_head, _) =
        raw_server(b"HTTP/1.1 301 Moved\r\nLocation: https://a/\r\nCont".to_vec()).await;
    for err in [
        http.get(&url(mid_head), &[]).await.unwrap_err(),
        http.get_head(&url(mid_head), &[]).await.unwrap_err(),
    ] {
        assert!(matches!(err, NetError::HeadCutOff(_)), "{err:?}");
        assert!(err.to_string().contains("cut off"), "{err}");
    }

    let (mid_body, _) = raw_server(
        b"HTTP/1.1 301 Moved\r\nLocation: https://a/\r\nContent-Length: 500\r\n\r\npart".to_vec(),
    )
    .await;
    let err = http.get(&url(mid_body), &[]).await.unwrap_err();
    assert!(
        matches!(err, NetError::CutOff { status: 301, .. }),
        "{err:?}"
    );
    let (head, cut_off) = http.get_head(&url(mid_body), &[]).await.unwrap();
    assert_eq!(head.redirect(), Some("https://a/"));
    assert_eq!(head.body, b"part");
    assert!(
        matches!(cut_off, Some(NetError::CutOff { status: 301, .. })),
        "{cut_off:?}"
    );

    // Headers, then a body that never comes: the head is kept, the body ran out of time.
    let stalling = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let stalling_addr = stalling.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = stalling.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 308 Moved\r\nLocation: https://b/\r\nContent-Length: 9\r\n\r\n",
                    )
                    .await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    let (head, cut_off) = http.get_head(&url(stalling_addr), &[]).await.unwrap();
    assert_eq!((head.status, head.redirect()), (308, Some("https://b/")));
    assert!(matches!(cut_off, Some(NetError::Timeout(_))), "{cut_off:?}");
    let walk = http.walk(url(stalling_addr), 1).await.unwrap();
    assert_eq!(walk.hops.len(), 1);
    assert!(walk.hops[0].cut_off.is_some());
    assert!(
        walk.stopped
            .as_deref()
            .is_some_and(|s| s.contains("stopped after 1")),
        "the cut-off redirect is followed: {:?}",
        walk.stopped
    );
}
