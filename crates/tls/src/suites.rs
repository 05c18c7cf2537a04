//! The cipher suites the ClientHello probe offers, grouped by the weakness each class proves.
//!
//! Code points and names are IANA's (RFC 5246, 4492, 5289, 7905 and the export/anon suites of
//! RFC 2246/4346), written out here because the probe must offer suites no modern library
//! implements.

/// A weakness class: one ClientHello offers only the suites of one class, so a ServerHello proves
/// the server accepts that class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherClass {
    /// No encryption at all.
    Null,
    /// No server authentication (anonymous Diffie-Hellman).
    Anon,
    /// Export-grade, RC4, single DES or 3DES.
    Weak,
    /// Static RSA or ECDH key exchange: recorded traffic can be decrypted later with the key.
    NoForwardSecrecy,
    /// CBC-mode suites (Lucky13 / padding-oracle family), with forward secrecy.
    Cbc,
}

impl CipherClass {
    pub const ALL: [CipherClass; 5] = [
        CipherClass::Null,
        CipherClass::Anon,
        CipherClass::Weak,
        CipherClass::NoForwardSecrecy,
        CipherClass::Cbc,
    ];

    /// The suites offered to prove this class.
    pub fn suites(self) -> &'static [u16] {
        match self {
            CipherClass::Null => &[
                0x0001, 0x0002, 0x003B, 0xC001, 0xC006, 0xC00B, 0xC010, 0xC015, 0x002C, 0x002D,
                0x002E, 0x00B0, 0x00B1,
            ],
            CipherClass::Anon => &[
                0x0018, 0x001B, 0x0034, 0x003A, 0x006C, 0x006D, 0x00A6, 0x00A7, 0xC016, 0xC017,
                0xC018, 0xC019, 0x0046, 0x0089,
            ],
            CipherClass::Weak => &[
                0x0003, 0x0006, 0x0008, 0x000B, 0x000E, 0x0011, 0x0014, 0x0017, 0x0019, 0x0004,
                0x0005, 0xC007, 0xC011, 0xC002, 0xC00C, 0x0009, 0x000C, 0x000F, 0x0012, 0x0015,
                0x000A, 0x000D, 0x0010, 0x0013, 0x0016, 0xC003, 0xC008, 0xC00D, 0xC012,
            ],
            CipherClass::NoForwardSecrecy => &[
                0x002F, 0x0035, 0x003C, 0x003D, 0x009C, 0x009D, 0x0041, 0x0084, 0x00BA, 0x00C0,
                0xC004, 0xC005, 0xC00E, 0xC00F, 0xC025, 0xC026, 0xC029, 0xC02A, 0xC02D, 0xC02E,
                0xC031, 0xC032, 0xC09C, 0xC09D, 0x0096,
            ],
            CipherClass::Cbc => &[
                0xC009, 0xC00A, 0xC013, 0xC014, 0xC023, 0xC024, 0xC027, 0xC028, 0x0033, 0x0039,
                0x0067, 0x006B, 0x0032, 0x0038, 0x0040, 0x006A, 0x0045, 0x0088,
            ],
        }
    }
}

/// What a version probe offers: every suite a server of any age might pick, strongest first, so
/// that the probe only fails when the version itself is refused.
pub fn broad_offer() -> Vec<u16> {
    let mut suites = vec![
        0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x009E, 0x009F, 0xCCAA,
    ];
    for class in [
        CipherClass::Cbc,
        CipherClass::NoForwardSecrecy,
        CipherClass::Weak,
    ] {
        for suite in class.suites() {
            if !suites.contains(suite) {
                suites.push(*suite);
            }
        }
    }
    suites
}

/// The IANA name of a suite, or its code point when it is not one we offer.
pub fn name(suite: u16) -> String {
    let known = match suite {
        0x0001 => "TLS_RSA_WITH_NULL_MD5",
        0x0002 => "TLS_RSA_WITH_NULL_SHA",
        0x003B => "TLS_RSA_WITH_NULL_SHA256",
        0xC001 => "TLS_ECDH_ECDSA_WITH_NULL_SHA",
        0xC006 => "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
        0xC00B => "TLS_ECDH_RSA_WITH_NULL_SHA",
        0xC010 => "TLS_ECDHE_RSA_WITH_NULL_SHA",
        0xC015 => "TLS_ECDH_anon_WITH_NULL_SHA",
        0x0018 => "TLS_DH_anon_WITH_RC4_128_MD5",
        0x001B => "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
        0x0034 => "TLS_DH_anon_WITH_AES_128_CBC_SHA",
        0x003A => "TLS_DH_anon_WITH_AES_256_CBC_SHA",
        0x006C => "TLS_DH_anon_WITH_AES_128_CBC_SHA256",
        0x006D => "TLS_DH_anon_WITH_AES_256_CBC_SHA256",
        0x00A6 => "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
        0x00A7 => "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
        0xC016 => "TLS_ECDH_anon_WITH_RC4_128_SHA",
        0xC017 => "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA",
        0xC018 => "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
        0xC019 => "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
        0x0003 => "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
        0x0006 => "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
        0x0008 => "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0xC007 => "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        0xC011 => "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        0x0009 => "TLS_RSA_WITH_DES_CBC_SHA",
        0x0015 => "TLS_DHE_RSA_WITH_DES_CBC_SHA",
        0x000A => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0016 => "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xC008 => "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        0xC012 => "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0x002F => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x003C => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003D => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x009C => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009D => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x0041 => "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
        0x0084 => "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
        0xC09C => "TLS_RSA_WITH_AES_128_CCM",
        0xC09D => "TLS_RSA_WITH_AES_256_CCM",
        0xC009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xC00A => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xC013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xC014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xC023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xC024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xC027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xC028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x006B => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0xC02B => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xC02C => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xC02F => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xC030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xCCA8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCA9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xCCAA => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0x009E => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009F => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        _ => return format!("0x{suite:04X}"),
    };
    known.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_do_not_overlap_and_the_broad_offer_has_no_duplicates() {
        let mut seen = std::collections::HashSet::new();
        for class in CipherClass::ALL {
            for suite in class.suites() {
                assert!(seen.insert(*suite), "0x{suite:04X} is in two classes");
            }
        }
        let offer = broad_offer();
        let unique: std::collections::HashSet<_> = offer.iter().collect();
        assert_eq!(unique.len(), offer.len());
        assert!(!offer.iter().any(|s| CipherClass::Null.suites().contains(s)));
        assert!(!offer.iter().any(|s| CipherClass::Anon.suites().contains(s)));
    }
}
