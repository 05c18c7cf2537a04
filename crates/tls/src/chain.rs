//! What a presented certificate chain says, read with x509-parser: the facts every `tls.cert.*`
//! check judges, and the evidence each finding carries.

use std::net::IpAddr;

pub use launchguard_net::describe::format_time;

use launchguard_core::EvidenceValue;
use sha2::{Digest, Sha256};
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

const OID_SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";
const OID_OCSP: &str = "1.3.6.1.5.5.7.48.1";
const OID_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// One certificate of a chain, as the checks need it.
#[derive(Debug, Clone)]
pub struct CertInfo {
    pub der: Vec<u8>,
    pub sha256: String,
    pub subject: String,
    pub issuer: String,
    /// Subject and issuer are the same name: a root or a self-signed certificate.
    pub self_issued: bool,
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    pub dns_names: Vec<String>,
    pub ip_names: Vec<IpAddr>,
    pub not_before: i64,
    pub not_after: i64,
    pub key: KeyInfo,
    /// The signature algorithm's name (or OID when unknown).
    pub signature: String,
    /// `SHA-1` or `MD5` when the signature rests on a broken hash.
    pub weak_hash: Option<&'static str>,
    pub serial: String,
    pub crl_urls: Vec<String>,
    pub ocsp_urls: Vec<String>,
    pub ca_issuer_urls: Vec<String>,
    /// Embedded SCTs; `None` without the extension.
    pub sct_count: Option<usize>,
}

/// The subject public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub algorithm: &'static str,
    pub bits: u32,
    pub curve: Option<String>,
}

impl KeyInfo {
    pub fn describe(&self) -> String {
        match &self.curve {
            Some(curve) => format!("{} {curve} ({} bits)", self.algorithm, self.bits),
            None => format!("{} {} bits", self.algorithm, self.bits),
        }
    }

    /// Why this key is too small, if it is: RSA/DSA under 2048 bits, elliptic curves under 256.
    pub fn weakness(&self) -> Option<String> {
        match self.algorithm {
            "RSA" | "DSA" if self.bits < 2048 => Some(format!(
                "{} key of {} bits (minimum 2048)",
                self.algorithm, self.bits
            )),
            "EC" if self.bits < 256 => Some(format!("EC key of {} bits (minimum 256)", self.bits)),
            _ => None,
        }
    }
}

/// Why bytes presented as a certificate could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateParseError {
    #[error("not a valid X.509 certificate: {0}")]
    NotX509(String),
    #[error("{0} bytes of garbage after the certificate")]
    TrailingBytes(usize),
}

impl CertInfo {
    /// Parses one DER certificate; the error says what is wrong in words.
    pub fn parse(der: &[u8]) -> Result<CertInfo, CertificateParseError> {
        let (rest, cert) = X509Certificate::from_der(der)
            .map_err(|e| CertificateParseError::NotX509(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertificateParseError::TrailingBytes(rest.len()));
        }
        let mut info = CertInfo {
            der: der.to_vec(),
            sha256: hex::encode(Sha256::digest(der)),
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
            subject_raw: cert.subject().as_raw().to_vec(),
            issuer_raw: cert.issuer().as_raw().to_vec(),
            dns_names: Vec::new(),
            ip_names: Vec::new(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            key: key_info(&cert),
            signature: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
            weak_hash: weak_hash(&cert.signature_algorithm.algorithm.to_id_string()),
            serial: cert.raw_serial_as_string(),
            crl_urls: Vec::new(),
            ocsp_urls: Vec::new(),
            ca_issuer_urls: Vec::new(),
            sct_count: None,
        };
        for extension in cert.extensions() {
            match extension.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        match name {
                            GeneralName::DNSName(dns) => {
                                info.dns_names.push(dns.to_ascii_lowercase())
                            }
                            GeneralName::IPAddress(bytes) => {
                                if let Some(ip) = ip_from_bytes(bytes) {
                                    info.ip_names.push(ip);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                ParsedExtension::CRLDistributionPoints(points) => {
                    for point in &points.points {
                        if let Some(DistributionPointName::FullName(names)) =
                            &point.distribution_point
                        {
                            info.crl_urls.extend(names.iter().filter_map(uri));
                        }
                    }
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for access in &aia.accessdescs {
                        let Some(url) = uri(&access.access_location) else {
                            continue;
                        };
                        match access.access_method.to_id_string().as_str() {
                            OID_OCSP => info.ocsp_urls.push(url),
                            OID_CA_ISSUERS => info.ca_issuer_urls.push(url),
                            _ => {}
                        }
                    }
                }
                ParsedExtension::SCT(list) => info.sct_count = Some(list.len()),
                _ if extension.oid.to_id_string() == OID_SCT_LIST => {
                    // Present but unparseable: still "has SCTs" as far as presence goes.
                    info.sct_count = Some(info.sct_count.unwrap_or(0));
                }
                _ => {}
            }
        }
        Ok(info)
    }

    /// Whether `issuer` signed this certificate, by name.
    pub fn issued_by(&self, issuer: &CertInfo) -> bool {
        self.issuer_raw == issuer.subject_raw
    }

    pub fn lifetime_days(&self) -> i64 {
        (self.not_after - self.not_before) / 86_400
    }

    /// Whether the certificate names `host` (a DNS name or an IP address); the CN is ignored, as
    /// browsers do.
    pub fn covers(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return self.ip_names.contains(&ip);
        }
        self.dns_names.iter().any(|name| name_matches(name, &host))
    }

    /// One line of evidence for this certificate.
    pub fn summary(&self) -> String {
        format!(
            "subject={}; issuer={}; sans=[{}]; not_before={}; not_after={}; key={}; signature={}; serial={}; sha256={}",
            self.subject,
            self.issuer,
            self.dns_names
                .iter()
                .cloned()
                .chain(self.ip_names.iter().map(|ip| ip.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
            format_time(self.not_before),
            format_time(self.not_after),
            self.key.describe(),
            self.signature,
            self.serial,
            self.sha256,
        )
    }
}

/// The chain as evidence: one line per certificate, in the order the server sent them.
pub fn chain_evidence(chain: &[CertInfo]) -> EvidenceValue {
    EvidenceValue::List(
        chain
            .iter()
            .enumerate()
            .map(|(i, cert)| EvidenceValue::Text(format!("#{i} {}", cert.summary())))
            .collect(),
    )
}

/// A SAN entry matches the host exactly, or as a wildcard covering exactly one leftmost label.
fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.');
    match pattern.strip_prefix("*.") {
        Some(base) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == base),
        None => pattern == host,
    }
}

fn uri(name: &GeneralName<'_>) -> Option<String> {
    match name {
        GeneralName::URI(uri) => Some((*uri).to_owned()),
        _ => None,
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
    let spki = cert.public_key();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| oid.to_id_string());
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => KeyInfo {
            algorithm: "RSA",
            bits: significant_bits(rsa.modulus),
            curve: None,
        },
        Ok(PublicKey::EC(point)) => {
            let (name, bits) = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => ("P-256".to_owned(), 256),
                Some("1.3.132.0.34") => ("P-384".to_owned(), 384),
                Some("1.3.132.0.35") => ("P-521".to_owned(), 521),
                Some("1.3.132.0.33") => ("P-224".to_owned(), 224),
                Some("1.2.840.10045.3.1.1") => ("P-192".to_owned(), 192),
                other => (
                    other.unwrap_or("unknown curve").to_owned(),
                    point.key_size() as u32,
                ),
            };
            KeyInfo {
                algorithm: "EC",
                bits,
                curve: Some(name),
            }
        }
        Ok(PublicKey::DSA(y)) => KeyInfo {
            algorithm: "DSA",
            bits: significant_bits(y),
            curve: None,
        },
        _ => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => KeyInfo {
                algorithm: "Ed25519",
                bits: 256,
                curve: None,
            },
            "1.3.101.113" => KeyInfo {
                algorithm: "Ed448",
                bits: 456,
                curve: None,
            },
            _ => KeyInfo {
                algorithm: "unknown",
                bits: 0,
                curve: None,
            },
        },
    }
}

/// Bit length of a big-endian unsigned integer (x509-parser's own count is off for moduli
/// without a leading zero byte).
fn significant_bits(bytes: &[u8]) -> u32 {
    let trimmed: &[u8] = match bytes.iter().position(|&b| b != 0) {
        Some(first) => &bytes[first..],
        None => return 0,
    };
    (trimmed.len() as u32 - 1) * 8 + (8 - trimmed[0].leading_zeros())
}

fn signature_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "1.3.101.112" => "Ed25519",
        _ => return oid.to_owned(),
    };
    name.to_owned()
}

fn weak_hash(oid: &str) -> Option<&'static str> {
    match oid {
        "1.2.840.113549.1.1.4" | "1.2.840.113549.1.1.2" => Some("MD5"),
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => Some("SHA-1"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label_only() {
        assert!(name_matches("*.example.com", "a.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(name_matches("example.com", "example.com"));
        assert!(!name_matches("example.com", "www.example.com"));
    }

    #[test]
    fn bit_lengths_and_times() {
        assert_eq!(significant_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(significant_bits(&[0x01, 0xff]), 9);
        assert_eq!(significant_bits(&[]), 0);
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_709_251_199), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(CertInfo::parse(b"not a certificate").is_err());
        assert!(CertInfo::parse(&[0x30, 0x82, 0xff, 0xff]).is_err());
    }

    #[test]
    fn a_lab_certificate_is_read_in_full() {
        let root = launchguard_lab::tls::Authority::root("facts root");
        let mut spec = launchguard_lab::tls::LeafSpec::for_names(&["example.com", "*.example.com"]);
        spec.ca_issuers_url = Some("http://127.0.0.1:9/ca.der".into());
        spec.key = launchguard_lab::tls::LeafKey::Rsa2048;
        let leaf = CertInfo::parse(&root.issue(&spec).cert).unwrap();
        assert_eq!(leaf.dns_names, ["example.com", "*.example.com"]);
        assert_eq!(
            leaf.key,
            KeyInfo {
                algorithm: "RSA",
                bits: 2048,
                curve: None
            }
        );
        assert_eq!(leaf.signature, "ecdsa-with-SHA256");
        assert_eq!(leaf.ca_issuer_urls, ["http://127.0.0.1:9/ca.der"]);
        assert_eq!(leaf.crl_urls.len(), 1);
        assert_eq!(leaf.sct_count, Some(1));
        assert_eq!(leaf.lifetime_days(), 90);
        assert!(!leaf.self_issued);
        let root = CertInfo::parse(&root.cert).unwrap();
        assert!(root.self_issued);
        assert_eq!(root.key.curve.as_deref(), Some("P-256"));
        assert!(leaf.issued_by(&root));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, ..Default::default() })]

        /// Malformed certificates: a real one with bytes flipped, cut short or extended.
        #[test]
        fn mangled_certificates_never_panic(
            flips in proptest::collection::vec((0usize..2048, proptest::prelude::any::<u8>()), 1..8),
            cut in 0usize..2048,
        ) {
            use std::sync::OnceLock;
            static DER: OnceLock<Vec<u8>> = OnceLock::new();
            let der = DER.get_or_init(|| {
                let root = launchguard_lab::tls::Authority::root("fuzz root");
                root.issue(&launchguard_lab::tls::LeafSpec::for_names(&["example.com"])).cert.to_vec()
            });
            let mut bytes = der.clone();
            for (at, value) in flips {
                let i = at % bytes.len();
                bytes[i] ^= value;
            }
            let _ = CertInfo::parse(&bytes);
            let _ = CertInfo::parse(&bytes[..cut.min(bytes.len())]);
        }
    }
}
