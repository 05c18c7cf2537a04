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
//!
//! Values read from the environment variables a configuration names are credentials whatever they
//! look like: [`register_credential`] remembers them for the process and [`hide_credentials`]
//! replaces any of them (or a long enough piece of one, as a peer that truncates an echo shows)
//! found in text. Pattern-based redaction (API keys, tokens) lives in the secrets engine, which
//! runs both over every finding before a report is written.

use std::borrow::Cow;
use std::fmt;
use std::sync::{OnceLock, RwLock};

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

/// Shorter values are not remembered: hiding them would mangle ordinary words.
const MIN_CREDENTIAL: usize = 8;
/// A run of this many bytes of a credential found in text is hidden (with its extension).
const MIN_PIECE: usize = 12;

fn credentials() -> &'static RwLock<Vec<String>> {
    static KNOWN: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    KNOWN.get_or_init(|| RwLock::new(Vec::new()))
}

/// Remembers `value` as a credential for the rest of the process: the whole value, and each of its
/// whitespace-separated words (`Bearer <token>` is echoed as the token alone). Of a connection URL
/// or a `key=value` connection string only the password is secret: its scheme, host and database
/// name appear in ordinary evidence.
pub fn register_credential(value: &str) {
    let pieces: Vec<&str> = if value.contains("://") {
        let password = url::Url::parse(value.trim())
            .ok()
            .and_then(|u| u.password().map(str::to_owned));
        let mut kept: Vec<&str> = value
            .split(['?', '&', ' '])
            .filter_map(|p| p.strip_prefix("password="))
            .collect();
        if let Some(password) = password {
            // The parsed password is percent-decoded; the URL holds it as written.
            if let Some(raw) = value.split("://").nth(1).and_then(|rest| {
                rest.split('@')
                    .next()
                    .and_then(|userinfo| userinfo.split_once(':'))
                    .map(|(_, raw)| raw)
            }) {
                kept.push(raw);
            }
            register_pieces(&[password.as_str()]);
        }
        kept
    } else if value.contains("password=") {
        value
            .split_whitespace()
            .filter_map(|p| p.strip_prefix("password="))
            .collect()
    } else {
        std::iter::once(value.trim())
            .chain(value.split_whitespace())
            .collect()
    };
    register_pieces(&pieces);
}

fn register_pieces(pieces: &[&str]) {
    let mut known = credentials().write().unwrap_or_else(|p| p.into_inner());
    for piece in pieces.iter().map(|p| p.trim_matches(['\'', '"'])) {
        if piece.len() >= MIN_CREDENTIAL && !known.iter().any(|k| k == piece) {
            known.push(piece.to_owned());
        }
    }
}

/// `text` with every remembered credential, and every run of at least 12 bytes of one, replaced
/// by its [`Redacted`] form.
pub fn hide_credentials(text: &str) -> Cow<'_, str> {
    let known = credentials().read().unwrap_or_else(|p| p.into_inner());
    if known.is_empty() || text.len() < MIN_PIECE.min(MIN_CREDENTIAL) {
        return Cow::Borrowed(text);
    }
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    for credential in known.iter() {
        if let Some(hidden) = hide_one(&out, credential) {
            out = Cow::Owned(hidden);
        }
    }
    out
}

/// Replaces every stretch of `text` that is a run of `credential` long enough to identify it.
fn hide_one(text: &str, credential: &str) -> Option<String> {
    let secret = credential.as_bytes();
    let piece = MIN_PIECE.min(secret.len());
    let bytes = text.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for offset in 0..=secret.len() - piece {
        let needle = &secret[offset..offset + piece];
        let mut from = 0;
        while let Some(found) = find(&bytes[from..], needle) {
            let start = from + found;
            // Extend the run both ways as long as text and credential agree.
            let (mut left, mut right) = (start, start + piece);
            let (mut at_left, mut at_right) = (offset, offset + piece);
            while left > 0 && at_left > 0 && bytes[left - 1] == secret[at_left - 1] {
                left -= 1;
                at_left -= 1;
            }
            while right < bytes.len() && at_right < secret.len() && bytes[right] == secret[at_right]
            {
                right += 1;
                at_right += 1;
            }
            spans.push((left, right));
            from = start + 1;
        }
    }
    if spans.is_empty() {
        return None;
    }
    spans.sort_unstable();
    let shown = format!("<{}>", Redacted::new(credential));
    let mut out = Vec::with_capacity(text.len());
    let mut position = 0;
    for (start, end) in spans {
        if end <= position {
            continue;
        }
        out.extend_from_slice(&bytes[position..start.max(position)]);
        if start >= position {
            out.extend_from_slice(shown.as_bytes());
        }
        position = end;
    }
    out.extend_from_slice(&bytes[position..]);
    // A run can end inside a multi-byte character of the text: never emit a broken one.
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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

    #[test]
    fn remembered_credentials_and_pieces_of_them_are_hidden() {
        register_credential("Bearer tok-4f9a8b7c6d5e4f3a2b1c0d");
        let echoed = "auth=Bearer tok-4f9a8b7c6d5e4f3a2b1c0d; token tok-4f9a8b7c6d5e; end";
        let hidden = hide_credentials(echoed);
        assert!(!hidden.contains("4f9a8b7c6d5e"), "{hidden}");
        assert!(
            hidden.starts_with("auth=<") && hidden.ends_with("; end"),
            "{hidden}"
        );
        assert_eq!(hide_credentials("nothing here"), "nothing here");
        // Short runs of a credential are ordinary text.
        assert_eq!(hide_credentials("tok-4f9a8"), "tok-4f9a8");
    }

    #[test]
    fn of_a_connection_url_only_the_password_is_remembered() {
        register_credential("postgresql://auditor:pw-9e8d7c6b5a4f@db.internal:5432/app");
        let hidden = hide_credentials("postgresql://auditor:pw-9e8d7c6b5a4f@db.internal:5432/app");
        assert!(!hidden.contains("pw-9e8d7c6b5a4f"), "{hidden}");
        assert!(hidden.starts_with("postgresql://auditor:<"), "{hidden}");
        assert!(hidden.ends_with(">@db.internal:5432/app"), "{hidden}");
    }

    #[test]
    fn short_values_are_not_remembered() {
        register_credential("abc");
        assert_eq!(hide_credentials("abc abcabc"), "abc abcabc");
    }
}
