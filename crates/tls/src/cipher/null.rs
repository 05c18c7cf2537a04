use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_class;
use crate::observe::Observation;
use crate::suites::CipherClass;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cipher.null",
    agent: "tls",
    title: "NULL cipher suites accepted",
    severity: Severity::Critical,
    what: "Offers every known suite without encryption (RSA, ECDHE and PSK with NULL, e.g. TLS_RSA_WITH_NULL_SHA256) in one ClientHello and fails when the server picks one. The class is judged on every suite the run saw accepted: this probe, the version probes and the inspection handshake.",
    why: "A NULL suite sends everything in clear text, authenticated but readable by anyone on the path; an attacker in the middle can downgrade to it where both sides allow it.",
    fix: "Remove eNULL from the cipher list (OpenSSL strings: add !eNULL; better, use Mozilla's intermediate list).",
    references: &["https://ssl-config.mozilla.org/"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    judge_class(&CHECK, obs, CipherClass::Null)
}
