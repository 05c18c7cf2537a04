//! Hostile and broken peers: a server that never answers, garbage, answers that are always
//! truncated, an open resolver, a CNAME loop and an SPF include loop. Each ends in a clear
//! `error` (or the failure it is), never a hang or a panic.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{RData, Record, RecordType};
use launchguard_core::Status;
use launchguard_lab::dns::{Zone, serve_zones};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UdpSocket};

use crate::support::{audit, by_check, status};

/// A UDP peer that answers each datagram with whatever `reply` makes of it, and a TCP listener
/// on the same port that accepts and closes.
pub async fn peer(bind: &str, reply: fn(&[u8]) -> Option<Vec<u8>>) -> SocketAddr {
    // UDP and TCP on one port: a port whose TCP side another test took in between is given up.
    let (udp, tcp, addr) = loop {
        let udp = UdpSocket::bind(bind).await.unwrap();
        let addr = udp.local_addr().unwrap();
        if let Ok(tcp) = TcpListener::bind(addr).await {
            break (udp, tcp, addr);
        }
    };
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        while let Ok((n, from)) = udp.recv_from(&mut buffer).await {
            if let Some(answer) = reply(&buffer[..n]) {
                let _ = udp.send_to(&answer, from).await;
            }
        }
    });
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = tcp.accept().await {
            let _ = stream.shutdown().await;
        }
    });
    addr
}

pub fn section(server: SocketAddr, timeout_ms: u64, domain: &str) -> String {
    format!(
        "[dns]\nresolver = \"{server}\"\nnameserver_override = \"{server}\"\nquery_timeout_ms = {timeout_ms}\n\n\
         [[dns.domains]]\nname = \"{domain}\"\nhosts = [\"www\"]\ntenant_wildcard = \"*.tenants.{domain}\"\n"
    )
}

pub fn response_to(bytes: &[u8]) -> Option<Message> {
    let request = Message::from_vec(bytes).ok()?;
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.message_type = MessageType::Response;
    response.add_queries(request.queries.clone());
    Some(response)
}

/// Every check of a domain that only a broken peer serves is `error`, and says why.
async fn every_check_errors(server: SocketAddr, reason: &str) {
    let started = Instant::now();
    let findings = audit(&section(server, 300, "broken.test"), 2_000, 60).await;
    let elapsed = started.elapsed();
    let map = by_check(&findings, "broken.test");
    for (check, (state, message)) in &map {
        if check == "dns.caa.issuer_mismatch" {
            continue;
        }
        assert!(
            *state == Status::Error || *state == Status::Skipped,
            "{check} is {state:?} against a broken peer: {message}"
        );
        if *state == Status::Error {
            assert!(
                message.contains(reason)
                    || message.contains("not asked")
                    || message.contains("DNSSEC"),
                "{check}: {message} (expected {reason:?})"
            );
        }
    }
    assert_eq!(status(&map, "dns.resolve.failed"), Status::Error);
    assert!(
        elapsed < Duration::from_secs(50),
        "bounded by timeouts: {elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_is_an_error_not_a_hang() {
    let server = peer("127.0.0.1:0", |_| None).await;
    every_check_errors(server, "did not answer within 300 ms").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_answers_are_malformed_errors() {
    // The right message ID, then bytes that are not a DNS message.
    let server = peer("127.0.0.1:0", |q| {
        let mut junk = q.get(..2)?.to_vec();
        junk.extend_from_slice(&[0x81, 0x80, 0xff, 0xff, 0, 1, 0xde, 0xad]);
        Some(junk)
    })
    .await;
    every_check_errors(server, "malformed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_answers_fall_back_to_tcp_and_a_closed_tcp_is_an_error() {
    let server = peer("127.0.0.1:0", |q| {
        let mut response = response_to(q)?;
        response.metadata.truncation = true;
        response.to_vec().ok()
    })
    .await;
    // The peer closes each TCP connection at once: the client sees that either as an answer that
    // ended early or, when the close wins the race, as a failed write.
    every_check_errors(server, "TCP").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nameserver_that_recurses_for_anyone_is_an_open_resolver() {
    let server = peer("127.0.0.1:0", |q| {
        let mut response = response_to(q)?;
        response.metadata.recursion_available = true;
        let query = response.queries.first()?.clone();
        if query.query_type() == RecordType::NS {
            let ns = hickory_proto::rr::Name::from_ascii("ns1.open.test.").ok()?;
            response.add_answer(Record::from_rdata(
                query.name().clone(),
                60,
                RData::NS(hickory_proto::rr::rdata::NS(ns)),
            ));
        }
        if query.query_type() == RecordType::A {
            response.add_answer(Record::from_rdata(
                query.name().clone(),
                60,
                RData::A(A::new(192, 0, 2, 1)),
            ));
        }
        response.metadata.response_code = ResponseCode::NoError;
        response.to_vec().ok()
    })
    .await;
    let findings = audit(&section(server, 300, "open.test"), 2_000, 60).await;
    let map = by_check(&findings, "open.test");
    let (state, message) = &map["dns.open_resolver"];
    assert_eq!(*state, Status::Fail, "{message}");
    assert!(message.contains("resolved example.com"), "{message}");
    assert_eq!(
        status(&map, "dns.delegation.lame"),
        Status::Fail,
        "no AA bit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cname_and_spf_include_loops_are_errors_that_name_the_loop() {
    let zone = Zone::new(
        "loop.test.",
        "$ORIGIN loop.test.\n$TTL 3600\n@ IN SOA ns1.loop.test. h.loop.test. 1 14400 3600 1209600 300\n\
         @ NS ns1.loop.test.\nns1 A 127.0.0.1\n\
         www CNAME a.loop.test.\na CNAME www.loop.test.\n\
         *.tenants CNAME b.loop.test.\nb CNAME c.loop.test.\nc CNAME b.loop.test.\n\
         @ TXT \"v=spf1 include:spf.loop.test -all\"\nspf TXT \"v=spf1 include:loop.test -all\"\n",
    )
    .transfers();
    let server = serve_zones("127.0.0.1:0".parse().unwrap(), &[zone])
        .await
        .unwrap();
    let findings = audit(&section(server.addr, 1_000, "loop.test"), 2_000, 60).await;
    let map = by_check(&findings, "loop.test");
    let (state, message) = &map["dns.spf.too_many_lookups"];
    assert_eq!(*state, Status::Error, "{message}");
    assert!(
        message.contains("SPF include loop: loop.test -> spf.loop.test -> loop.test"),
        "{message}"
    );
    let (state, message) = &map["dns.dangling_cname"];
    assert_eq!(*state, Status::Error, "{message}");
    assert!(message.contains("www.loop.test"), "{message}");
    let (state, message) = &map["dns.wildcard.dangling"];
    assert_eq!(*state, Status::Error, "{message}");
    // hickory-server serves transfers of this zone: the response code decides, and it is open.
    assert_eq!(status(&map, "dns.axfr_open"), Status::Fail);
}
