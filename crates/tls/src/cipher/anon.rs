use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_class;
use crate::observe::Observation;
use crate::suites::CipherClass;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cipher.anon",
    agent: "tls",
    title: "Anonymous cipher suites accepted",
    severity: Severity::Critical,
    what: "Offers every known anonymous Diffie-Hellman suite (DH_anon, ECDH_anon), which skip the server certificate, in one ClientHello and fails when the server picks one. The class is judged on every suite the run saw accepted: this probe, the version probes and the inspection handshake.",
    why: "Without server authentication any machine on the path can impersonate the server: the encryption protects nothing.",
    fix: "Remove aNULL from the cipher list (OpenSSL strings: !aNULL), or use Mozilla's intermediate list.",
    references: &["https://ssl-config.mozilla.org/"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    judge_class(&CHECK, obs, CipherClass::Anon)
}
