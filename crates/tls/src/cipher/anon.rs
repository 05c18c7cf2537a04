use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_class;
use crate::observe::Observation;
use crate::suites::CipherClass;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cipher.anon",
    agent: "tls",
    title: "Anonymous cipher suites accepted",
    severity: Severity::Critical,
    what: "Offers only anonymous Diffie-Hellman suites (DH_anon, ECDH_anon), which skip the server certificate, and fails when the server picks one.",
    why: "Without server authentication any machine on the path can impersonate the server: the encryption protects nothing.",
    fix: "Remove aNULL from the cipher list (OpenSSL strings: !aNULL), or use Mozilla's intermediate list.",
    references: &["https://ssl-config.mozilla.org/"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    judge_class(
        &CHECK,
        obs,
        CipherClass::Anon,
        "an anonymous (unauthenticated) suite",
    )
}
