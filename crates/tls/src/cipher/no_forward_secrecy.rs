use launchguard_core::{CheckDef, Finding, Severity};

use super::judge_class;
use crate::observe::Observation;
use crate::suites::CipherClass;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cipher.no_forward_secrecy",
    agent: "tls",
    title: "Suites without forward secrecy accepted",
    severity: Severity::Medium,
    what: "Offers every known suite with static RSA, static (EC)DH or plain PSK key exchange (e.g. TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_GCM_SHA256) in one ClientHello and fails when the server picks one. The class is judged on every suite the run saw accepted: this probe, the version probes and the inspection handshake.",
    why: "With static key exchange, anyone who records traffic today and obtains the server key later (a breach, a subpoena) decrypts all of it. SSL Labs caps at B.",
    fix: "Offer only ECDHE (or DHE) key exchange: Mozilla's intermediate list.",
    references: &[
        "https://ssl-config.mozilla.org/",
        "https://www.rfc-editor.org/rfc/rfc9325#section-4.1",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    judge_class(&CHECK, obs, CipherClass::NoForwardSecrecy)
}
