//! Connecting: libpq's `sslmode` meanings, and one finding (`pg.connection`) that says how the
//! connection went, or why it failed and how to fix it. Every other check points at it.

use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use launchguard_core::{CheckDef, Severity};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as WireSslMode};
use tokio_postgres::{Client, Config, NoTls};

pub static CHECK: CheckDef = CheckDef {
    id: "pg.connection",
    agent: "postgres",
    title: "The audit connection to the database",
    severity: Severity::High,
    what: "Connects as the configured URL says, following libpq's sslmode (disable, allow, prefer (the default), \
           require, verify-ca, verify-full; prefer and require encrypt without checking the certificate unless \
           [postgres].ca_file is set, as libpq does with a root certificate). Passes once connected as an audit \
           role that is not a superuser, saying whether TLS was used and what it verified. When it cannot connect, \
           this is the one finding with the cause and the fix; every other check of the database is `error` with a \
           pointer here.",
    why: "Nothing about the database can be verified without a connection, and the connection itself carries \
          the audit role's credentials: over an unverified TLS connection they can be intercepted.",
    fix: "Use sslmode=verify-full with [postgres].ca_file naming the server's CA for a remote database. For a \
          loopback or Unix-socket connection, sslmode=disable is fine: nothing crosses a network. Connect as an audit \
          role that can SET ROLE to the API roles, not as a superuser.",
    references: &["https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION"],
};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, String> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
                ));
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// What the certificate check covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CertificateCheck {
    None,
    /// The chain up to a trusted CA, not the host name (verify-ca).
    Chain,
    /// The chain and the host name (verify-full).
    Full,
}

/// A connection string with its `sslmode` taken out (tokio-postgres knows only three of the six).
#[derive(Debug, PartialEq, Eq)]
pub struct Split {
    pub rest: String,
    pub sslmode: SslMode,
}

/// Takes `sslmode` out of a URL (`postgresql://...?sslmode=...`) or a key=value string.
pub fn split_sslmode(connection: &str) -> Result<Split, String> {
    let mut sslmode = None;
    let rest = if connection.starts_with("postgres://") || connection.starts_with("postgresql://") {
        match connection.split_once('?') {
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| match pair.split_once('=') {
                        Some(("sslmode", value)) => {
                            sslmode = Some(value.to_owned());
                            false
                        }
                        _ => true,
                    })
                    .collect();
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
            None => connection.to_owned(),
        }
    } else {
        static KEY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"(?:^|\s)sslmode\s*=\s*('[^']*'|\S+)").expect("valid")
        });
        if let Some(found) = KEY.captures(connection) {
            sslmode = Some(found[1].trim_matches('\'').to_owned());
        }
        KEY.replace_all(connection, "").into_owned()
    };
    let sslmode = match sslmode {
        Some(value) => SslMode::parse(&value)?,
        None => SslMode::Prefer,
    };
    Ok(Split { rest, sslmode })
}

/// How the connection went.
#[derive(Debug, Clone)]
pub struct Connected {
    pub sslmode: SslMode,
    /// TLS was negotiated.
    pub tls: bool,
    check: CertificateCheck,
}

impl Connected {
    /// Whether TLS checked the server's certificate.
    pub fn verified(&self) -> bool {
        self.tls && self.check != CertificateCheck::None
    }

    /// One line on the transport: whether TLS was used and what it verified.
    pub fn transport(&self) -> String {
        let mode = self.sslmode.name();
        match (self.tls, self.check) {
            (false, _) => format!("without TLS (sslmode={mode})"),
            (true, CertificateCheck::Full) => {
                format!("over TLS, certificate verified for the host (sslmode={mode})")
            }
            (true, CertificateCheck::Chain) => format!(
                "over TLS, certificate chain verified but not the host name (sslmode={mode})"
            ),
            (true, CertificateCheck::None) => format!(
                "over TLS without verifying the server's certificate (sslmode={mode}, as libpq does); use \
                 verify-full with [postgres].ca_file to authenticate the server"
            ),
        }
    }
}

/// Everything a connection needs besides the connection string.
pub struct Options<'o> {
    pub ca_file: Option<&'o std::path::Path>,
    pub application_name: &'o str,
    pub connect_timeout: std::time::Duration,
}

/// Connects as `sslmode` says. Err is the cause and the fix, in words.
pub async fn connect(
    config: &mut Config,
    sslmode: SslMode,
    options: &Options<'_>,
) -> Result<(Client, Connected), String> {
    config.application_name(options.application_name);
    config.connect_timeout(options.connect_timeout);
    let roots = roots(options.ca_file)?;
    let check = match sslmode {
        SslMode::VerifyFull => CertificateCheck::Full,
        SslMode::VerifyCa => CertificateCheck::Chain,
        // libpq verifies the chain whenever a root certificate is given.
        _ if options.ca_file.is_some() => CertificateCheck::Chain,
        _ => CertificateCheck::None,
    };
    let loopback = is_loopback(config);
    let explain = |failure: Failure| match failure {
        Failure::TimedOut => format!(
            "could not connect (sslmode={}): connecting timed out. Fix: check the host, port and firewall.",
            sslmode.name()
        ),
        Failure::Refused(e) => explain(&e, sslmode, loopback),
    };
    let connected = |tls: bool| Connected {
        sslmode,
        tls,
        check,
    };
    match sslmode {
        SslMode::Disable => {
            config.ssl_mode(WireSslMode::Disable);
            let client = finish(config, NoTls, options).await.map_err(explain)?;
            Ok((client, connected(false)))
        }
        SslMode::Allow => {
            config.ssl_mode(WireSslMode::Disable);
            match finish(config, NoTls, options).await {
                Ok(client) => Ok((client, connected(false))),
                // Refused by the server without TLS: libpq then tries with it.
                Err(failure) if failure.refused_by_server() => {
                    config.ssl_mode(WireSslMode::Require);
                    let (tls, seen) = tls(roots, check)?;
                    let client = finish(config, tls, options).await.map_err(explain)?;
                    Ok((client, connected(seen.load(Ordering::Relaxed))))
                }
                Err(e) => Err(explain(e)),
            }
        }
        SslMode::Prefer | SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            config.ssl_mode(if sslmode == SslMode::Prefer {
                WireSslMode::Prefer
            } else {
                WireSslMode::Require
            });
            let (tls, seen) = tls(roots, check)?;
            let client = finish(config, tls, options).await.map_err(explain)?;
            Ok((client, connected(seen.load(Ordering::Relaxed))))
        }
    }
}

/// Why one connection attempt failed.
enum Failure {
    TimedOut,
    Refused(tokio_postgres::Error),
}

impl Failure {
    fn refused_by_server(&self) -> bool {
        matches!(self, Failure::Refused(e) if e.as_db_error().is_some())
    }
}

async fn finish<T>(config: &Config, tls: T, options: &Options<'_>) -> Result<Client, Failure>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
    T::Stream: Send + 'static,
{
    let connect = config.connect(tls);
    let (client, connection) = tokio::time::timeout(options.connect_timeout * 2, connect)
        .await
        .map_err(|_| Failure::TimedOut)?
        .map_err(Failure::Refused)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(
                "postgres connection ended: {}",
                crate::describe_db_error(&e)
            );
        }
    });
    Ok(client)
}

/// The public roots plus `[postgres].ca_file`.
fn roots(ca_file: Option<&std::path::Path>) -> Result<rustls::RootCertStore, String> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let shown = path.display();
        let certificates = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("cannot read [postgres].ca_file {shown}: {e}"))?;
        if certificates.is_empty() {
            return Err(format!(
                "[postgres].ca_file {shown} holds no PEM certificate"
            ));
        }
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|e| format!("[postgres].ca_file {shown}: {e}"))?;
        }
    }
    Ok(roots)
}

/// The rustls connector for `check`, and a flag the handshake sets when TLS was negotiated.
fn tls(
    roots: rustls::RootCertStore,
    check: CertificateCheck,
) -> Result<(tokio_postgres_rustls::MakeRustlsConnect, Arc<AtomicBool>), String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let seen = Arc::new(AtomicBool::new(false));
    let verifier = Verifier {
        check,
        webpki,
        provider: provider.clone(),
        seen: seen.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok((tokio_postgres_rustls::MakeRustlsConnect::new(config), seen))
}

/// Checks what the sslmode asks for, and records that a handshake happened. Handshake
/// signatures are always verified: only the certificate's trust and name may go unchecked.
#[derive(Debug)]
struct Verifier {
    check: CertificateCheck,
    webpki: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
    seen: Arc<AtomicBool>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.seen.store(true, Ordering::Relaxed);
        if self.check == CertificateCheck::None {
            return Ok(ServerCertVerified::assertion());
        }
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            // The chain is checked before the name: a name error means the chain was trusted.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.check == CertificateCheck::Chain => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Whether every host is a loopback address, `localhost` or a Unix socket.
fn is_loopback(config: &Config) -> bool {
    config.get_hosts().iter().all(|host| match host {
        Host::Unix(_) => true,
        Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
    })
}

/// The rustls error somewhere in `error`'s chain (io errors hide theirs behind `get_ref`).
fn tls_error(error: &tokio_postgres::Error) -> Option<rustls::Error> {
    let mut source = error.source();
    while let Some(current) = source {
        if let Some(found) = current.downcast_ref::<rustls::Error>() {
            return Some(found.clone());
        }
        if let Some(found) = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(found.clone());
        }
        source = current.source();
    }
    None
}

/// Why connecting failed and what to do, in words.
fn explain(error: &tokio_postgres::Error, sslmode: SslMode, loopback: bool) -> String {
    let mode = sslmode.name();
    let plain_on_loopback = if loopback {
        "; or, since this is a loopback or socket connection, sslmode=disable (nothing crosses a network)"
    } else {
        ""
    };
    if let Some(tls) = tls_error(error) {
        let (what, fix) = match &tls {
            rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            ) => (
                "the server's TLS certificate is not signed by a CA launchguard trusts (self-signed or a private CA)"
                    .to_owned(),
                format!("name the server's CA certificate (PEM) in [postgres].ca_file{plain_on_loopback}"),
            ),
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => (
                "the server's TLS certificate is trusted but not issued for the host in the URL".to_owned(),
                "connect by the host name the certificate names, or use sslmode=verify-ca to check the chain \
                 only"
                    .to_owned(),
            ),
            rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            ) => (
                "the server's TLS certificate has expired".to_owned(),
                "renew the server's certificate".to_owned(),
            ),
            other => (
                format!("the TLS handshake failed ({other})"),
                format!("check the server's TLS setup and [postgres].ca_file{plain_on_loopback}"),
            ),
        };
        return format!("could not connect (sslmode={mode}): {what}. Fix: {fix}.");
    }
    let text = crate::describe_db_error(error);
    if text.contains("server does not support TLS") {
        return format!(
            "could not connect (sslmode={mode}): the server does not offer TLS. Fix: enable ssl on the server{}.",
            if loopback {
                ", or use sslmode=disable on this loopback or socket connection"
            } else {
                ""
            }
        );
    }
    let hint = match error.code().map(|c| c.code()) {
        Some("28P01") => " Fix: check the user and password in the URL.",
        Some("28000") if matches!(sslmode, SslMode::Disable) => {
            " Fix: the server may accept this user only over TLS (hostssl in pg_hba.conf): try sslmode=verify-full."
        }
        Some("28000") => " Fix: pg_hba.conf has no entry for this user, database and address.",
        Some("3D000") => " Fix: check the database name in the URL.",
        _ if text.to_ascii_lowercase().contains("refused") => {
            " Fix: nothing accepts connections at that host and port: check them and that the server is running."
        }
        _ => "",
    };
    format!("could not connect (sslmode={mode}): {text}.{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_is_taken_out_of_urls_and_key_value_strings() {
        assert_eq!(
            split_sslmode("postgresql://u@h:5432/db?sslmode=verify-full&application_name=x")
                .unwrap(),
            Split {
                rest: "postgresql://u@h:5432/db?application_name=x".into(),
                sslmode: SslMode::VerifyFull
            }
        );
        assert_eq!(
            split_sslmode("postgresql://u@h/db?sslmode=disable").unwrap(),
            Split {
                rest: "postgresql://u@h/db".into(),
                sslmode: SslMode::Disable
            }
        );
        assert_eq!(
            split_sslmode("postgresql://u@h/db").unwrap().sslmode,
            SslMode::Prefer,
            "libpq's default"
        );
        let kv = split_sslmode("host=h sslmode='verify-ca' dbname=db").unwrap();
        assert_eq!(kv.sslmode, SslMode::VerifyCa);
        assert_eq!(kv.rest, "host=h dbname=db");
        let bad = split_sslmode("postgresql://h/db?sslmode=strict").unwrap_err();
        assert!(bad.contains("verify-full"), "{bad}");
    }
}
