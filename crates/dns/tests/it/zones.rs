//! hickory-server zones in process: one fixture per check the Knot lab does not plant, each with
//! its quiet counterpart in the clean lab zone.

use std::net::SocketAddr;

use launchguard_core::Status;
use launchguard_lab::dns::{Zone, free_port, serve_zones};

use crate::support::{audit, by_check, status};

fn zone(origin: &str, body: &str) -> Zone {
    Zone::new(
        origin,
        format!(
            "$ORIGIN {origin}\n$TTL 3600\n@ IN SOA ns1.{origin} hostmaster.{origin} 7 14400 3600 1209600 300\n{body}"
        ),
    )
}

fn section(resolver: SocketAddr, nameservers: &str, domains: &[&str]) -> String {
    let mut text =
        format!("[dns]\nresolver = \"{resolver}\"\n{nameservers}\nquery_timeout_ms = 1000\n");
    for domain in domains {
        text.push_str(&format!(
            "\n[[dns.domains]]\nname = \"{domain}\"\nhosts = []\n"
        ));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_multiple_softfail_and_neutral_records_fire() {
    let server = serve_zones(
        "127.0.0.1:0".parse().unwrap(),
        &[
            zone("bare.test.", "@ NS ns1.bare.test.\nns1 A 127.0.0.1\n@ A 127.0.0.1\n"),
            zone(
                "multi.test.",
                "@ NS ns1.multi.test.\nns1 A 127.0.0.1\n@ TXT \"v=spf1 -all\"\n@ TXT \"v=spf1 mx -all\"\n",
            ),
            zone("soft.test.", "@ NS ns1.soft.test.\nns1 A 127.0.0.1\n@ TXT \"v=spf1 mx ~all\"\n"),
            zone("neutral.test.", "@ NS ns1.neutral.test.\nns1 A 127.0.0.1\n@ TXT \"v=spf1 mx ?all\"\n"),
        ],
    )
    .await
    .unwrap();
    let nameservers = format!("nameserver_override = \"{}\"", server.addr);
    let findings = audit(
        &section(
            server.addr,
            &nameservers,
            &["bare.test", "multi.test", "soft.test", "neutral.test"],
        ),
        2_000,
        60,
    )
    .await;
    let bare = by_check(&findings, "bare.test");
    for check in [
        "dns.caa.missing",
        "dns.spf.missing",
        "dns.dmarc.missing",
        "dns.ns.single",
    ] {
        assert_eq!(
            status(&bare, check),
            Status::Fail,
            "{check}: {:?}",
            bare[check]
        );
    }
    assert_eq!(
        status(&bare, "dns.mta_sts.missing"),
        Status::Skipped,
        "no MX, no mail"
    );
    assert_eq!(status(&bare, "dns.caa.no_iodef"), Status::Skipped);
    let multi = by_check(&findings, "multi.test");
    assert_eq!(status(&multi, "dns.spf.multiple"), Status::Fail);
    assert_eq!(status(&multi, "dns.spf.too_many_lookups"), Status::Skipped);
    let soft = by_check(&findings, "soft.test");
    assert_eq!(status(&soft, "dns.spf.softfail"), Status::Fail);
    assert_eq!(status(&soft, "dns.spf.permissive"), Status::Pass);
    let neutral = by_check(&findings, "neutral.test");
    assert_eq!(
        status(&neutral, "dns.spf.permissive"),
        Status::Fail,
        "{:?}",
        neutral["dns.spf.permissive"]
    );
    assert!(neutral["dns.spf.permissive"].1.contains("?all"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_policy_is_found_through_the_organisational_domain() {
    let server = serve_zones(
        "127.0.0.1:0".parse().unwrap(),
        &[zone(
            "corp.test.",
            "@ NS ns1.corp.test.\nns1 A 127.0.0.1\n_dmarc TXT \"v=DMARC1; p=none\"\nmail A 127.0.0.1\n",
        )],
    )
    .await
    .unwrap();
    let nameservers = format!("nameserver_override = \"{}\"", server.addr);
    let findings = audit(
        &section(server.addr, &nameservers, &["mail.corp.test"]),
        2_000,
        60,
    )
    .await;
    let weak = findings
        .iter()
        .find(|f| f.check.as_str() == "dns.dmarc.weak")
        .unwrap();
    assert_eq!(weak.status, Status::Fail, "{}", weak.message);
    assert!(
        weak.message.contains("_dmarc.corp.test"),
        "{}",
        weak.message
    );
    assert_eq!(
        weak.evidence["inherited_from_organisational_domain"].to_string(),
        "true"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nameservers_with_different_serials_and_ns_sets_are_inconsistent() {
    let ips = ["127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap()];
    let port = free_port(&ips).await.unwrap();
    let body = |extra: &str| {
        format!(
            "@ NS ns1.drift.test.\n@ NS ns2.drift.test.\n{extra}ns1 A 127.0.0.1\nns2 A 127.0.0.2\n"
        )
    };
    let first = serve_zones(
        SocketAddr::new(ips[0], port),
        &[zone("drift.test.", &body(""))],
    )
    .await
    .unwrap();
    let stale = Zone::new(
        "drift.test.",
        format!(
            "$ORIGIN drift.test.\n$TTL 3600\n@ IN SOA ns1.drift.test. hostmaster.drift.test. 6 14400 3600 1209600 300\n{}",
            body("@ NS ns3.drift.test.\n")
        ),
    );
    let _second = serve_zones(SocketAddr::new(ips[1], port), &[stale])
        .await
        .unwrap();
    let nameservers = format!("nameserver_port = {port}");
    let findings = audit(
        &section(first.addr, &nameservers, &["drift.test"]),
        2_000,
        60,
    )
    .await;
    let drift = by_check(&findings, "drift.test");
    let (state, message) = &drift["dns.ns.inconsistent"];
    assert_eq!(*state, Status::Fail, "{message}");
    assert!(
        message.contains("SOA serials differ") && message.contains("ns3.drift.test"),
        "{message}"
    );
    assert_eq!(status(&drift, "dns.ns.single"), Status::Pass);
    assert_eq!(status(&drift, "dns.delegation.lame"), Status::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_udp_answer_is_asked_again_over_tcp_and_both_are_counted() {
    let mut body = String::from("@ NS ns1.big.test.\nns1 A 127.0.0.1\n@ TXT \"v=spf1 -all\"\n");
    for i in 0..40 {
        body.push_str(&format!("@ TXT \"filler-{i:02}-{}\"\n", "x".repeat(60)));
    }
    let server = serve_zones("127.0.0.1:0".parse().unwrap(), &[zone("big.test.", &body)])
        .await
        .unwrap();
    let hosts = vec!["127.0.0.1".to_owned()];
    let t = std::time::Duration::from_secs(2);
    let scope = launchguard_core::Scope::new(
        &hosts,
        10,
        launchguard_core::Timeouts {
            connect: t,
            request: t,
            agent_deadline: t,
        },
    )
    .unwrap();
    let wire = launchguard_dns::wire::Wire {
        scope: &scope,
        timeout: t,
    };
    let name = hickory_proto::rr::Name::from_ascii("big.test.").unwrap();
    let answer = wire
        .ask(
            server.addr,
            &name,
            hickory_proto::rr::RecordType::TXT,
            true,
            false,
        )
        .await
        .unwrap();
    assert!(answer.via_tcp, "the UDP answer was truncated");
    assert_eq!(answer.answers.len(), 41);
    assert_eq!(
        scope.requests_spent("127.0.0.1"),
        2,
        "UDP and TCP each counted"
    );
}
