use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_class;
use crate::observe::Observation;
use crate::suites::CipherClass;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cipher.weak",
    agent: "tls",
    title: "Export, RC4, DES or 3DES suites accepted",
    severity: Severity::High,
    what: "Offers every known export-grade, RC4, RC2, single-DES and 3DES suite in one ClientHello and fails when the server picks one. The class is judged on every suite the run saw accepted: this probe, the version probes and the inspection handshake.",
    why: "Export suites fall to FREAK and Logjam, RC4 has practical plaintext recovery, DES is brute-forceable and 3DES falls to SWEET32; SSL Labs caps at C or F.",
    fix: "Use Mozilla's intermediate cipher list (ECDHE with AES-GCM or ChaCha20-Poly1305); remove EXPORT, RC4, DES and 3DES.",
    references: &[
        "https://sweet32.info/",
        "https://www.rfc-editor.org/rfc/rfc7465",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    judge_class(&CHECK, obs, CipherClass::Weak)
}
