//! Every check fires on its planted flaw and stays quiet on the clean control, in one run of the
//! agent over a lab of real servers.

use launchguard_core::{EvidenceValue, Status};
use launchguard_lab::tls::{Authority, LeafSpec, Reply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{GOOD_HSTS, Lab, assert_words_only, bind, run, timeouts};

/// (check, fixture target) pairs where the check must fail.
const FIRES_ON: &[(&str, &str)] = &[
    ("tls.cert.expired", "tls:expired"),
    ("tls.cert.expired", "tls:reissued"),
    ("tls.cert.not_yet_valid", "tls:not-yet-valid"),
    ("tls.cert.expiring_soon", "tls:expiring"),
    ("tls.cert.renewal_overdue", "tls:expiring"),
    ("tls.cert.hostname_mismatch", "tls:mismatch"),
    ("tls.cert.inconsistent_addresses", "tls:edges"),
    ("tls.cert.self_signed", "tls:self-signed"),
    ("tls.cert.untrusted", "tls:untrusted"),
    ("tls.cert.chain_incomplete", "tls:incomplete"),
    ("tls.cert.chain_order", "tls:disordered"),
    ("tls.cert.key_too_small", "tls:legacy"),
    ("tls.cert.weak_signature", "tls:legacy"),
    ("tls.cert.lifetime_too_long", "tls:bare"),
    ("tls.cert.no_revocation_info", "tls:bare"),
    ("tls.ocsp.no_stapling", "tls:bare"),
    ("tls.ct.no_scts", "tls:bare"),
    ("tls.protocol.legacy", "tls:legacy"),
    ("tls.protocol.tls12_missing", "tls:tls13-only"),
    ("tls.protocol.tls13_missing", "tls:tls12-only"),
    ("tls.cipher.null", "tls:legacy"),
    ("tls.cipher.anon", "tls:legacy"),
    ("tls.cipher.weak", "tls:weak"),
    ("tls.cipher.no_forward_secrecy", "tls:legacy"),
    ("tls.cipher.cbc", "tls:legacy"),
    ("hsts.missing", "tls:hsts-missing"),
    ("hsts.invalid", "tls:hsts-double"),
    ("hsts.invalid", "tls:hsts-quoted"),
    ("hsts.max_age_short", "tls:hsts-short"),
    ("hsts.no_include_subdomains", "tls:hsts-nosub"),
    ("hsts.preload_ineligible", "tls:preload"),
    ("hsts.over_http", "tls:over-http"),
    ("https.redirect.missing", "tls:plain"),
    ("https.redirect.insecure_hop", "tls:insecure-hop"),
    ("https.redirect.not_permanent", "tls:temporary"),
    ("https.redirect.chain_too_long", "tls:loop"),
];

/// A peer that speaks just enough TLS to prove a weak class: it answers any ClientHello that
/// offers TLS_RSA_WITH_3DES_EDE_CBC_SHA with a ServerHello choosing it, and anything else with a
/// handshake_failure alert. Debian's OpenSSL 3 has no 3DES or RC4 left, so no real stack here can
/// play this part.
async fn triple_des_peer(lab: &mut Lab) -> u16 {
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
                }
                let version = [hello[9], hello[10]];
                let session_len = usize::from(hello[43]);
                let at = 44 + session_len;
                let suites_len = usize::from(u16::from_be_bytes([hello[at], hello[at + 1]]));
                let offers = hello[at + 2..at + 2 + suites_len]
                    .chunks(2)
                    .any(|s| s == [0x00, 0x0A]);
                let reply = if offers {
                    let mut body = version.to_vec();
                    body.extend_from_slice(&[0x42; 32]);
                    body.extend_from_slice(&[0, 0x00, 0x0A, 0]);
                    let mut record = vec![
                        0x16,
                        version[0],
                        version[1],
                        0,
                        (body.len() + 4) as u8,
                        2,
                        0,
                        0,
                        body.len() as u8,
                    ];
                    record.extend_from_slice(&body);
                    record
                } else {
                    vec![0x15, 3, 3, 0, 2, 2, 40]
                };
                let _ = socket.write_all(&reply).await;
            });
        }
    }));
    addr.port()
}

async fn build_lab() -> (Lab, Vec<String>) {
    let mut lab = Lab::new();
    let mut hosts: Vec<String> = vec!["127.0.0.1".into(), "127.0.0.2".into()];
    let mut add_host = |h: &str| hosts.push(h.to_owned());

    // The clean control has two addresses serving the same certificate.
    let mut clean = lab.clean("clean", "example.com");
    clean.edge = Some((clean.chain.clone(), clean.leaf.clone()));
    add_host("example.com");
    lab.add(clean).await;

    // A second address still serving last season's certificate.
    let mut edges = lab.clean("edges", "edges.lab.test");
    let mut stale = LeafSpec::for_names(&["edges.lab.test"]);
    stale.starts_in_days = -100;
    let stale = lab.intermediate.issue(&stale);
    edges.edge = Some((
        vec![stale.cert.clone(), lab.intermediate.cert.clone()],
        stale,
    ));
    add_host("edges.lab.test");
    lab.add(edges).await;

    let mut spec = LeafSpec::for_names(&["expired.lab.test", "expired-tenant.lab.test"]);
    spec.starts_in_days = -100;
    let mut expired = lab.site_with("expired", "expired.lab.test", lab.intermediate.issue(&spec));
    expired.extra = "tenant_hosts = [\"expired-tenant.lab.test\"]".into();
    add_host("expired.lab.test");
    add_host("expired-tenant.lab.test");
    lab.add(expired).await;

    for (name, starts, lifetime) in [("not-yet-valid", 5, 90), ("expiring", -80, 90)] {
        let host = format!("{name}.lab.test");
        let mut spec = LeafSpec::for_names(&[&host]);
        spec.starts_in_days = starts;
        spec.lifetime_days = lifetime;
        let site = lab.site_with(name, &host, lab.intermediate.issue(&spec));
        add_host(&host);
        lab.add(site).await;
    }

    let site = lab.site_with(
        "mismatch",
        "mismatch.lab.test",
        lab.intermediate
            .issue(&LeafSpec::for_names(&["someone-else.lab.test"])),
    );
    add_host("mismatch.lab.test");
    lab.add(site).await;

    let leaf = LeafSpec::for_names(&["self-signed.lab.test"]).self_signed();
    let mut site = lab.site_with("self-signed", "self-signed.lab.test", leaf);
    site.chain.truncate(1);
    add_host("self-signed.lab.test");
    lab.add(site).await;

    let stranger = Authority::root("unknown root").intermediate("unknown intermediate");
    let mut site = lab.site_with(
        "untrusted",
        "untrusted.lab.test",
        stranger.issue(&LeafSpec::for_names(&["untrusted.lab.test"])),
    );
    site.chain = vec![site.leaf.cert.clone(), stranger.cert.clone()];
    add_host("untrusted.lab.test");
    lab.add(site).await;

    let (aia, aia_addr) = bind().await;
    lab.keep(launchguard_lab::tls::serve_http(
        aia,
        Reply::body(lab.intermediate.cert.to_vec()),
    ));
    let mut spec = LeafSpec::for_names(&["incomplete.lab.test"]);
    spec.ca_issuers_url = Some(format!(
        "http://127.0.0.1:{}/intermediate.der",
        aia_addr.port()
    ));
    let mut site = lab.site_with(
        "incomplete",
        "incomplete.lab.test",
        lab.intermediate.issue(&spec),
    );
    site.chain.truncate(1);
    add_host("incomplete.lab.test");
    lab.add(site).await;

    let site = crate::consistency::reissued_site(&lab);
    add_host("reissued.lab.test");
    lab.add(site).await;

    let mut site = lab.clean("disordered", "disordered.lab.test");
    site.chain = vec![
        site.leaf.cert.clone(),
        lab.root.cert.clone(),
        lab.intermediate.cert.clone(),
    ];
    add_host("disordered.lab.test");
    lab.add(site).await;

    let mut spec = LeafSpec::for_names(&["bare.lab.test"]);
    spec.crl = false;
    spec.scts = false;
    spec.lifetime_days = 500;
    let mut site = lab.site_with("bare", "bare.lab.test", lab.intermediate.issue(&spec));
    site.ocsp = false;
    add_host("bare.lab.test");
    lab.add(site).await;

    static TLS12_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];
    static TLS13_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
    for (name, versions) in [("tls12-only", TLS12_ONLY), ("tls13-only", TLS13_ONLY)] {
        let host = format!("{name}.lab.test");
        let mut site = lab.clean(name, &host);
        site.versions = versions;
        add_host(&host);
        lab.add(site).await;
    }

    let hsts_cases: [(&'static str, Vec<(&str, &str)>); 5] = [
        ("hsts-missing", vec![]),
        (
            "hsts-double",
            vec![
                ("Strict-Transport-Security", GOOD_HSTS),
                ("Strict-Transport-Security", "max-age=600"),
            ],
        ),
        (
            "hsts-quoted",
            vec![(
                "Strict-Transport-Security",
                "max-age=\"31536000\"; includeSubDomains",
            )],
        ),
        (
            "hsts-short",
            vec![(
                "Strict-Transport-Security",
                "max-age=600; includeSubDomains",
            )],
        ),
        (
            "hsts-nosub",
            vec![("Strict-Transport-Security", "max-age=31536000")],
        ),
    ];
    for (name, headers) in hsts_cases {
        let host = format!("{name}.lab.test");
        let mut site = lab.clean(name, &host);
        site.https_reply = Reply::ok(&headers);
        add_host(&host);
        lab.add(site).await;
    }

    let mut site = lab.clean("preload", "example.net");
    site.https_reply = Reply::ok(&[(
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains",
    )]);
    add_host("example.net");
    lab.add(site).await;

    let redirects: [(&'static str, Reply); 5] = [
        ("over-http", {
            let mut reply = Reply::redirect(301, "https://{request_host}:{https_port}/");
            reply
                .headers
                .push(("Strict-Transport-Security".into(), GOOD_HSTS.into()));
            reply
        }),
        ("plain", Reply::ok(&[])),
        (
            "insecure-hop",
            Reply::redirect(301, "https://elsewhere.example/"),
        ),
        (
            "temporary",
            Reply::redirect(302, "https://{request_host}:{https_port}/"),
        ),
        (
            "loop",
            Reply::redirect(301, "http://{request_host}:{http_port}/again"),
        ),
    ];
    for (name, reply) in redirects {
        let host = format!("{name}.lab.test");
        let mut site = lab.clean(name, &host);
        site.http_reply = Some(reply);
        add_host(&host);
        lab.add(site).await;
    }

    let port = lab.openssl_legacy("legacy.lab.test", None);
    lab.add_target("legacy", "legacy.lab.test", port, 0, "");
    add_host("legacy.lab.test");

    let port = lab.openssl_legacy("tls10-only.lab.test", Some("TLSv1"));
    lab.add_target("tls10-only", "tls10-only.lab.test", port, 0, "");
    add_host("tls10-only.lab.test");

    let port = triple_des_peer(&mut lab).await;
    lab.add_target("weak", "weak.lab.test", port, 0, "");
    add_host("weak.lab.test");

    (lab, hosts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_fires_on_its_flaw_and_the_clean_control_passes_everything() {
    let (lab, hosts) = build_lab().await;
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let config = lab.config(&hosts, "");
    let run = run(lab.dir.path(), &config, timeouts(3_000)).await;

    let mut wrong = Vec::new();
    for check in launchguard_tls::CHECKS {
        let clean = run.get(check.id, "tls:clean");
        if clean.status != Status::Pass {
            wrong.push(format!(
                "{} on the clean control: {} ({})",
                check.id, clean.status, clean.message
            ));
        }
        assert!(
            FIRES_ON.iter().any(|(id, _)| *id == check.id),
            "{} has no positive fixture",
            check.id
        );
    }
    for (check, target) in FIRES_ON {
        let finding = run.get(check, target);
        if finding.status != Status::Fail {
            wrong.push(format!(
                "{check} on {target}: {} ({})",
                finding.status, finding.message
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // One root cause: the expired certificate is not also untrusted, and the second hostname
    // serving it points at the first.
    assert_eq!(
        run.status("tls.cert.untrusted", "tls:expired"),
        Status::Pass
    );
    let expired = run.get("tls.cert.expired", "tls:expired");
    let Some(EvidenceValue::List(names)) = expired.evidence.get("hostnames") else {
        panic!("no hostnames evidence: {expired:?}");
    };
    assert_eq!(names.len(), 2, "{names:?}");
    let tenant = run.get("tls.cert.expired", "tls:expired/expired-tenant.lab.test");
    assert_eq!(tenant.status, Status::Skipped);
    assert!(
        tenant.message.contains("expired.lab.test"),
        "{}",
        tenant.message
    );
    // The hostname check is per host: both names are on the certificate.
    assert_eq!(
        run.status(
            "tls.cert.hostname_mismatch",
            "tls:expired/expired-tenant.lab.test"
        ),
        Status::Pass
    );
    // Root causes: self-signed and incomplete chains are not also reported as untrusted.
    assert_eq!(
        run.status("tls.cert.untrusted", "tls:self-signed"),
        Status::Skipped
    );
    assert_eq!(
        run.status("tls.cert.untrusted", "tls:incomplete"),
        Status::Skipped
    );
    assert_eq!(
        run.status("tls.cert.chain_incomplete", "tls:untrusted"),
        Status::Skipped
    );
    // An expired leaf under an issuer that became valid after it expired: expired, and only that.
    assert_eq!(
        run.status("tls.cert.untrusted", "tls:reissued"),
        Status::Skipped
    );
    assert_eq!(
        run.status("tls.cert.self_signed", "tls:incomplete"),
        Status::Pass
    );

    // Evidence: the chain, the negotiated parameters and the reasons.
    let clean = run.get("tls.cert.expired", "tls:clean");
    let Some(EvidenceValue::List(chain)) = clean.evidence.get("chain") else {
        panic!("no chain")
    };
    assert_eq!(chain.len(), 2);
    assert!(
        chain[0].to_string().contains("sans=[example.com]"),
        "{}",
        chain[0]
    );
    let legacy = run.get("tls.protocol.legacy", "tls:legacy");
    assert!(
        legacy.message.contains("TLS 1.0") && legacy.message.contains("TLS 1.1"),
        "{}",
        legacy.message
    );
    assert!(
        !legacy.message.contains("SSLv3"),
        "OpenSSL 3 has no SSLv3: {}",
        legacy.message
    );
    let negotiated = run.get("tls.protocol.tls13_missing", "tls:clean");
    assert_eq!(
        negotiated.evidence["negotiated_version"].to_string(),
        "TLS 1.3"
    );
    assert!(
        negotiated.evidence["key_exchange_group"]
            .to_string()
            .contains("X25519")
    );
    let small = run.get("tls.cert.key_too_small", "tls:legacy");
    assert!(
        small.message.contains("RSA key of 1024 bits"),
        "{}",
        small.message
    );
    let preload = run.get("hsts.preload_ineligible", "tls:preload");
    assert!(
        preload
            .message
            .contains("header.preloadable.preload.missing"),
        "{}",
        preload.message
    );
    assert_eq!(
        run.status("hsts.preload_ineligible", "tls:hsts-short"),
        Status::Skipped,
        "a .test name cannot be preloaded"
    );
    // A TLS 1.0-only server: rustls cannot complete a handshake, so the chain is read from the
    // clear-text Certificate message of a TLS 1.0 handshake and judged all the same.
    for (check, status) in [
        ("tls.protocol.legacy", Status::Fail),
        ("tls.protocol.tls12_missing", Status::Fail),
        ("tls.protocol.tls13_missing", Status::Fail),
        ("tls.cert.key_too_small", Status::Fail),
        ("tls.cert.weak_signature", Status::Fail),
        ("tls.cert.self_signed", Status::Fail),
        ("tls.cert.expired", Status::Pass),
        ("tls.cert.hostname_mismatch", Status::Pass),
        ("tls.cipher.null", Status::Fail),
    ] {
        let finding = run.get(check, "tls:tls10-only");
        assert_eq!(
            finding.status, status,
            "{check} on tls10-only: {}",
            finding.message
        );
    }
    let source = &run.get("tls.cert.key_too_small", "tls:tls10-only").evidence["chain_source"];
    assert!(source.to_string().contains("TLS 1.0 handshake"), "{source}");
    let edges = run.get("tls.cert.inconsistent_addresses", "tls:edges");
    assert!(edges.message.contains("127.0.0.2:"), "{}", edges.message);
    assert_eq!(
        run.status("tls.cert.expired", "tls:edges"),
        Status::Pass,
        "the first address is current"
    );
    let weak = run.get("tls.cipher.weak", "tls:weak");
    assert!(
        weak.message.contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
        "{}",
        weak.message
    );
    let incomplete = run.get("tls.cert.chain_incomplete", "tls:incomplete");
    assert!(
        incomplete.message.contains("launchguard lab intermediate"),
        "{}",
        incomplete.message
    );
    let hop = run.get("https.redirect.insecure_hop", "tls:insecure-hop");
    assert!(hop.message.contains("elsewhere.example"), "{}", hop.message);
    assert!(
        hop.evidence["stopped"]
            .to_string()
            .contains("not in [scope].hosts"),
        "out-of-scope hops are not followed"
    );
    assert_words_only(&run.findings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issuer_url_out_of_scope_is_not_fetched_and_the_report_says_how_to_allow_it() {
    let mut lab = Lab::new();
    let mut spec = LeafSpec::for_names(&["incomplete.lab.test"]);
    spec.ca_issuers_url = Some("http://ca-issuers.example/intermediate.der".into());
    let mut site = lab.site_with(
        "incomplete",
        "incomplete.lab.test",
        lab.intermediate.issue(&spec),
    );
    site.chain.truncate(1);
    lab.add(site).await;
    let config = lab.config(&["127.0.0.1", "incomplete.lab.test"], "");
    let run = run(lab.dir.path(), &config, timeouts(3_000)).await;
    let untrusted = run.get("tls.cert.untrusted", "tls:incomplete");
    assert_eq!(untrusted.status, Status::Fail);
    assert!(
        untrusted
            .message
            .contains("http://ca-issuers.example/intermediate.der was not fetched")
            && untrusted.message.contains("not in [scope].hosts"),
        "{}",
        untrusted.message
    );
    let incomplete = run.get("tls.cert.chain_incomplete", "tls:incomplete");
    assert_eq!(incomplete.status, Status::Skipped, "{}", incomplete.message);
    assert_eq!(run.spent("ca-issuers.example"), 0);
}
