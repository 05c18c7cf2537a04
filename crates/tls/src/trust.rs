//! Whether a presented chain leads to a trust anchor, and if not, why: self-signed, a missing
//! intermediate, or an unknown root. Time and hostname are judged by their own checks, so the
//! path is built at a moment inside every certificate's validity and for a name the leaf holds:
//! an expired certificate is reported as expired, not also as untrusted. When no such moment
//! exists (an issuer whose validity starts after the leaf expired), the path cannot be judged
//! apart from the dates, and the verdict says so instead of calling the chain untrusted.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, RootCertStore};

use crate::chain::{CertInfo, format_time};
use launchguard_net::describe;

/// The trust anchors a target is judged against: the public roots plus its `ca_file`.
#[derive(Debug, Clone)]
pub struct Anchors {
    verifier: Arc<WebPkiServerVerifier>,
}

/// Why a `ca_file` could not become trust anchors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorsError {
    #[error("not a PEM certificate file: {0}")]
    NotPem(String),
    #[error("a certificate in it cannot be a trust anchor: {0}")]
    NotAnAnchor(String),
    #[error("it holds no PEM certificate")]
    Empty,
    #[error("cannot build a verifier: {0}")]
    Verifier(String),
}

impl Anchors {
    pub fn new(extra_pem: Option<&[u8]>) -> Result<Anchors, AnchorsError> {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let mut added = 0;
        if let Some(pem) = extra_pem {
            use rustls::pki_types::pem::PemObject;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| AnchorsError::NotPem(e.to_string()))?;
                roots
                    .add(cert)
                    .map_err(|e| AnchorsError::NotAnAnchor(describe::tls_error(&e)))?;
                added += 1;
            }
            if added == 0 {
                return Err(AnchorsError::Empty);
            }
        }
        let verifier = WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        )
        .build()
        .map_err(|e| AnchorsError::Verifier(e.to_string()))?;
        Ok(Anchors { verifier })
    }

    /// Path validation only (see the module comment).
    fn verify(
        &self,
        chain: &[CertInfo],
        extra_intermediates: &[Vec<u8>],
    ) -> Result<(), CertificateError> {
        let Some(leaf) = chain.first() else {
            return Err(CertificateError::BadEncoding);
        };
        let end_entity = CertificateDer::from(leaf.der.as_slice());
        let intermediates: Vec<CertificateDer<'_>> = chain[1..]
            .iter()
            .map(|c| CertificateDer::from(c.der.as_slice()))
            .chain(
                extra_intermediates
                    .iter()
                    .map(|d| CertificateDer::from(d.as_slice())),
            )
            .collect();
        let start = chain.iter().map(|c| c.not_before).max().unwrap_or(0);
        let end = chain.iter().map(|c| c.not_after).min().unwrap_or(0);
        let moment = if start <= end {
            start + (end - start) / 2
        } else {
            leaf.not_before + (leaf.not_after - leaf.not_before) / 2
        };
        let name = leaf
            .dns_names
            .iter()
            .find_map(|n| ServerName::try_from(n.replace("*.", "wildcard.")).ok())
            .or_else(|| {
                leaf.ip_names
                    .first()
                    .map(|ip| ServerName::IpAddress((*ip).into()))
            })
            .unwrap_or_else(|| ServerName::try_from("name.invalid").expect("valid name"));
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(moment.max(0) as u64));
        match self
            .verifier
            .verify_server_cert(&end_entity, &intermediates, &name, &[], now)
        {
            Ok(_) => Ok(()),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(()),
            Err(rustls::Error::InvalidCertificate(error)) => Err(error),
            Err(other) => Err(CertificateError::Other(rustls::OtherError(Arc::new(
                std::io::Error::other(describe::tls_error(&other)),
            )))),
        }
    }
}

/// The verdict on one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    Trusted,
    /// The leaf names itself as issuer and is not a trust anchor.
    SelfSigned,
    /// The server left out an intermediate that `found_at` supplied; with it the chain is trusted.
    Incomplete {
        missing: String,
        found_at: String,
    },
    /// No path to an anchor, for `reason`.
    Untrusted {
        reason: String,
    },
    /// The path fails only on validity dates, which tls.cert.expired and tls.cert.not_yet_valid
    /// judge: `reason` says why no moment could be found at which every certificate is valid.
    OutsideValidity {
        reason: String,
    },
}

/// Judges `chain`; `fetched` are intermediates obtained from the leaf's AIA caIssuers URLs (in
/// scope only), each with the URL it came from.
pub fn judge(anchors: &Anchors, chain: &[CertInfo], fetched: &[(String, Vec<u8>)]) -> Trust {
    match anchors.verify(chain, &[]) {
        Ok(()) => Trust::Trusted,
        // A self-issued leaf can only be trusted as an anchor itself; whatever webpki objects to
        // first (unknown issuer, a CA used as end entity), the root cause is that it signs itself.
        Err(_) if chain[0].self_issued => Trust::SelfSigned,
        Err(CertificateError::UnknownIssuer) => {
            let last = chain.last().expect("non-empty");
            for (url, der) in fetched {
                if anchors.verify(chain, std::slice::from_ref(der)).is_ok() {
                    return Trust::Incomplete {
                        missing: last.issuer.clone(),
                        found_at: url.clone(),
                    };
                }
            }
            Trust::Untrusted {
                reason: if last.self_issued {
                    format!(
                        "the root `{}` the server sent is not a trusted anchor",
                        last.subject
                    )
                } else {
                    format!(
                        "the issuer `{}` is neither sent by the server nor a trusted anchor{}",
                        last.issuer,
                        if last.ca_issuer_urls.is_empty() {
                            " (no AIA caIssuers URL to look it up)"
                        } else {
                            " (its AIA caIssuers URL gave nothing that completes the chain)"
                        }
                    )
                },
            }
        }
        Err(
            error @ (CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. }),
        ) => Trust::OutsideValidity {
            reason: disjoint_validity(chain).unwrap_or_else(|| describe::certificate_error(&error)),
        },
        Err(other) => Trust::Untrusted {
            reason: format!(
                "path validation failed: {}",
                describe::certificate_error(&other)
            ),
        },
    }
}

/// Two certificates of `chain` that are never valid at the same moment, in words.
fn disjoint_validity(chain: &[CertInfo]) -> Option<String> {
    let (ended, _) = chain.iter().enumerate().min_by_key(|(_, c)| c.not_after)?;
    let (started, _) = chain.iter().enumerate().max_by_key(|(_, c)| c.not_before)?;
    let (ended_cert, started_cert) = (&chain[ended], &chain[started]);
    (started_cert.not_before > ended_cert.not_after).then(|| {
        format!(
            "no moment exists at which every certificate of the chain is valid: #{ended} (`{}`) \
             expired {} before #{started} (`{}`) became valid {}",
            ended_cert.subject,
            format_time(ended_cert.not_after),
            started_cert.subject,
            format_time(started_cert.not_before)
        )
    })
}

/// The certificates of a PEM or DER body fetched from an AIA URL.
pub fn certificates_in(body: &[u8]) -> Vec<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    let pem: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(body)
        .filter_map(Result::ok)
        .map(|c| c.to_vec())
        .collect();
    if pem.is_empty() && body.first() == Some(&0x30) {
        vec![body.to_vec()]
    } else {
        pem
    }
}
