//! Connecting as libpq would, against the real server (Debian's offers TLS with its self-signed
//! "snakeoil" certificate for `localhost`): each sslmode means what it means in libpq, an untrusted
//! certificate under verify-full is refused, and a failure is reported once, with its fix.

use launchguard_core::{Finding, Status};

use crate::support::{Lab, admin_url, agent, run};

const CONNECTION: &str = "pg.connection";
const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

async fn server_setting(name: &str) -> String {
    let config: tokio_postgres::Config = admin_url().parse().unwrap();
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .query_one(&format!("show {name}"), &[])
        .await
        .unwrap()
        .get::<_, String>(0)
}

async fn server_offers_tls() -> bool {
    server_setting("ssl").await == "on"
}

/// The server's certificate is the snakeoil one, and it is on disk to trust.
async fn server_uses_snakeoil() -> bool {
    server_offers_tls().await
        && std::path::Path::new(SNAKEOIL).is_file()
        && server_setting("ssl_cert_file").await == SNAKEOIL
}

fn with_sslmode(lab: &Lab, host: &str, sslmode: Option<&str>) -> String {
    let url = lab
        .probe_url()
        .replace("@127.0.0.1:", &format!("@{host}:"))
        .replace("?sslmode=disable", "");
    match sslmode {
        Some(mode) => format!("{url}?sslmode={mode}"),
        None => url,
    }
}

async fn audit(lab: &Lab, url: String, extra: &str) -> Vec<Finding> {
    let (pg, scope) = agent(lab, false, extra, url);
    run(&pg, scope).await
}

fn connection(findings: &[Finding]) -> &Finding {
    let found: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check.as_str() == CONNECTION)
        .collect();
    assert_eq!(found.len(), 1, "{findings:#?}");
    found[0]
}

/// A failed connection: one finding with the cause, every other check an error pointing at it.
fn refused(findings: &[Finding]) -> String {
    let root = connection(findings);
    assert_eq!(root.status, Status::Error, "{root:#?}");
    for f in findings.iter().filter(|f| f.check.as_str() != CONNECTION) {
        assert_eq!(f.status, Status::Error, "{f:#?}");
        assert_eq!(
            f.message, "not verified: no usable database connection (see pg.connection)",
            "{}",
            f.check
        );
    }
    root.message.clone()
}

/// A working connection: the connection passes and the lints ran.
fn connected(findings: &[Finding]) -> String {
    let root = connection(findings);
    assert_eq!(root.status, Status::Pass, "{root:#?}");
    assert!(
        findings
            .iter()
            .any(|f| f.check.as_str() == "rls.disabled" && f.status == Status::Fail),
        "{findings:#?}"
    );
    root.message.clone()
}

#[tokio::test]
async fn sslmodes_mean_what_they_mean_in_libpq() {
    let lab = Lab::new().await;
    let tls = server_offers_tls().await;
    // No sslmode is libpq's `prefer`: TLS when offered, without checking the certificate. A
    // self-signed local server no longer makes every check an "UnknownIssuer" error.
    for mode in [None, Some("prefer"), Some("require")] {
        let findings = audit(&lab, with_sslmode(&lab, "127.0.0.1", mode), "").await;
        if !tls && mode == Some("require") {
            let message = refused(&findings);
            assert!(message.contains("does not offer TLS"), "{message}");
            continue;
        }
        let message = connected(&findings);
        let expected = if tls {
            "over TLS without verifying the server's certificate"
        } else {
            "without TLS"
        };
        assert!(message.contains(expected), "{mode:?}: {message}");
        assert!(message.contains("verify-full"), "{message}");
    }
    for mode in ["disable", "allow"] {
        let findings = audit(&lab, with_sslmode(&lab, "127.0.0.1", Some(mode)), "").await;
        let message = connected(&findings);
        assert!(
            message.contains(&format!("without TLS (sslmode={mode})")),
            "{message}"
        );
    }
    let findings = audit(&lab, with_sslmode(&lab, "127.0.0.1", Some("strict")), "").await;
    let message = refused(&findings);
    assert!(
        message.contains(
            "sslmode `strict` is not one of disable, allow, prefer, require, verify-ca, verify-full"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn verify_full_refuses_an_untrusted_certificate_once_and_says_how_to_fix_it() {
    let lab = Lab::new().await;
    let findings = audit(
        &lab,
        with_sslmode(&lab, "127.0.0.1", Some("verify-full")),
        "",
    )
    .await;
    let message = refused(&findings);
    if !server_offers_tls().await {
        assert!(message.contains("does not offer TLS"), "{message}");
        return;
    }
    assert!(
        message.contains("not signed by a CA launchguard trusts")
            && message.contains("[postgres].ca_file")
            && message.contains("sslmode=disable"),
        "{message}"
    );
    assert!(
        !message.contains("UnknownIssuer"),
        "words, not rustls' names: {message}"
    );
}

#[tokio::test]
async fn the_servers_ca_verifies_the_chain_and_the_name_is_checked_only_by_verify_full() {
    if !server_uses_snakeoil().await {
        eprintln!("SKIPPED: the server does not use {SNAKEOIL}");
        return;
    }
    let lab = Lab::new().await;
    let ca = format!("ca_file = \"{SNAKEOIL}\"\n");
    // The certificate is for `localhost`: by IP address, the chain verifies but the name does not.
    let by_ip = audit(
        &lab,
        with_sslmode(&lab, "127.0.0.1", Some("verify-ca")),
        &ca,
    )
    .await;
    let message = connected(&by_ip);
    assert!(
        message.contains("certificate chain verified but not the host name"),
        "{message}"
    );
    let by_ip = audit(
        &lab,
        with_sslmode(&lab, "127.0.0.1", Some("verify-full")),
        &ca,
    )
    .await;
    let message = refused(&by_ip);
    assert!(
        message.contains("not issued for the host") && message.contains("verify-ca"),
        "{message}"
    );
    let by_name = audit(
        &lab,
        with_sslmode(&lab, "localhost", Some("verify-full")),
        &ca,
    )
    .await;
    let message = connected(&by_name);
    assert!(
        message.contains("certificate verified for the host (sslmode=verify-full)"),
        "{message}"
    );
    // With a CA file, require checks the chain as libpq does with a root certificate.
    let require = audit(&lab, with_sslmode(&lab, "127.0.0.1", Some("require")), &ca).await;
    assert!(
        connected(&require).contains("certificate chain verified"),
        "{require:#?}"
    );
}

#[tokio::test]
async fn an_unreadable_ca_file_is_a_clear_error() {
    let lab = Lab::new().await;
    let dir = tempfile_dir();
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for (path, needle) in [
        (dir.join("missing.pem"), "cannot read [postgres].ca_file"),
        (not_pem, "holds no PEM certificate"),
    ] {
        let extra = format!("ca_file = \"{}\"\n", path.display());
        let findings = audit(&lab, lab.probe_url(), &extra).await;
        let message = refused(&findings);
        assert!(message.contains(needle), "{message}");
    }
}

#[tokio::test]
async fn nothing_listening_is_one_error_with_a_hint() {
    let lab = Lab::new().await;
    let probe_url = lab.probe_url();
    let (authority, rest) = probe_url.rsplit_once('/').unwrap();
    let (host, _) = authority.rsplit_once(':').unwrap();
    let url = format!("{host}:1/{rest}");
    let findings = audit(&lab, url, "").await;
    let message = refused(&findings);
    assert!(message.contains("nothing accepts connections"), "{message}");
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lg-tls-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
