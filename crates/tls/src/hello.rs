//! The raw ClientHello probe: one hand-built ClientHello per connection, judged by the first
//! handshake message or alert that comes back. rustls cannot speak SSLv3, TLS 1.0/1.1 or weak
//! suites, so this is how launchguard learns what a server *accepts* without OpenSSL.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const SSL3: u16 = 0x0300;
pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;
pub const TLS13: u16 = 0x0304;

/// Handshake bytes read before giving up on finding a ServerHello (a hostile or broken peer).
const MAX_HANDSHAKE_BYTES: usize = 64 * 1024;

pub fn version_name(version: u16) -> String {
    match version {
        SSL3 => "SSLv3".into(),
        TLS10 => "TLS 1.0".into(),
        TLS11 => "TLS 1.1".into(),
        TLS12 => "TLS 1.2".into(),
        TLS13 => "TLS 1.3".into(),
        other => format!("0x{other:04X}"),
    }
}

/// Builds one ClientHello record offering `version` and `suites`, with SNI when `sni` is a name.
/// Never sends `supported_versions`: a TLS 1.3 server must then answer at the offered version
/// or refuse.
pub fn client_hello(version: u16, suites: &[u16], sni: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(512);
    body.extend_from_slice(&version.to_be_bytes());
    body.extend_from_slice(&random);
    body.push(32);
    body.extend_from_slice(&random);
    let mut offered: Vec<u16> = suites.to_vec();
    // EMPTY_RENEGOTIATION_INFO_SCSV: some servers refuse a hello without secure renegotiation.
    offered.push(0x00FF);
    push_u16(&mut body, (offered.len() * 2) as u16);
    for suite in offered {
        push_u16(&mut body, suite);
    }
    body.extend_from_slice(&[1, 0]);
    if version > SSL3 {
        let mut extensions = Vec::new();
        if let Some(name) = sni {
            let name = name.as_bytes();
            let mut server_name = Vec::new();
            push_u16(&mut server_name, (name.len() + 3) as u16);
            server_name.push(0);
            push_u16(&mut server_name, name.len() as u16);
            server_name.extend_from_slice(name);
            push_extension(&mut extensions, 0x0000, &server_name);
        }
        // supported_groups: x25519, P-256, P-384, P-521, ffdhe2048.
        push_extension(
            &mut extensions,
            0x000A,
            &[0, 10, 0, 29, 0, 23, 0, 24, 0, 25, 1, 0],
        );
        push_extension(&mut extensions, 0x000B, &[1, 0]);
        // signature_algorithms: ECDSA and RSA (PKCS#1 and PSS) with SHA-256/384/512, then SHA-1.
        let schemes: [u16; 11] = [
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0203,
        ];
        let mut algorithms = Vec::new();
        push_u16(&mut algorithms, (schemes.len() * 2) as u16);
        for scheme in schemes {
            push_u16(&mut algorithms, scheme);
        }
        push_extension(&mut extensions, 0x000D, &algorithms);
        push_extension(&mut extensions, 0xFF01, &[0]);
        push_u16(&mut body, extensions.len() as u16);
        body.extend_from_slice(&extensions);
    }
    let mut handshake = vec![1];
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16];
    push_u16(&mut record, if version == SSL3 { SSL3 } else { TLS10 });
    push_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

fn push_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

fn push_extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    push_u16(out, kind);
    push_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

/// The server's first answer to one ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A ServerHello: the version, suite and compression method the server chose.
    ServerHello {
        version: u16,
        suite: u16,
        compression: u8,
    },
    /// A TLS alert (level, description).
    Alert { level: u8, description: u8 },
    /// Not TLS, or TLS that makes no sense as an answer.
    Malformed(String),
}

/// What [`parse_reply`] needs: more bytes, or a verdict.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    NeedMore,
    Done(Reply),
}

/// Judges the bytes received so far. Handshake messages may span records; only the first
/// handshake message (which must be a ServerHello) or the first alert matters.
pub fn parse_reply(bytes: &[u8]) -> Parsed {
    let mut handshake = Vec::new();
    let mut rest = bytes;
    loop {
        if rest.len() < 5 {
            return Parsed::NeedMore;
        }
        let (content_type, major, length) =
            (rest[0], rest[1], u16::from_be_bytes([rest[3], rest[4]]));
        if !matches!(content_type, 0x15 | 0x16) || major != 3 {
            return Parsed::Done(Reply::Malformed(format!(
                "the answer is not a TLS record (first bytes {:02x} {:02x} {:02x})",
                rest[0], rest[1], rest[2]
            )));
        }
        if length == 0 || length > 18_432 {
            return Parsed::Done(Reply::Malformed(format!(
                "a TLS record of impossible length {length}"
            )));
        }
        let Some(fragment) = rest.get(5..5 + usize::from(length)) else {
            return Parsed::NeedMore;
        };
        if content_type == 0x15 {
            return match fragment {
                [level, description, ..] if handshake.is_empty() => Parsed::Done(Reply::Alert {
                    level: *level,
                    description: *description,
                }),
                _ => Parsed::Done(Reply::Malformed("a truncated alert".into())),
            };
        }
        handshake.extend_from_slice(fragment);
        if let Some(done) = parse_server_hello(&handshake) {
            return Parsed::Done(done);
        }
        if handshake.len() > MAX_HANDSHAKE_BYTES {
            return Parsed::Done(Reply::Malformed(
                "no ServerHello in the first 64 KiB".into(),
            ));
        }
        rest = &rest[5 + usize::from(length)..];
    }
}

/// `None` while the first handshake message is incomplete.
fn parse_server_hello(handshake: &[u8]) -> Option<Reply> {
    let (&kind, rest) = handshake.split_first()?;
    if kind != 2 {
        return Some(Reply::Malformed(format!(
            "the first handshake message is type {kind}, not a ServerHello"
        )));
    }
    let length = u24(rest)?;
    let body = rest.get(3..3 + length)?;
    let malformed = || {
        Some(Reply::Malformed(
            "a ServerHello too short to hold its fields".into(),
        ))
    };
    if body.len() < 2 + 32 + 1 {
        return malformed();
    }
    let version = u16::from_be_bytes([body[0], body[1]]);
    let session_len = usize::from(body[34]);
    let Some(&[suite_high, suite_low, compression]) = body.get(35 + session_len..38 + session_len)
    else {
        return malformed();
    };
    Some(Reply::ServerHello {
        version,
        suite: u16::from_be_bytes([suite_high, suite_low]),
        compression,
    })
}

/// The 24-bit big-endian length at the start of `bytes` (handshake messages and certificate
/// lists use them).
fn u24(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [a, b, c, ..] => Some(u32::from_be_bytes([0, *a, *b, *c]) as usize),
        _ => None,
    }
}

/// A connection to `addr` and the ClientHello to send on it.
/// A ClientHello for `version` offering `suites`, with fresh random bytes.
fn hello_bytes(version: u16, suites: &[u16], sni: Option<&str>) -> Result<Vec<u8>, String> {
    let mut random = [0u8; 32];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut random)
        .map_err(|_| "no random bytes for the ClientHello".to_owned())?;
    Ok(client_hello(version, suites, sni, random))
}

/// The verdict of one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The server answered with a ServerHello at the offered version, choosing an offered suite.
    Accepted { suite: u16 },
    /// The server refused the offered version but chose an older one (TLS 1.2 and earlier
    /// negotiate down): that older version and the suite are accepted.
    Older { version: u16, suite: u16 },
    /// The server refused: an alert or a closed connection.
    Refused(String),
    /// No judgement possible: timeout, connect failure, garbage, or a ServerHello that breaks
    /// the protocol (choosing what was never offered), which proves nothing.
    Inconclusive(String),
}

/// Sends one ClientHello to `addr` and judges the answer.
pub async fn probe(
    mut stream: TcpStream,
    sni: Option<&str>,
    version: u16,
    suites: &[u16],
    read_timeout: Duration,
) -> Probe {
    let hello = match hello_bytes(version, suites, sni) {
        Ok(hello) => hello,
        Err(reason) => return Probe::Inconclusive(reason),
    };
    let exchange = async {
        stream.write_all(&hello).await?;
        let mut received = Vec::with_capacity(4096);
        let mut buffer = [0u8; 4096];
        loop {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>((received, true));
            }
            received.extend_from_slice(&buffer[..n]);
            if parse_reply(&received) != Parsed::NeedMore {
                return Ok((received, false));
            }
        }
    };
    match tokio::time::timeout(read_timeout, exchange).await {
        Err(_) => Probe::Inconclusive(format!("no answer within {} ms", read_timeout.as_millis())),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Probe::Refused("the server reset the connection".into())
        }
        Ok(Err(e)) => Probe::Inconclusive(format!("reading the answer failed: {e}")),
        Ok(Ok((received, closed))) => judge(version, suites, &received, closed),
    }
}

/// Most bytes read while waiting for a legacy server's Certificate message.
const MAX_CHAIN_BYTES: usize = 256 * 1024;

/// The handshake bytes of the complete records at the start of `bytes`, or why there are none
/// (an alert or a record that is not TLS).
fn handshake_stream(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut handshake = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 5 {
        let length = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let Some(fragment) = rest.get(5..5 + length) else {
            break;
        };
        match rest[0] {
            0x16 => handshake.extend_from_slice(fragment),
            0x15 => return Err("the server sent an alert instead of its certificate".into()),
            other => return Err(format!("a record of type {other} before the certificate")),
        }
        rest = &rest[5 + length..];
    }
    Ok(handshake)
}

/// Why no certificate chain could be read from a clear-text handshake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateMessageError {
    #[error("the first handshake message is type {0}, not a ServerHello")]
    NotServerHello(u8),
    #[error("the server sent handshake message {0} and no certificate")]
    NoCertificate(u8),
    #[error("a malformed Certificate message")]
    Malformed,
    #[error("the Certificate message is empty")]
    Empty,
}

/// The DER certificates of the Certificate message that follows the ServerHello; `None` until
/// the message is complete.
pub fn certificates_after_hello(
    handshake: &[u8],
) -> Option<Result<Vec<Vec<u8>>, CertificateMessageError>> {
    let mut rest = handshake;
    let mut first = true;
    loop {
        let (&kind, header) = rest.split_first()?;
        let length = u24(header)?;
        let body = header.get(3..3 + length)?;
        match (first, kind) {
            (true, 2) => {}
            (true, other) => {
                return Some(Err(CertificateMessageError::NotServerHello(other)));
            }
            (false, 11) => return Some(parse_certificate_list(body)),
            (false, other) => {
                return Some(Err(CertificateMessageError::NoCertificate(other)));
            }
        }
        first = false;
        rest = &header[3 + length..];
    }
}

fn parse_certificate_list(body: &[u8]) -> Result<Vec<Vec<u8>>, CertificateMessageError> {
    let malformed = || CertificateMessageError::Malformed;
    let total = u24(body).ok_or_else(malformed)?;
    let mut list = body.get(3..3 + total).ok_or_else(malformed)?;
    let mut certificates = Vec::new();
    while !list.is_empty() {
        let length = u24(list).ok_or_else(malformed)?;
        certificates.push(list.get(3..3 + length).ok_or_else(malformed)?.to_vec());
        list = &list[3 + length..];
    }
    if certificates.is_empty() {
        return Err(CertificateMessageError::Empty);
    }
    Ok(certificates)
}

/// Reads the certificate chain a server sends in clear text after a ServerHello at `version`
/// (TLS 1.2 and earlier): the chain of a server that rustls cannot complete a handshake with.
pub async fn capture_chain(
    mut stream: TcpStream,
    sni: Option<&str>,
    version: u16,
    suites: &[u16],
    read_timeout: Duration,
) -> Result<Vec<Vec<u8>>, String> {
    let hello = hello_bytes(version, suites, sni)?;
    let exchange = async {
        stream.write_all(&hello).await.map_err(|e| e.to_string())?;
        let mut received = Vec::with_capacity(16 * 1024);
        let mut buffer = [0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut buffer).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server closed the connection before its certificate".to_owned());
            }
            received.extend_from_slice(&buffer[..n]);
            if let Some(result) = certificates_after_hello(&handshake_stream(&received)?) {
                return result.map_err(|e| e.to_string());
            }
            if received.len() > MAX_CHAIN_BYTES {
                return Err("no complete certificate in the first 256 KiB".to_owned());
            }
        }
    };
    tokio::time::timeout(read_timeout, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no certificate within {} ms",
                read_timeout.as_millis()
            ))
        })
}

/// Judges the answer to a ClientHello offering `offered` (the highest version; TLS 1.2 and
/// earlier implicitly offer every lower version down to SSLv3) with `suites` and only the null
/// compression method.
fn judge(offered: u16, suites: &[u16], received: &[u8], closed: bool) -> Probe {
    match parse_reply(received) {
        Parsed::NeedMore if received.is_empty() && closed => {
            Probe::Refused("the server closed the connection without answering".into())
        }
        Parsed::NeedMore => Probe::Inconclusive(format!(
            "the connection closed after {} bytes, in the middle of a TLS record",
            received.len()
        )),
        Parsed::Done(Reply::Alert {
            description: 112, ..
        }) => Probe::Inconclusive(
            "the server does not know this hostname (alert unrecognized_name)".into(),
        ),
        Parsed::Done(Reply::Alert { description, .. }) => Probe::Refused(format!(
            "alert {}",
            launchguard_net::describe::alert(rustls::AlertDescription::from(description))
        )),
        Parsed::Done(Reply::ServerHello {
            version,
            suite,
            compression,
        }) => {
            if !(SSL3..=offered).contains(&version) {
                Probe::Inconclusive(format!(
                    "protocol violation: the server answered {} to a {} ClientHello, a version it \
                     was not offered",
                    version_name(version),
                    version_name(offered)
                ))
            } else if !suites.contains(&suite) {
                Probe::Inconclusive(format!(
                    "protocol violation: the server chose {}, a suite the ClientHello did not offer",
                    crate::suites::name(suite)
                ))
            } else if compression != 0 {
                Probe::Inconclusive(format!(
                    "protocol violation: the server chose compression method {compression}, which \
                     the ClientHello did not offer (it offers only null compression)"
                ))
            } else if version == offered {
                Probe::Accepted { suite }
            } else {
                Probe::Older { version, suite }
            }
        }
        Parsed::Done(Reply::Malformed(reason)) => Probe::Inconclusive(reason),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn server_hello_record(version: u16, suite: u16, session: &[u8]) -> Vec<u8> {
        server_hello_compressed(version, suite, session, 0)
    }

    fn server_hello_compressed(
        version: u16,
        suite: u16,
        session: &[u8],
        compression: u8,
    ) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend_from_slice(&[7; 32]);
        body.push(session.len() as u8);
        body.extend_from_slice(session);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(compression);
        let mut handshake = vec![2];
        handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        handshake.extend_from_slice(&body);
        let mut record = vec![0x16, 3, 3];
        record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
        record.extend_from_slice(&handshake);
        record
    }

    #[test]
    fn client_hello_lengths_are_consistent() {
        let hello = client_hello(TLS12, &[0xC02F], Some("example.com"), [1; 32]);
        assert_eq!(hello[0], 0x16);
        assert_eq!(
            usize::from(u16::from_be_bytes([hello[3], hello[4]])),
            hello.len() - 5
        );
        let handshake_len = u32::from_be_bytes([0, hello[6], hello[7], hello[8]]) as usize;
        assert_eq!(handshake_len, hello.len() - 9);
        assert_eq!(&hello[9..11], &[3, 3]);
        assert!(hello.windows(11).any(|w| w == b"example.com"));
        let sslv3 = client_hello(SSL3, &[0x000A], Some("example.com"), [1; 32]);
        assert_eq!(&sslv3[1..3], &[3, 0]);
        assert!(
            !sslv3.windows(11).any(|w| w == b"example.com"),
            "SSLv3 has no extensions"
        );
    }

    #[test]
    fn a_server_hello_split_across_records_is_read() {
        let record = server_hello_record(TLS10, 0xC013, &[9; 32]);
        let fragment = &record[5..];
        let mut split = vec![0x16, 3, 1, 0, 10];
        split.extend_from_slice(&fragment[..10]);
        split.extend_from_slice(&[0x16, 3, 1]);
        split.extend_from_slice(&((fragment.len() - 10) as u16).to_be_bytes());
        split.extend_from_slice(&fragment[10..]);
        assert_eq!(parse_reply(&split[..20]), Parsed::NeedMore);
        assert_eq!(
            parse_reply(&split),
            Parsed::Done(Reply::ServerHello {
                version: TLS10,
                suite: 0xC013,
                compression: 0,
            })
        );
    }

    #[test]
    fn the_chain_after_a_server_hello_is_read() {
        let hello = server_hello_record(TLS10, 0x002F, &[]);
        let mut handshake = hello[5..].to_vec();
        assert_eq!(certificates_after_hello(&handshake), None);
        let certificates: [&[u8]; 2] = [b"leaf-der", b"intermediate-der"];
        let mut list = Vec::new();
        for der in certificates {
            list.extend_from_slice(&(der.len() as u32).to_be_bytes()[1..]);
            list.extend_from_slice(der);
        }
        let mut message = vec![11];
        message.extend_from_slice(&((list.len() + 3) as u32).to_be_bytes()[1..]);
        message.extend_from_slice(&(list.len() as u32).to_be_bytes()[1..]);
        message.extend_from_slice(&list);
        handshake.extend_from_slice(&message[..10]);
        assert_eq!(certificates_after_hello(&handshake), None, "incomplete");
        handshake.extend_from_slice(&message[10..]);
        assert_eq!(
            certificates_after_hello(&handshake),
            Some(Ok(vec![b"leaf-der".to_vec(), b"intermediate-der".to_vec()]))
        );
        let mut anonymous = hello[5..].to_vec();
        anonymous.extend_from_slice(&[12, 0, 0, 1, 0]);
        assert!(matches!(certificates_after_hello(&anonymous), Some(Err(_))));
    }

    #[test]
    fn judgements() {
        let offer = [0x002F, 0xC02F];
        let hello = server_hello_record(TLS12, 0x002F, &[]);
        assert_eq!(
            judge(TLS12, &offer, &hello, false),
            Probe::Accepted { suite: 0x002F }
        );
        assert!(matches!(
            judge(TLS11, &offer, &hello, false),
            Probe::Inconclusive(r) if r.contains("protocol violation") && r.contains("TLS 1.2")
        ));
        let older = server_hello_record(TLS10, 0x002F, &[]);
        assert_eq!(
            judge(TLS12, &offer, &older, false),
            Probe::Older {
                version: TLS10,
                suite: 0x002F
            }
        );
        let alert = [0x15, 3, 3, 0, 2, 2, 70];
        assert!(
            matches!(judge(TLS10, &offer, &alert, false), Probe::Refused(r) if r.contains("protocol_version"))
        );
        assert!(matches!(judge(TLS10, &offer, &[], true), Probe::Refused(_)));
        assert!(matches!(
            judge(TLS10, &offer, &hello[..12], true),
            Probe::Inconclusive(_)
        ));
        assert!(
            matches!(judge(TLS10, &offer, b"HTTP/1.1 400 Bad Request\r\n", true), Probe::Inconclusive(r) if r.contains("not a TLS record"))
        );
    }

    #[test]
    fn a_server_hello_choosing_what_was_not_offered_proves_nothing() {
        let offer = [0x002F, 0xC02F];
        let violation = |reply: &[u8], offered: u16| match judge(offered, &offer, reply, false) {
            Probe::Inconclusive(reason) => reason,
            other => panic!("{other:?}"),
        };
        let unoffered_suite = violation(&server_hello_record(TLS12, 0x0001, &[]), TLS12);
        assert!(
            unoffered_suite
                .contains("TLS_RSA_WITH_NULL_MD5, a suite the ClientHello did not offer"),
            "{unoffered_suite}"
        );
        let scsv = violation(&server_hello_record(TLS12, 0x00FF, &[]), TLS12);
        assert!(scsv.contains("did not offer"), "{scsv}");
        let below_ssl3 = violation(&server_hello_record(0x0200, 0x002F, &[]), TLS12);
        assert!(below_ssl3.contains("0x0200"), "{below_ssl3}");
        let tls13 = violation(&server_hello_record(0x0304, 0x002F, &[]), TLS12);
        assert!(
            tls13.contains("TLS 1.3 to a TLS 1.2 ClientHello"),
            "{tls13}"
        );
        let deflate = violation(&server_hello_compressed(TLS12, 0x002F, &[], 1), TLS12);
        assert!(deflate.contains("compression method 1"), "{deflate}");
        let short = server_hello_record(TLS12, 0x002F, &[]);
        let mut no_compression = short[..short.len() - 1].to_vec();
        no_compression[4] -= 1;
        no_compression[8] -= 1;
        assert!(matches!(
            judge(TLS12, &offer, &no_compression, false),
            Probe::Inconclusive(r) if r.contains("too short")
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn the_reply_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_reply(&bytes);
        }

        #[test]
        fn the_reply_parser_never_panics_on_tls_shaped_input(
            content in prop_oneof![Just(0x15u8), Just(0x16u8)],
            length in 0u16..400,
            body in proptest::collection::vec(any::<u8>(), 0..400),
        ) {
            let mut bytes = vec![content, 3, 3];
            bytes.extend_from_slice(&length.to_be_bytes());
            bytes.extend_from_slice(&body);
            let _ = parse_reply(&bytes);
        }

        #[test]
        fn the_certificate_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = certificates_after_hello(&bytes);
            let _ = handshake_stream(&bytes);
        }

        #[test]
        fn server_hellos_round_trip(version in 0x0300u16..0x0304, suite in any::<u16>(),
                                    compression in any::<u8>(),
                                    session in proptest::collection::vec(any::<u8>(), 0..33)) {
            let record = server_hello_compressed(version, suite, &session, compression);
            prop_assert_eq!(
                parse_reply(&record),
                Parsed::Done(Reply::ServerHello { version, suite, compression })
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn a_suite_that_was_not_offered_is_never_accepted(
            offered in 0x0300u16..=0x0303,
            answered in 0x0300u16..=0x0303,
            offer in proptest::collection::vec(any::<u16>(), 1..40),
            chosen in any::<u16>(),
        ) {
            prop_assume!(answered <= offered && !offer.contains(&chosen));
            let probe = judge(offered, &offer, &server_hello_record(answered, chosen, &[]), false);
            prop_assert!(
                matches!(&probe, Probe::Inconclusive(r) if r.contains("did not offer")),
                "{:?}", probe
            );
        }

        #[test]
        fn a_version_that_was_not_offered_is_never_accepted(
            offered in 0x0300u16..=0x0303,
            answered in any::<u16>(),
            offer in proptest::collection::vec(any::<u16>(), 1..40),
            pick in any::<proptest::sample::Index>(),
        ) {
            prop_assume!(!(0x0300..=offered).contains(&answered));
            let suite = offer[pick.index(offer.len())];
            let probe = judge(offered, &offer, &server_hello_record(answered, suite, &[]), false);
            prop_assert!(
                matches!(&probe, Probe::Inconclusive(r) if r.contains("not offered")),
                "{:?}", probe
            );
        }

        #[test]
        fn an_offered_suite_at_an_offered_version_is_accepted(
            offered in 0x0300u16..=0x0303,
            answered in 0x0300u16..=0x0303,
            offer in proptest::collection::vec(any::<u16>(), 1..40),
            pick in any::<proptest::sample::Index>(),
            compression in 1u8..,
        ) {
            prop_assume!(answered <= offered);
            let suite = offer[pick.index(offer.len())];
            let expected = if answered == offered {
                Probe::Accepted { suite }
            } else {
                Probe::Older { version: answered, suite }
            };
            prop_assert_eq!(
                judge(offered, &offer, &server_hello_record(answered, suite, &[]), false),
                expected
            );
            let compressed = server_hello_compressed(answered, suite, &[], compression);
            let probe = judge(offered, &offer, &compressed, false);
            prop_assert!(
                matches!(&probe, Probe::Inconclusive(r) if r.contains("compression")),
                "{:?}", probe
            );
        }
    }
}
