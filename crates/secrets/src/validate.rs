//! Offline validators: they confirm a match is a real secret (checksums, decoding, entropy) and
//! may reclassify it (a Supabase JWT by role, a Stripe test key, an expired token).

use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use launchguard_core::Severity;

/// A validator named in `rules.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    GithubCrc32,
    Stripe,
    Jwt,
    Luhn,
    Entropy,
    Assignment,
    BasicAuth,
    Email,
    Phone,
    PrivateKey,
}

impl FromStr for Validator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "github_crc32" => Validator::GithubCrc32,
            "stripe" => Validator::Stripe,
            "jwt" => Validator::Jwt,
            "luhn" => Validator::Luhn,
            "entropy" => Validator::Entropy,
            "assignment" => Validator::Assignment,
            "basic_auth" => Validator::BasicAuth,
            "email" => Validator::Email,
            "phone" => Validator::Phone,
            "private_key" => Validator::PrivateKey,
            other => return Err(format!("unknown validator `{other}`")),
        })
    }
}

/// What a validator concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Reject,
    Accept {
        reclassify: Option<&'static str>,
        severity: Option<Severity>,
    },
}

const ACCEPT: Verdict = Verdict::Accept {
    reclassify: None,
    severity: None,
};

/// Values that are obviously not real secrets: templates, masks, documentation examples.
pub fn is_placeholder(secret: &str) -> bool {
    let lower = secret.to_ascii_lowercase();
    const MARKERS: [&str; 17] = [
        "${",
        "{{",
        "<",
        ">",
        "xxxx",
        "****",
        "your-",
        "your_",
        "example",
        "changeme",
        "placeholder",
        "dummy",
        "redacted",
        "…",
        // An elided value, as documentation and truncating loggers print them.
        "...",
        "%s",
        "replace_me",
    ];
    if MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    if matches!(
        lower.as_str(),
        "undefined" | "null" | "none" | "password" | "secret" | "token" | "true" | "false"
    ) {
        return true;
    }
    let first = secret.chars().next();
    secret.chars().count() >= 6 && secret.chars().all(|c| Some(c) == first)
}

/// Shannon entropy in bits per character.
pub fn entropy(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in text.bytes() {
        counts[b as usize] += 1;
    }
    let len = text.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| f64::from(*c) / len)
        .map(|p| -p * p.log2())
        .sum()
}

fn looks_random(secret: &str) -> bool {
    let classes = [
        secret.bytes().any(|b| b.is_ascii_lowercase()),
        secret.bytes().any(|b| b.is_ascii_uppercase()),
        secret.bytes().any(|b| b.is_ascii_digit()),
        secret.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|c| **c)
    .count();
    secret.len() >= 8 && entropy(secret) >= 3.0 && classes >= 2
}

/// Public-by-design keys of known formats (they have their own info rules).
const PUBLIC_KEY_PREFIXES: [&str; 3] = ["pk_live_", "pk_test_", "sb_publishable_"];

/// The value of a generic `name = value` assignment: random-looking, and not one of the things
/// such names also hold: a URL without a password (an endpoint or a vault path), a public key,
/// or a fragment of a JWT (a header alone authenticates nothing).
fn assigned_secret(value: &str) -> bool {
    if let Some((scheme, rest)) = value.split_once("://")
        && !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
    {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        return authority.rsplit_once('@').is_some_and(|(userinfo, _)| {
            userinfo
                .split_once(':')
                .is_some_and(|(_, password)| !password.is_empty() && !is_placeholder(password))
        });
    }
    !PUBLIC_KEY_PREFIXES.iter().any(|p| value.starts_with(p))
        && !value.starts_with("eyJ")
        && looks_random(value)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62_checksum(mut value: u32) -> String {
    let mut out = vec![b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(out).expect("ASCII")
}

fn github_crc32(token: &str) -> bool {
    match token.split_once('_') {
        Some((kind, rest)) if kind != "github" && rest.len() == 36 => {
            let (body, checksum) = rest.split_at(30);
            base62_checksum(crc32fast::hash(body.as_bytes())) == checksum
        }
        // Fine-grained tokens have no published checksum.
        Some(("github", _)) => true,
        _ => false,
    }
}

fn luhn(digits: &str) -> bool {
    let digits: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                *d
            }
        })
        .sum();
    let distinct = digits
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    const TEST_CARDS: [&str; 8] = [
        "4242424242424242",
        "4111111111111111",
        "5555555555554444",
        "5105105105105100",
        "378282246310005",
        "371449635398431",
        "6011111111111117",
        "4000056655665556",
    ];
    let joined: String = digits
        .iter()
        .map(|d| char::from_digit(*d, 10).expect("digit"))
        .collect();
    sum.is_multiple_of(10) && distinct >= 4 && !TEST_CARDS.contains(&joined.as_str())
}

fn lenient_base64(text: &str, url_safe: bool) -> Option<Vec<u8>> {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let engine = if url_safe {
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
    } else {
        GeneralPurpose::new(&base64::alphabet::STANDARD, config)
    };
    engine.decode(text.trim_end_matches('=')).ok()
}

fn jwt(token: &str, now_unix: i64) -> Verdict {
    let mut parts = token.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return Verdict::Reject;
    };
    let decode = |part: &str| {
        lenient_base64(part, true)
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
    };
    let (Some(header), Some(payload)) = (decode(header), decode(payload)) else {
        return Verdict::Reject;
    };
    if header.get("alg").is_none() || !payload.is_object() {
        return Verdict::Reject;
    }
    if payload.get("iss").and_then(|v| v.as_str()) == Some("supabase") {
        match payload.get("role").and_then(|v| v.as_str()) {
            Some("service_role") => {
                return Verdict::Accept {
                    reclassify: Some("secrets.supabase_service_role"),
                    severity: None,
                };
            }
            Some("anon") => {
                return Verdict::Accept {
                    reclassify: Some("secrets.supabase_anon_key"),
                    severity: None,
                };
            }
            _ => {}
        }
    }
    match payload.get("exp").and_then(|v| v.as_i64()) {
        Some(exp) if exp < now_unix => Verdict::Accept {
            reclassify: None,
            severity: Some(Severity::Low),
        },
        _ => ACCEPT,
    }
}

fn basic_auth(value: &str) -> bool {
    lenient_base64(value, false)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|decoded| {
            decoded.chars().all(|c| !c.is_control())
                && decoded.split_once(':').is_some_and(|(user, password)| {
                    !user.is_empty() && !password.is_empty() && !is_placeholder(password)
                })
        })
}

fn email(address: &str) -> bool {
    let Some((_, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    let tld = domain.rsplit('.').next().unwrap_or("");
    const DOCUMENTATION: [&str; 6] = [
        "example.com",
        "example.org",
        "example.net",
        "test",
        "invalid",
        "localhost",
    ];
    const FILE_TYPES: [&str; 9] = [
        "png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "ico",
    ];
    !DOCUMENTATION
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")) || tld == *d)
        && !FILE_TYPES.contains(&tld)
}

fn phone(number: &str) -> bool {
    let digits = number.chars().filter(|c| c.is_ascii_digit()).count();
    (8..=15).contains(&digits)
}

/// `body` is the base64 between the BEGIN and END lines (whitespace and escapes removed).
fn private_key(body: &str, kind_line: &str) -> bool {
    let Some(bytes) =
        lenient_base64(body, false).or_else(|| general_purpose::STANDARD.decode(body).ok())
    else {
        return false;
    };
    if kind_line.contains("OPENSSH") {
        return bytes.starts_with(b"openssh-key-v1");
    }
    if kind_line.contains("PGP") {
        return bytes.len() >= 32;
    }
    bytes.len() >= 32 && bytes.first() == Some(&0x30)
}

/// Applies the placeholder filter, then the rule's validator. `context` is the whole match (for
/// private keys, the BEGIN line).
pub fn validate(
    validator: Option<Validator>,
    secret: &str,
    context: &str,
    now_unix: i64,
) -> Verdict {
    if validator != Some(Validator::PrivateKey) && is_placeholder(secret) {
        return Verdict::Reject;
    }
    let ok = match validator {
        None => true,
        Some(Validator::GithubCrc32) => github_crc32(secret),
        Some(Validator::Stripe) => {
            return if secret.contains("_test_") {
                Verdict::Accept {
                    reclassify: None,
                    severity: Some(Severity::Low),
                }
            } else {
                ACCEPT
            };
        }
        Some(Validator::Jwt) => return jwt(secret, now_unix),
        Some(Validator::Luhn) => luhn(secret),
        Some(Validator::Entropy) => looks_random(secret),
        Some(Validator::Assignment) => assigned_secret(secret),
        Some(Validator::BasicAuth) => basic_auth(secret),
        Some(Validator::Email) => email(secret),
        Some(Validator::Phone) => phone(secret),
        Some(Validator::PrivateKey) => private_key(secret, context),
    };
    if ok { ACCEPT } else { Verdict::Reject }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksums() {
        assert!(github_crc32("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"));
        assert!(!github_crc32("ghp_lgTestTokenBody0123456789abcde09hmxH"));
        assert_eq!(base62_checksum(0), "000000");
    }

    #[test]
    fn luhn_and_test_cards() {
        assert!(luhn("4532 0151 1283 0366"));
        assert!(!luhn("4532015112830367"));
        assert!(!luhn("4242424242424242"));
        assert!(!luhn("1700000000000000"));
    }

    #[test]
    fn placeholders_and_entropy() {
        for p in [
            "${DB_PASSWORD}",
            "your-api-key-here",
            "sk-XXXXXXXX",
            "********",
            "<token>",
            "aaaaaaaaaa",
            "AKIAIOSFODNN7EXAMPLE",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        assert!(!is_placeholder("Zq8!rT2#pLk9$wX4"));
        assert!(is_placeholder("eyJhbGciOiJIUzI1NiIs..."));
        assert!(looks_random("Zq8!rT2#pLk9$wX4") && !looks_random("changeme"));
    }

    #[test]
    fn jwt_classification() {
        let expired = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwiaWF0IjoxNTAwMDAwMDAwLCJleHAiOjE1MDAwMDM2MDB9.dGhpc0lzTm90QVJlYWxTaWduYXR1cmVKdXN0QUZpeHR1cmU";
        assert_eq!(
            jwt(expired, 1_800_000_000),
            Verdict::Accept {
                reclassify: None,
                severity: Some(Severity::Low)
            }
        );
        assert_eq!(
            jwt("eyJub3RhbGciOiJ4In0.eyJzdWIiOiJ4In0.sig", 0),
            Verdict::Reject
        );
        assert_eq!(jwt("garbage.garbage.garbage", 0), Verdict::Reject);
    }

    #[test]
    fn assignments_of_urls_public_keys_and_jwt_fragments_are_not_secrets() {
        for value in [
            "postgresql://postgres@db.host:5432/app",
            "https://auth.tenant-3.internal/oauth/token",
            "vault://secret/data/app",
            "https://user:${PASSWORD}@host/",
            "pk_live_51LgFixture0123456789abcdefGHIJ",
            "sb_publishable_lgFixture0123456789abcd_12345678",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        ] {
            assert!(!assigned_secret(value), "{value}");
        }
        assert!(assigned_secret(
            "https://deploy:Zq8rT2pLk9wX4@registry.internal/"
        ));
        assert!(assigned_secret("Zq8!rT2#pLk9$wX4"));
    }

    #[test]
    fn basic_auth_needs_user_and_password() {
        assert!(basic_auth("YWRtaW46bGdGaXh0dXJlUGFzcw=="));
        assert!(!basic_auth("bm9jb2xvbmhlcmU="));
        assert!(!basic_auth("authentication"));
    }
}
