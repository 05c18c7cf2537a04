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
