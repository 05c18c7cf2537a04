//! A TLS lab of real servers on loopback, for the tests, `launchguard demo` and the benchmark:
//! a private CA made with rcgen at run time, certificates with planted flaws, rustls HTTPS
//! servers and plain-HTTP servers with a fixed answer.

use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName,
    DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A certificate authority (root or intermediate).
pub struct Authority {
    pub cert: CertificateDer<'static>,
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Authority {
    /// A self-signed root valid from a year ago for ten years.
    pub fn root(name: &str) -> Authority {
        let key = KeyPair::generate().expect("P-256 key");
        let params = ca_params(name);
        let cert = params.self_signed(&key).expect("self-signed root");
        Authority {
            pem: cert.pem(),
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, name: &str) -> Authority {
        let key = KeyPair::generate().expect("P-256 key");
        let params = ca_params(name);
        let cert = params.signed_by(&key, &self.issuer).expect("intermediate");
        Authority {
            pem: cert.pem(),
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// An intermediate CA signed by this one, valid from `starts_in_days` (negative: in the
    /// past) for `lifetime_days`: a re-issued intermediate, say.
    pub fn intermediate_valid(
        &self,
        name: &str,
        starts_in_days: i64,
        lifetime_days: i64,
    ) -> Authority {
        let key = KeyPair::generate().expect("P-256 key");
        let mut params = ca_params(name);
        params.not_before = OffsetDateTime::now_utc() + time::Duration::days(starts_in_days);
        params.not_after = params.not_before + time::Duration::days(lifetime_days);
        let cert = params.signed_by(&key, &self.issuer).expect("intermediate");
        Authority {
            pem: cert.pem(),
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate signed by this authority.
    pub fn issue(&self, spec: &LeafSpec) -> Leaf {
        let key = spec.key.generate();
        let cert = spec.params().signed_by(&key, &self.issuer).expect("leaf");
        Leaf::new(cert.der().clone(), &key)
    }
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "launchguard lab");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(365);
    params.not_after = now + time::Duration::days(3650);
    params
}

/// Which key a leaf gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafKey {
    EcP256,
    Rsa2048,
}

impl LeafKey {
    fn generate(self) -> KeyPair {
        match self {
            LeafKey::EcP256 => KeyPair::generate().expect("P-256 key"),
            LeafKey::Rsa2048 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                    .expect("RSA key")
            }
        }
    }
}

/// What a leaf certificate looks like. The default is a clean 90-day certificate, 10 days old,
/// with a CRL URL and an embedded SCT.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub names: Vec<String>,
    /// Days from now to notBefore (negative: in the past).
    pub starts_in_days: i64,
    pub lifetime_days: i64,
    pub crl: bool,
    pub ca_issuers_url: Option<String>,
    pub scts: bool,
    pub key: LeafKey,
}

impl LeafSpec {
    pub fn for_names(names: &[&str]) -> LeafSpec {
        LeafSpec {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            starts_in_days: -10,
            lifetime_days: 90,
            crl: true,
            ca_issuers_url: None,
            scts: true,
            key: LeafKey::EcP256,
        }
    }

    fn params(&self) -> CertificateParams {
        let mut params = CertificateParams::new(self.names.clone()).expect("valid names");
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(
            DnType::CommonName,
            self.names.first().map_or("lab", String::as_str),
        );
        let now = OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(self.starts_in_days);
        params.not_after = params.not_before + time::Duration::days(self.lifetime_days);
        if self.crl {
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec!["http://127.0.0.1:9/lab.crl".to_owned()],
            }];
        }
        if let Some(url) = &self.ca_issuers_url {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                    aia_ca_issuers(url),
                ));
        }
        if self.scts {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2],
                    sct_list(),
                ));
        }
        params
    }

    /// A self-signed certificate of this shape.
    pub fn self_signed(&self) -> Leaf {
        let key = self.key.generate();
        let cert = self.params().self_signed(&key).expect("self-signed");
        Leaf::new(cert.der().clone(), &key)
    }
}

/// A leaf certificate and its key.
#[derive(Clone)]
pub struct Leaf {
    pub cert: CertificateDer<'static>,
    pub key_pkcs8: Vec<u8>,
}

impl Leaf {
    fn new(cert: CertificateDer<'static>, key: &KeyPair) -> Leaf {
        Leaf {
            cert,
            key_pkcs8: key.serialize_der(),
        }
    }

    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_pkcs8.clone()))
    }
}

/// A rustls server configuration presenting `chain` (in the given order), optionally stapling
/// `ocsp`, limited to `versions`.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    ocsp: Option<Vec<u8>>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<rustls::ServerConfig> {
    let builder = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(versions)
    .expect("supported versions")
    .with_no_client_auth();
    let config = match ocsp {
        Some(ocsp) => builder.with_single_cert_with_ocsp(chain, key, ocsp),
        None => builder.with_single_cert(chain, key),
    };
    Arc::new(config.expect("a usable certificate and key"))
}

/// A minimal DER OCSPResponse with status `successful` and an empty body: enough to be stapled.
pub fn stapled_ocsp() -> Vec<u8> {
    vec![0x30, 0x03, 0x0A, 0x01, 0x00]
}

/// The fixed answer of a lab server.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok(headers: &[(&str, &str)]) -> Reply {
        Reply {
            status: 200,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: b"launchguard lab\n".to_vec(),
        }
    }

    /// A 200 answer carrying `body` (an AIA caIssuers certificate, say).
    pub fn body(body: Vec<u8>) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body,
        }
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Location".to_owned(), location.to_owned())],
            body: b"launchguard lab\n".to_vec(),
        }
    }

    /// This reply with each `(placeholder, value)` replaced in its header values (ports known only
    /// once the servers listen).
    pub fn filled(mut self, values: &[(&str, &str)]) -> Reply {
        for (_, value) in &mut self.headers {
            for (placeholder, replacement) in values {
                *value = value.replace(placeholder, replacement);
            }
        }
        self
    }

    /// The response to a request that named `host` (its Host header without the port), which
    /// replaces `{request_host}` in header values.
    fn bytes(&self, host: &str) -> Vec<u8> {
        let mut text = format!("HTTP/1.1 {} Lab\r\n", self.status);
        for (name, value) in &self.headers {
            let value = value.replace("{request_host}", host);
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str(&format!(
            "Content-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Serves `reply` over TLS to every connection until the task is aborted.
pub fn serve_https(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    reply: Reply,
) -> JoinHandle<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let answer = Arc::new(reply);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let work = async {
                    let mut tls = acceptor.accept(stream).await.ok()?;
                    answer_request(&mut tls, &answer).await
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), work).await;
            });
        }
    })
}

/// Serves `reply` over plain HTTP until the task is aborted.
pub fn serve_http(listener: TcpListener, reply: Reply) -> JoinHandle<()> {
    let answer = Arc::new(reply);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(
                    Duration::from_secs(10),
                    answer_request(&mut stream, &answer),
                )
                .await;
            });
        }
    })
}

async fn answer_request<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: &mut S,
    answer: &Reply,
) -> Option<()> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 || request.len() > 16 * 1024 {
            return None;
        }
        request.extend_from_slice(&buffer[..n]);
    }
    let head = String::from_utf8_lossy(&request);
    let host = head
        .lines()
        .find_map(|line| {
            line.split_once(':')
                .filter(|(name, _)| name.eq_ignore_ascii_case("host"))
        })
        .map(|(_, value)| value.trim())
        .map(|value| {
            value
                .rsplit_once(':')
                .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
                .map_or(value, |(name, _)| name)
        })
        .unwrap_or("")
        .to_owned();
    stream.write_all(&answer.bytes(&host)).await.ok()?;
    stream.shutdown().await.ok()
}

/// The extnValue of an Authority Information Access extension with one caIssuers URL.
fn aia_ca_issuers(url: &str) -> Vec<u8> {
    let mut location = vec![0x86];
    location.extend(der_length(url.len()));
    location.extend_from_slice(url.as_bytes());
    let mut description = vec![0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    description.extend(location);
    der_sequence(der_sequence(description))
}

/// The extnValue of an SCT list extension holding one (unverifiable) SCT.
fn sct_list() -> Vec<u8> {
    let mut sct = vec![0];
    sct.extend_from_slice(&[0x11; 32]);
    sct.extend_from_slice(&1_700_000_000_000u64.to_be_bytes());
    sct.extend_from_slice(&[0, 0, 4, 3, 0, 8]);
    sct.extend_from_slice(&[0x22; 8]);
    let mut list = ((sct.len() + 2) as u16).to_be_bytes().to_vec();
    list.extend_from_slice(&(sct.len() as u16).to_be_bytes());
    list.extend(sct);
    let mut octets = vec![0x04];
    octets.extend(der_length(list.len()));
    octets.extend(list);
    octets
}

fn der_sequence(content: Vec<u8>) -> Vec<u8> {
    let mut out = vec![0x30];
    out.extend(der_length(content.len()));
    out.extend(content);
    out
}

fn der_length(length: usize) -> Vec<u8> {
    match length {
        0..=0x7f => vec![length as u8],
        0x80..=0xff => vec![0x81, length as u8],
        _ => vec![0x82, (length >> 8) as u8, length as u8],
    }
}

/// The servers of one lab site: HTTPS on 127.0.0.1, optionally the same HTTPS port on 127.0.0.2
/// with another chain, and optionally plain HTTP. Header values of the replies may use
/// `{https_port}` and `{http_port}` (filled when the ports are known) and `{request_host}`.
pub struct SiteServers {
    pub chain: Vec<CertificateDer<'static>>,
    pub leaf: Leaf,
    pub ocsp: bool,
    pub versions: &'static [&'static rustls::SupportedProtocolVersion],
    pub https_reply: Reply,
    /// `None`: nothing listens on the plain-HTTP port.
    pub http_reply: Option<Reply>,
    /// A second address (127.0.0.2, same HTTPS port) presenting this chain.
    pub edge: Option<(Vec<CertificateDer<'static>>, Leaf)>,
}

/// Where a started site listens, and its server tasks (abort them to stop it).
pub struct Listening {
    pub https_port: u16,
    pub http_port: u16,
    pub addresses: Vec<&'static str>,
    pub tasks: Vec<JoinHandle<()>>,
}

impl SiteServers {
    pub async fn start(self) -> std::io::Result<Listening> {
        let https = TcpListener::bind("127.0.0.1:0").await?;
        let http = TcpListener::bind("127.0.0.1:0").await?;
        let (https_port, http_port) = (https.local_addr()?.port(), http.local_addr()?.port());
        let (https_text, http_text) = (https_port.to_string(), http_port.to_string());
        let values = [
            ("{https_port}", https_text.as_str()),
            ("{http_port}", http_text.as_str()),
        ];
        let https_reply = self.https_reply.filled(&values);
        let ocsp = || self.ocsp.then(stapled_ocsp);
        let mut addresses = vec!["127.0.0.1"];
        let mut tasks = Vec::new();
        if let Some((chain, leaf)) = self.edge {
            let edge = TcpListener::bind(("127.0.0.2", https_port)).await?;
            let config = server_config(chain, leaf.key(), ocsp(), self.versions);
            tasks.push(serve_https(edge, config, https_reply.clone()));
            addresses.push("127.0.0.2");
        }
        let config = server_config(self.chain, self.leaf.key(), ocsp(), self.versions);
        tasks.push(serve_https(https, config, https_reply));
        if let Some(reply) = self.http_reply {
            tasks.push(serve_http(http, reply.filled(&values)));
        }
        Ok(Listening {
            https_port,
            http_port,
            addresses,
            tasks,
        })
    }
}

/// A running `openssl s_server`, stopped when dropped.
pub struct OpensslServer {
    child: std::process::Child,
    pub port: u16,
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `openssl s_server` on a free loopback port with a 1024-bit RSA, SHA-1-signed,
/// self-signed certificate for `host` (written into `dir`), accepting TLS 1.0 up to
/// `max_protocol` (an OpenSSL name such as `TLSv1`; `None`: up to TLS 1.3) and every suite OpenSSL
/// has: NULL, anonymous, static RSA, CBC. A real legacy peer, for tests and the demo.
pub fn openssl_legacy_server(
    dir: &std::path::Path,
    host: &str,
    max_protocol: Option<&str>,
) -> Result<OpensslServer, String> {
    use std::process::{Command, Stdio};

    let (cert, key) = (
        dir.join(format!("{host}.crt")),
        dir.join(format!("{host}.key")),
    );
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:1024", "-sha1", "-nodes", "-days", "90",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-subj", &format!("/CN={host}")])
        .args(["-addext", &format!("subjectAltName=DNS:{host}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("openssl is not installed ({e})"))?;
    if !made.success() {
        return Err("openssl could not make the legacy certificate".into());
    }
    let mut args = vec!["-min_protocol", "TLSv1", "-cipher", "ALL:eNULL:@SECLEVEL=0"];
    if let Some(max) = max_protocol {
        args.extend(["-max_protocol", max]);
    }
    openssl_s_server(&[], &cert, &key, &args)
}

/// Starts `openssl s_server -www` on a free loopback port with the certificate and key files
/// `cert` and `key` (with `format`, e.g. `["-certform", "DER", "-keyform", "DER"]`, when not PEM)
/// and extra `args` (protocols, suites, `-cert_chain`). It binds port 0 itself and reports the
/// port it got, so there is no port race.
pub fn openssl_s_server(
    format: &[&str],
    cert: &std::path::Path,
    key: &std::path::Path,
    args: &[&str],
) -> Result<OpensslServer, String> {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let mut child = Command::new("openssl")
        .args(["s_server", "-accept", "127.0.0.1:0", "-www"])
        .args(format)
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("openssl s_server did not start ({e})"))?;
    let stdout = child.stdout.take().expect("piped");
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        for line in lines.by_ref().map_while(Result::ok) {
            if let Some(port) = line
                .strip_prefix("ACCEPT ")
                .and_then(|addr| addr.rsplit_once(':'))
                .and_then(|(_, port)| port.trim().parse::<u16>().ok())
            {
                let _ = port_tx.send(port);
                break;
            }
        }
        // Keep draining so that s_server never blocks on a full pipe.
        for _ in lines {}
    });
    let server = |port| OpensslServer { child, port };
    match port_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(port) => Ok(server(port)),
        Err(_) => {
            drop(server(0));
            Err("openssl s_server did not report its port within 10 s".into())
        }
    }
}
