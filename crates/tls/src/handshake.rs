//! The inspection handshake: rustls with a verifier that records the chain and the stapled OCSP
//! response and accepts everything, so that every certificate flaw becomes its own finding
//! instead of one aborted handshake. Nothing is sent over the connection after the handshake.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme, SupportedProtocolVersion};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use launchguard_net::describe;

/// What one completed handshake showed.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub chain: Vec<CertificateDer<'static>>,
    pub ocsp_response: Vec<u8>,
    pub version: String,
    pub suite: String,
    pub group: Option<String>,
}

/// Why a handshake did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeFailure {
    /// The server answered and refused (an alert, or it closed after our hello).
    Refused(String),
    /// No judgement possible: connect failure, garbage, a closed connection.
    Failed(String),
    /// No answer in time: later probes of the same server would only wait as long again.
    TimedOut(String),
}

impl HandshakeFailure {
    pub fn reason(&self) -> &str {
        match self {
            HandshakeFailure::Refused(r)
            | HandshakeFailure::Failed(r)
            | HandshakeFailure::TimedOut(r) => r,
        }
    }
}

#[derive(Debug, Default)]
struct Recorded {
    chain: Vec<CertificateDer<'static>>,
    ocsp_response: Vec<u8>,
}

#[derive(Debug)]
struct RecordingVerifier {
    recorded: Mutex<Recorded>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut recorded = self.recorded.lock().unwrap_or_else(|p| p.into_inner());
        recorded.chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        recorded.ocsp_response = ocsp_response.to_vec();
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::ECDSA_NISTP521_SHA512,
            SignatureScheme::ED25519,
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PSS_SHA384,
            SignatureScheme::RSA_PSS_SHA512,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ]
    }
}

/// Completes one handshake at `versions` over `stream` (connected by the network layer) and
/// records what the server presented.
pub async fn inspect(
    stream: TcpStream,
    server_name: ServerName<'static>,
    versions: &[&'static SupportedProtocolVersion],
    handshake_timeout: Duration,
) -> Result<Inspection, HandshakeFailure> {
    let verifier = Arc::new(RecordingVerifier {
        recorded: Mutex::new(Recorded::default()),
    });
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(versions)
    .map_err(|e| HandshakeFailure::Failed(format!("TLS set-up failed: {e}")))?
    .dangerous()
    .with_custom_certificate_verifier(verifier.clone())
    .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));
    let tls = match tokio::time::timeout(handshake_timeout, connector.connect(server_name, stream))
        .await
    {
        Err(_) => {
            return Err(HandshakeFailure::TimedOut(format!(
                "the TLS handshake did not finish within {} ms",
                handshake_timeout.as_millis()
            )));
        }
        Ok(Err(e)) => return Err(classify(&e)),
        Ok(Ok(tls)) => tls,
    };
    let (_, connection) = tls.get_ref();
    let recorded =
        std::mem::take(&mut *verifier.recorded.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(Inspection {
        chain: recorded.chain,
        ocsp_response: recorded.ocsp_response,
        version: connection
            .protocol_version()
            .map(|v| crate::hello::version_name(u16::from(v)))
            .unwrap_or_default(),
        suite: connection
            .negotiated_cipher_suite()
            .map(|s| {
                let suite = s.suite();
                suite
                    .as_str()
                    .map_or_else(|| crate::suites::name(u16::from(suite)), str::to_owned)
            })
            .unwrap_or_default(),
        group: connection.negotiated_key_exchange_group().map(|g| {
            let group = g.name();
            group
                .as_str()
                .map_or_else(|| format!("0x{:04X}", u16::from(group)), str::to_owned)
        }),
    })
}

fn classify(error: &std::io::Error) -> HandshakeFailure {
    if let Some(tls) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        let reason = describe::tls_error(tls);
        return match tls {
            rustls::Error::AlertReceived(_) | rustls::Error::PeerIncompatible(_) => {
                HandshakeFailure::Refused(reason)
            }
            _ => HandshakeFailure::Failed(format!("the TLS handshake failed: {reason}")),
        };
    }
    match error.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            HandshakeFailure::Failed("the server closed the connection during the handshake".into())
        }
        std::io::ErrorKind::ConnectionReset => {
            HandshakeFailure::Failed("the server reset the connection during the handshake".into())
        }
        _ => HandshakeFailure::Failed(format!("the TLS handshake failed: {error}")),
    }
}
