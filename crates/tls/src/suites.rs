//! The cipher suites the ClientHello probe offers, and the weakness classes each belongs to.
//!
//! Code points and names are IANA's (RFC 5246, 4492, 4785, 5289, 5487, 5932, 6655, 7905 and the
//! export/anon suites of RFC 2246/4346), written out here because the probe must offer suites no
//! modern library implements. A suite's classes follow from its name (key exchange, cipher and
//! mode), so a suite belongs to every class whose weakness it has: TLS_RSA_WITH_AES_128_CBC_SHA
//! is both without forward secrecy and CBC-mode.

use std::sync::LazyLock;

/// A weakness class: one ClientHello offers every known suite of one class, so a ServerHello
/// choosing one of them proves the server accepts the class. Any other probe of the same run
/// that saw a suite of the class accepted proves it as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherClass {
    /// No encryption at all.
    Null,
    /// No server authentication (anonymous Diffie-Hellman).
    Anon,
    /// Export-grade, RC4, RC2, single DES or 3DES.
    Weak,
    /// Static RSA, static (EC)DH or plain PSK key exchange: recorded traffic can be decrypted
    /// later with the key.
    NoForwardSecrecy,
    /// CBC-mode suites (Lucky13 / padding-oracle family).
    Cbc,
}

/// Every suite the probes know, by IANA code point and name.
const KNOWN: &[(u16, &str)] = &[
    (0x0001, "TLS_RSA_WITH_NULL_MD5"),
    (0x0002, "TLS_RSA_WITH_NULL_SHA"),
    (0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
    (0x0004, "TLS_RSA_WITH_RC4_128_MD5"),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA"),
    (0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"),
    (0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (0x0009, "TLS_RSA_WITH_DES_CBC_SHA"),
    (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA"),
    (0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"),
    (0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA"),
    (0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"),
    (0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"),
    (0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"),
    (0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"),
    (0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"),
    (0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"),
    (0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"),
    (0x002C, "TLS_PSK_WITH_NULL_SHA"),
    (0x002D, "TLS_DHE_PSK_WITH_NULL_SHA"),
    (0x002E, "TLS_RSA_PSK_WITH_NULL_SHA"),
    (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    (0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    (0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA"),
    (0x003B, "TLS_RSA_WITH_NULL_SHA256"),
    (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    (0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"),
    (0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"),
    (0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
    (0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"),
    (0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"),
    (0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"),
    (0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    (0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    (0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"),
    (0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"),
    (0x00B0, "TLS_PSK_WITH_NULL_SHA256"),
    (0x00B1, "TLS_PSK_WITH_NULL_SHA384"),
    (0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (0x00C0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"),
    (0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"),
    (0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"),
    (0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"),
    (0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA"),
    (0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA"),
    (0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"),
    (0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"),
    (0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"),
    (0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
    (0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (0xC015, "TLS_ECDH_anon_WITH_NULL_SHA"),
    (0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA"),
    (0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"),
    (0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"),
    (0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"),
    (0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xC025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    (0xC029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"),
    (0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"),
    (0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xC02D, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"),
    (0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"),
    (0xC09C, "TLS_RSA_WITH_AES_128_CCM"),
    (0xC09D, "TLS_RSA_WITH_AES_256_CCM"),
    (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
];

/// Key exchanges without forward secrecy: static RSA, static (EC)DH, plain and RSA PSK.
const STATIC_KEY_EXCHANGES: &[&str] = &[
    "RSA",
    "RSA_EXPORT",
    "DH_DSS",
    "DH_DSS_EXPORT",
    "DH_RSA",
    "DH_RSA_EXPORT",
    "ECDH_ECDSA",
    "ECDH_RSA",
    "PSK",
    "RSA_PSK",
];

impl CipherClass {
    pub const ALL: [CipherClass; 5] = [
        CipherClass::Null,
        CipherClass::Anon,
        CipherClass::Weak,
        CipherClass::NoForwardSecrecy,
        CipherClass::Cbc,
    ];

    /// Whether the suite named `name` (IANA) has this class's weakness.
    fn named(self, name: &str) -> bool {
        let Some((exchange, cipher)) = name
            .strip_prefix("TLS_")
            .and_then(|rest| rest.split_once("_WITH_"))
        else {
            return false;
        };
        match self {
            CipherClass::Null => cipher.starts_with("NULL_"),
            CipherClass::Anon => exchange.contains("anon"),
            CipherClass::Weak => {
                exchange.contains("EXPORT")
                    || ["RC4_", "RC2_", "DES_", "DES40_", "3DES_"]
                        .iter()
                        .any(|weak| cipher.starts_with(weak))
            }
            CipherClass::NoForwardSecrecy => STATIC_KEY_EXCHANGES.contains(&exchange),
            CipherClass::Cbc => cipher.contains("_CBC_"),
        }
    }

    /// Whether `suite` has this class's weakness; unknown code points have none that we know.
    pub fn contains(self, suite: u16) -> bool {
        known_name(suite).is_some_and(|name| self.named(name))
    }

    /// The suites offered to prove this class: every known suite that has its weakness.
    pub fn suites(self) -> &'static [u16] {
        static SUITES: LazyLock<[Vec<u16>; 5]> = LazyLock::new(|| {
            CipherClass::ALL.map(|class| {
                KNOWN
                    .iter()
                    .filter(|(_, name)| class.named(name))
                    .map(|(code, _)| *code)
                    .collect()
            })
        });
        // ALL lists the classes in declaration order.
        &SUITES[self as usize]
    }

    /// One suite of the class, in words: "a CBC-mode suite".
    pub fn describe(self) -> &'static str {
        match self {
            CipherClass::Null => "a NULL (unencrypted) suite",
            CipherClass::Anon => "an anonymous (unauthenticated) suite",
            CipherClass::Weak => "a broken suite (export, RC4, RC2, DES or 3DES)",
            CipherClass::NoForwardSecrecy => "a suite without forward secrecy",
            CipherClass::Cbc => "a CBC-mode suite",
        }
    }

    /// The suites of the class, in words: "CBC-mode suites".
    pub fn plural(self) -> &'static str {
        match self {
            CipherClass::Null => "NULL (unencrypted) suites",
            CipherClass::Anon => "anonymous (unauthenticated) suites",
            CipherClass::Weak => "broken suites (export, RC4, RC2, DES or 3DES)",
            CipherClass::NoForwardSecrecy => "suites without forward secrecy",
            CipherClass::Cbc => "CBC-mode suites",
        }
    }
}

/// What a version probe offers: every suite a server of any age might pick, strongest first, so
/// that the probe only fails when the version itself is refused. NULL and anonymous suites are
/// left out: a server that prefers them would hide whether it accepts the version otherwise.
pub fn broad_offer() -> Vec<u16> {
    let mut suites = vec![
        0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x009E, 0x009F, 0xCCAA,
    ];
    for (code, name) in KNOWN {
        if !suites.contains(code)
            && !CipherClass::Null.named(name)
            && !CipherClass::Anon.named(name)
        {
            suites.push(*code);
        }
    }
    suites
}

fn known_name(suite: u16) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(code, _)| *code == suite)
        .map(|(_, name)| *name)
}

/// The code point of the suite IANA names `name`, when it is one we know.
pub fn code(name: &str) -> Option<u16> {
    KNOWN
        .iter()
        .find(|(_, known)| *known == name)
        .map(|(code, _)| *code)
}

/// The IANA name of a suite, or its code point when it is not one we know.
pub fn name(suite: u16) -> String {
    known_name(suite).map_or_else(|| format!("0x{suite:04X}"), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_suite_is_named_once_and_the_broad_offer_has_no_duplicates() {
        let codes: std::collections::HashSet<_> = KNOWN.iter().map(|(c, _)| c).collect();
        let names: std::collections::HashSet<_> = KNOWN.iter().map(|(_, n)| n).collect();
        assert_eq!(codes.len(), KNOWN.len());
        assert_eq!(names.len(), KNOWN.len());
        let offer = broad_offer();
        let unique: std::collections::HashSet<_> = offer.iter().collect();
        assert_eq!(unique.len(), offer.len());
        assert!(!offer.iter().any(|s| CipherClass::Null.contains(*s)));
        assert!(!offer.iter().any(|s| CipherClass::Anon.contains(*s)));
        assert!(offer.contains(&0x002F) && offer.contains(&0x000A));
    }

    #[test]
    fn a_suite_belongs_to_every_class_whose_weakness_it_has() {
        let classes = |suite: u16| -> Vec<CipherClass> {
            CipherClass::ALL
                .into_iter()
                .filter(|c| c.contains(suite))
                .collect()
        };
        use CipherClass::*;
        assert_eq!(classes(0x002F), [NoForwardSecrecy, Cbc]);
        assert_eq!(classes(0x000A), [Weak, NoForwardSecrecy, Cbc]);
        assert_eq!(classes(0x0003), [Weak, NoForwardSecrecy]);
        assert_eq!(classes(0x0001), [Null, NoForwardSecrecy]);
        assert_eq!(classes(0xC010), [Null]);
        assert_eq!(classes(0x0034), [Anon, Cbc]);
        assert_eq!(classes(0x00A6), [Anon]);
        assert_eq!(classes(0xC013), [Cbc]);
        assert_eq!(classes(0x009C), [NoForwardSecrecy]);
        assert!(classes(0xC02F).is_empty());
        assert!(classes(0xCCA8).is_empty());
        assert!(
            classes(0x1301).is_empty(),
            "TLS 1.3 suites are not in the table"
        );
        for class in CipherClass::ALL {
            assert!(!class.suites().is_empty());
            assert!(class.suites().iter().all(|s| class.contains(*s)));
        }
        assert_eq!(code("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), Some(0xC02F));
        assert_eq!(name(0xFFFF), "0xFFFF");
    }
}
