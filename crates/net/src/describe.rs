//! rustls and webpki errors, and times, in words. Their `Display` falls back to `Debug` for most variants
//! (`NotValidYetContext { time: UnixTime(..) }`), which must never reach a report: every message
//! built from one of their errors goes through this module.

use rustls::{AlertDescription, CertificateError};

/// A rustls error, for a report.
pub fn tls_error(error: &rustls::Error) -> String {
    use rustls::Error;
    match error {
        Error::AlertReceived(description) => {
            format!("the server sent alert {}", alert(*description))
        }
        Error::InvalidCertificate(error) => {
            format!("the certificate was rejected: {}", certificate_error(error))
        }
        Error::PeerIncompatible(rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13) => {
            "the server answered with a version older than TLS 1.2".into()
        }
        Error::PeerIncompatible(
            rustls::PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig,
        ) => "the server chose a TLS version this handshake did not offer".into(),
        Error::PeerIncompatible(why) => {
            format!(
                "the server is incompatible: {}",
                identifier_words(&format!("{why:?}"))
            )
        }
        Error::PeerMisbehaved(why) => {
            format!(
                "the server broke the protocol: {}",
                identifier_words(&format!("{why:?}"))
            )
        }
        Error::InvalidMessage(why) => format!(
            "the server sent a malformed message: {}",
            identifier_words(&format!("{why:?}"))
        ),
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            "the server sent a message the handshake did not expect at that point".into()
        }
        Error::NoCertificatesPresented => "the server presented no certificate".into(),
        Error::DecryptError => "a message from the server could not be decrypted".into(),
        Error::PeerSentOversizedRecord => "the server sent a record larger than allowed".into(),
        Error::General(text) => text.clone(),
        Error::Other(other) => identifier_words(&other.to_string()),
        other => identifier_words(&format!("{other:?}")),
    }
}

/// Any error of a chain of sources, with a rustls error (bare or inside I/O errors, as reqwest
/// and tokio-rustls pass it on) in words.
pub fn any_error(error: &(dyn std::error::Error + 'static)) -> String {
    match rustls_inside(error) {
        Some(tls) => tls_error(tls),
        None => error.to_string(),
    }
}

/// The rustls error `error` is, or that (nested) I/O errors wrap (their `source` skips it).
pub fn rustls_inside<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    rustls_inside(inner)
}

/// A TLS alert: its RFC 8446 name and number.
pub fn alert(description: AlertDescription) -> String {
    let number = u8::from(description);
    match description.as_str() {
        Some(name) => format!("{} ({number})", snake_case(name)),
        None => format!("number {number}"),
    }
}

/// Why a certificate (chain) was rejected.
pub fn certificate_error(error: &CertificateError) -> String {
    let time = |t: &rustls::pki_types::UnixTime| format_time(t.as_secs() as i64);
    match error {
        CertificateError::BadEncoding => "a certificate is not valid DER".into(),
        CertificateError::Expired => "a certificate has expired".into(),
        CertificateError::ExpiredContext {
            time: at,
            not_after,
        } => format!(
            "a certificate of the path expired {} (checked at {})",
            time(not_after),
            time(at)
        ),
        CertificateError::NotValidYet => "a certificate is not valid yet".into(),
        CertificateError::NotValidYetContext {
            time: at,
            not_before,
        } => format!(
            "a certificate of the path is valid only from {} (checked at {})",
            time(not_before),
            time(at)
        ),
        CertificateError::Revoked => "a certificate is revoked".into(),
        CertificateError::UnhandledCriticalExtension => {
            "a certificate has a critical extension the verifier does not know".into()
        }
        CertificateError::UnknownIssuer => "no trusted issuer was found".into(),
        CertificateError::UnknownRevocationStatus => "the revocation status is unknown".into(),
        CertificateError::ExpiredRevocationList
        | CertificateError::ExpiredRevocationListContext { .. } => {
            "the revocation list has expired".into()
        }
        CertificateError::BadSignature => {
            "a certificate's signature does not verify with its issuer's key".into()
        }
        CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "a certificate is signed with an algorithm the verifier does not accept".into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "the certificate is not valid for the hostname".into()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "a certificate is not allowed for TLS server authentication (extended key usage)".into()
        }
        CertificateError::InvalidOcspResponse => "the stapled OCSP response is invalid".into(),
        CertificateError::ApplicationVerificationFailure => {
            "the certificate was rejected by the application".into()
        }
        CertificateError::Other(other) => identifier_words(&other.to_string()),
        other => identifier_words(&format!("{other:?}")),
    }
}

/// `CaUsedAsEndEntity` → `ca used as end entity`: the leading identifier of a `Debug` rendering
/// in words, without the fields that follow it. Text that is already words is kept as it is.
fn identifier_words(text: &str) -> String {
    let identifier: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let rest = &text[identifier.len()..];
    let debug_shaped =
        rest.is_empty() || rest.starts_with('(') || rest.starts_with('{') || rest.starts_with(" {");
    if !debug_shaped || !identifier.chars().any(|c| c.is_ascii_uppercase()) {
        return text.to_owned();
    }
    snake_case(&identifier).replace('_', " ")
}

/// `HandshakeFailure` → `handshake_failure`.
fn snake_case(identifier: &str) -> String {
    let mut out = String::with_capacity(identifier.len() + 4);
    let chars: Vec<char> = identifier.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_ascii_uppercase()
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())
                    && chars[i - 1].is_ascii_uppercase());
        if boundary && !out.ends_with('_') {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (no calendar crate needed for UTC).
pub fn format_time(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let seconds = unix.rem_euclid(86_400);
    // Civil-from-days, Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::UnixTime;

    use super::*;

    #[test]
    fn errors_are_rendered_in_words() {
        let not_yet = CertificateError::NotValidYetContext {
            time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_700_000_000)),
            not_before: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000)),
        };
        let text = certificate_error(&not_yet);
        assert!(
            !text.contains("Context") && !text.contains("UnixTime"),
            "{text}"
        );
        assert!(text.contains("2027-01-15"), "{text}");
        assert_eq!(
            alert(AlertDescription::HandshakeFailure),
            "handshake_failure (40)"
        );
        assert_eq!(alert(AlertDescription::Unknown(200)), "number 200");
        let misbehaved = tls_error(&rustls::Error::PeerMisbehaved(
            rustls::PeerMisbehaved::SelectedUnofferedCipherSuite,
        ));
        assert_eq!(
            misbehaved,
            "the server broke the protocol: selected unoffered cipher suite"
        );
        let incompatible = tls_error(&rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::NoCipherSuitesInCommon,
        ));
        assert!(
            incompatible.ends_with("no cipher suites in common"),
            "{incompatible}"
        );
        let other = tls_error(&rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(std::sync::Arc::new(std::io::Error::other(
                "NameConstraintViolation",
            ))),
        )));
        assert!(other.ends_with("name constraint violation"), "{other}");
        assert_eq!(identifier_words("Unknown(0x1234)"), "unknown");
        assert_eq!(identifier_words("a sentence, kept"), "a sentence, kept");
        assert_eq!(snake_case("TLS13Foo"), "tls13_foo");
        // As reqwest reports it: an I/O error wrapping tokio-rustls's I/O error.
        let wrapped = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::ProtocolVersion),
        ));
        assert_eq!(
            any_error(&wrapped),
            "the server sent alert protocol_version (70)"
        );
    }
}
