//! The demo lab's HTTPS part: a private CA made at run time, rustls servers with planted
//! certificate, HSTS and redirect flaws beside a clean control, and, when `openssl` is
//! installed, an `openssl s_server` that really negotiates TLS 1.0 with weak suites.

use std::path::Path;

use crate::tls::{self as lab, Authority, LeafSpec, Reply};
use anyhow::Context;
use rustls::pki_types::CertificateDer;
use tokio::net::TcpListener;

const GOOD_HSTS: &str = "max-age=63072000; includeSubDomains; preload";
/// Where the lab's plain-HTTP servers redirect: the same host, on the site's HTTPS port.
const HTTPS_SAME_HOST: &str = "https://{request_host}:{https_port}/";
/// The CA file the demo configuration names, written beside it.
const CA_FILE: &str = "demo-ca.pem";

/// The running TLS lab: its `[tls]` section, and the OpenSSL server (stopped when dropped).
pub struct TlsLab {
    pub section: String,
    pub openssl: Option<lab::OpensslServer>,
    pub openssl_skipped: Option<String>,
}

struct Site<'a> {
    name: &'a str,
    comment: &'a str,
    host: &'a str,
    chain: Vec<CertificateDer<'static>>,
    leaf: lab::Leaf,
    https: Reply,
    http: Reply,
    /// A second address (127.0.0.2, same port) presenting this chain.
    edge: Option<(Vec<CertificateDer<'static>>, lab::Leaf)>,
    extra: &'a str,
}

async fn start_site(site: Site<'_>) -> anyhow::Result<String> {
    let listening = lab::SiteServers {
        chain: site.chain,
        leaf: site.leaf,
        ocsp: true,
        versions: rustls::ALL_VERSIONS,
        https_reply: site.https,
        http_reply: Some(site.http),
        edge: site.edge,
    }
    .start()
    .await
    .context("cannot bind loopback ports (127.0.0.1, 127.0.0.2) for the TLS lab")?;
    // The servers live as long as the lab thread's runtime.
    drop(listening.tasks);
    let addresses: Vec<String> = listening
        .addresses
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect();
    Ok(format!(
        "\n# {}\n[[tls.targets]]\nname = \"{}\"\nhost = \"{}\"\naddresses = [{}]\nport = {}\nhttp_port = {}\nca_file = \"{CA_FILE}\"\n{}",
        site.comment,
        site.name,
        site.host,
        addresses.join(", "),
        listening.https_port,
        listening.http_port,
        site.extra
    ))
}

/// Starts the TLS lab on the current runtime; writes its CA into `dir`.
pub async fn start(dir: &Path) -> anyhow::Result<TlsLab> {
    let root = Authority::root("launchguard demo root");
    let intermediate = root.intermediate("launchguard demo intermediate");
    std::fs::write(dir.join(CA_FILE), &root.pem)
        .with_context(|| format!("cannot write {CA_FILE}"))?;
    let ok = |hsts: &str| Reply::ok(&[("Strict-Transport-Security", hsts)]);
    let to_https = || Reply::redirect(301, HTTPS_SAME_HOST);
    let chain = |leaf: &lab::Leaf| vec![leaf.cert.clone(), intermediate.cert.clone()];
    let mut section = String::from("\n[tls]\n");

    let leaf = intermediate.issue(&LeafSpec::for_names(&["shop.lab.test", "*.shop.lab.test"]));
    section += &start_site(Site {
        name: "shop",
        comment: "Clean control: full chain, TLS 1.2/1.3 with AEAD suites only, preload-ready HSTS, 301 to HTTPS; a random tenant label under the wildcard.",
        host: "shop.lab.test",
        chain: chain(&leaf),
        leaf,
        https: ok(GOOD_HSTS),
        http: to_https(),
        edge: None,
        extra: "tenant_wildcard = \"*.shop.lab.test\"\nrandom_labels = 1\n",
    })
    .await?;

    let mut spec = LeafSpec::for_names(&["billing.lab.test", "invoices.lab.test"]);
    spec.starts_in_days = -95;
    let leaf = intermediate.issue(&spec);
    section += &start_site(Site {
        name: "billing",
        comment: "Planted: an expired certificate shared by two hostnames (one finding lists both).",
        host: "billing.lab.test",
        chain: chain(&leaf),
        leaf,
        https: ok(GOOD_HSTS),
        http: to_https(),
        edge: None,
        extra: "tenant_hosts = [\"invoices.lab.test\"]\n",
    })
    .await?;

    let mut spec = LeafSpec::for_names(&["*.tenants.lab.test"]);
    spec.starts_in_days = -70;
    let leaf = intermediate.issue(&spec);
    section += &start_site(Site {
        name: "tenants",
        comment: "Planted: a 90-day certificate 70 days old (auto-renewal failed, expiring soon); a two-level tenant name the one-level wildcard does not cover.",
        host: "acme.tenants.lab.test",
        chain: chain(&leaf),
        leaf,
        https: ok(GOOD_HSTS),
        http: to_https(),
        edge: None,
        extra: "tenant_hosts = [\"eu.globex.tenants.lab.test\"]\n",
    })
    .await?;

    let leaf = LeafSpec::for_names(&["admin.lab.test"]).self_signed();
    section += &start_site(Site {
        name: "admin",
        comment: "Planted: a self-signed certificate, no HSTS, and the admin page served over plain HTTP.",
        host: "admin.lab.test",
        chain: vec![leaf.cert.clone()],
        leaf,
        https: Reply::ok(&[]),
        http: Reply::ok(&[]),
        edge: None,
        extra: "",
    })
    .await?;

    let (aia, aia_addr) = {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        (listener, addr)
    };
    drop(lab::serve_http(
        aia,
        Reply::body(intermediate.cert.to_vec()),
    ));
    let mut spec = LeafSpec::for_names(&["api.lab.test"]);
    spec.ca_issuers_url = Some(format!("http://{aia_addr}/intermediate.der"));
    let leaf = intermediate.issue(&spec);
    section += &start_site(Site {
        name: "api",
        comment: "Planted: the intermediate certificate is not sent (its AIA URL, on the lab, supplies it); short HSTS without includeSubDomains; a temporary 302 to HTTPS.",
        host: "api.lab.test",
        chain: vec![leaf.cert.clone()],
        leaf,
        https: ok("max-age=600"),
        http: Reply::redirect(302, HTTPS_SAME_HOST),
        edge: None,
        extra: "",
    })
    .await?;

    let current = intermediate.issue(&LeafSpec::for_names(&["status.lab.test"]));
    let mut stale = LeafSpec::for_names(&["status.lab.test"]);
    stale.starts_in_days = -100;
    let stale = intermediate.issue(&stale);
    section += &start_site(Site {
        name: "status",
        comment: "Planted: the second address (127.0.0.2) still serves last season's expired certificate.",
        host: "status.lab.test",
        chain: chain(&current),
        leaf: current,
        https: ok(GOOD_HSTS),
        http: to_https(),
        edge: Some((chain(&stale), stale)),
        extra: "",
    })
    .await?;

    let (openssl, openssl_skipped) = match lab::openssl_legacy_server(dir, "legacy.lab.test", None)
    {
        Ok(server) => {
            let port = server.port;
            section += &format!(
                "\n# Planted: OpenSSL accepting TLS 1.0 and 1.1, NULL, anonymous, static-RSA and CBC suites, with a\n# 1024-bit RSA key in a SHA-1-signed self-signed certificate.\n[[tls.targets]]\nname = \"legacy\"\nhost = \"legacy.lab.test\"\naddresses = [\"127.0.0.1\"]\nport = {port}\nhttp_port = 0\n"
            );
            (Some(server), None)
        }
        Err(reason) => (None, Some(reason)),
    };
    Ok(TlsLab {
        section,
        openssl,
        openssl_skipped,
    })
}
