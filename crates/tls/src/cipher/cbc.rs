use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_class;
use crate::observe::Observation;
use crate::suites::CipherClass;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cipher.cbc",
    agent: "tls",
    title: "CBC-mode suites accepted",
    severity: Severity::Low,
    what: "Offers every known CBC-mode suite, with or without forward secrecy (e.g. TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA) in one ClientHello and fails when the server picks one. The class is judged on every suite the run saw accepted: this probe, the version probes and the inspection handshake.",
    why: "CBC suites in TLS 1.2 and earlier have a long history of padding-oracle and timing attacks (Lucky13 and successors); AEAD suites have none of them.",
    fix: "Offer AES-GCM and ChaCha20-Poly1305 suites only (Mozilla's intermediate list); keep CBC only if very old clients must connect.",
    references: &[
        "https://ssl-config.mozilla.org/",
        "https://www.rfc-editor.org/rfc/rfc9325#section-4.2",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    judge_class(&CHECK, obs, CipherClass::Cbc)
}
