//! TLS through rustls against the real server: an untrusted certificate is refused, never
//! silently accepted or downgraded.

use launchguard_core::Status;

use crate::support::{Lab, admin_url, agent, run};

async fn server_offers_tls() -> bool {
    let config: tokio_postgres::Config = admin_url().parse().unwrap();
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .query_one("show ssl", &[])
        .await
        .unwrap()
        .get::<_, String>(0)
        == "on"
}

fn messages(findings: &[launchguard_core::Finding]) -> String {
    assert!(!findings.is_empty());
    assert!(
        findings.iter().all(|f| f.status == Status::Error),
        "{findings:#?}"
    );
    findings[0].message.clone()
}

#[tokio::test]
async fn required_tls_with_an_untrusted_certificate_is_refused() {
    let lab = Lab::new().await;
    let url = lab
        .probe_url()
        .replace("sslmode=disable", "sslmode=require");
    let (pg, scope) = agent(&lab, false, "", url.clone());
    let refused = messages(&run(&pg, scope).await);
    if !server_offers_tls().await {
        assert!(
            refused.to_ascii_lowercase().contains("tls") || refused.contains("SSL"),
            "{refused}"
        );
        return;
    }
    assert!(refused.contains("certificate"), "{refused}");

    let snakeoil = std::path::Path::new("/etc/ssl/certs/ssl-cert-snakeoil.pem");
    if snakeoil.is_file() {
        // Trusting the issuer moves the failure to the name check: the CA file was used.
        let extra = format!("ca_file = \"{}\"\n", snakeoil.display());
        let (pg, scope) = agent(&lab, false, &extra, url.clone());
        let with_ca = messages(&run(&pg, scope).await);
        assert!(
            with_ca.contains("certificate") && with_ca != refused,
            "{with_ca}"
        );
    }
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
        let (pg, scope) = agent(&lab, false, &extra, lab.probe_url());
        let message = messages(&run(&pg, scope).await);
        assert!(message.contains(needle), "{message}");
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lg-tls-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
