//! Redaction: the only form in which a secret may reach evidence, a report, a log or an error.
//!
//! A [`Redacted`] value keeps:
//! - a prefix of `min(4, len / 4)` characters, enough to tell `sk-p…` from `ghp_…` while revealing
//!   at most a quarter of the value;
//! - the length in characters;
//! - a keyed fingerprint: the first 12 hex digits of HMAC-SHA256 over the value, so that the same
//!   secret seen twice (in logs, in a bundle, last week) is recognisable without being stored. The
//!   key is `LAUNCHGUARD_REDACTION_KEY` when set (use it to keep fingerprints unguessable), else a
//!   built-in constant, so fingerprints stay stable between weekly runs.

use std::fmt;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const DEFAULT_KEY: &[u8] = b"launchguard redaction key v1";
const MAX_PREFIX: usize = 4;

/// A secret reduced to a short prefix, its length and a keyed fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Redacted {
    pub prefix: String,
    pub length: usize,
    pub fingerprint: String,
}

fn redaction_key() -> &'static [u8] {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| match std::env::var("LAUNCHGUARD_REDACTION_KEY") {
        Ok(key) if !key.is_empty() => key.into_bytes(),
        _ => DEFAULT_KEY.to_vec(),
    })
}

impl Redacted {
    pub fn new(secret: &str) -> Self {
        let length = secret.chars().count();
        let prefix: String = secret.chars().take(MAX_PREFIX.min(length / 4)).collect();
        Redacted::keeping(secret, prefix)
    }

    /// Keeps a documented public type prefix (`sk-proj-`, `ghp_`, `AKIA`) when the secret starts
    /// with it and it is at most half of the secret; `""` keeps no prefix at all (PII).
    pub fn with_type_prefix(secret: &str, type_prefix: &str) -> Self {
        let length = secret.chars().count();
        let shown = if !type_prefix.is_empty()
            && secret.starts_with(type_prefix)
            && type_prefix.chars().count() * 2 <= length
        {
            type_prefix.to_owned()
        } else {
            String::new()
        };
        Redacted::keeping(secret, shown)
    }

    fn keeping(secret: &str, prefix: String) -> Self {
        let length = secret.chars().count();
        let mut mac =
            Hmac::<Sha256>::new_from_slice(redaction_key()).expect("HMAC accepts any key length");
        mac.update(secret.as_bytes());
        let digest = mac.finalize().into_bytes();
        Redacted {
            prefix,
            length,
            fingerprint: hex::encode(&digest[..6]),
        }
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}…[redacted, {} chars, fp {}]",
            self.prefix, self.length, self.fingerprint
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_quarter_at_most_and_never_the_whole_secret() {
        let secret = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        let redacted = Redacted::new(secret);
        assert_eq!(redacted.prefix, "sk-p");
        assert_eq!(redacted.length, secret.len());
        assert!(!redacted.to_string().contains(&secret[4..]));

        let short = Redacted::new("hunter2");
        assert_eq!(short.prefix, "h");
        assert_eq!(Redacted::new("abc").prefix, "");
    }

    #[test]
    fn same_secret_same_fingerprint_different_secret_different_fingerprint() {
        assert_eq!(
            Redacted::new("s3cret-value").fingerprint,
            Redacted::new("s3cret-value").fingerprint
        );
        assert_ne!(
            Redacted::new("s3cret-value").fingerprint,
            Redacted::new("s3cret-valuf").fingerprint
        );
        assert_eq!(Redacted::new("x").fingerprint.len(), 12);
    }

    #[test]
    fn type_prefixes_are_kept_only_when_short_enough() {
        assert_eq!(
            Redacted::with_type_prefix("sk-proj-abcdefghijklmnop", "sk-proj-").prefix,
            "sk-proj-"
        );
        assert_eq!(Redacted::with_type_prefix("ghp_abc", "ghp_").prefix, "");
        assert_eq!(
            Redacted::with_type_prefix("alice@example.io", "").prefix,
            ""
        );
        assert_eq!(
            Redacted::with_type_prefix("xyz-secret-value", "sk-").prefix,
            ""
        );
    }

    #[test]
    fn multibyte_secrets_are_cut_on_character_boundaries() {
        let redacted = Redacted::new("ééééééééé");
        assert_eq!(redacted.prefix, "éé");
        assert_eq!(redacted.length, 9);
    }
}
