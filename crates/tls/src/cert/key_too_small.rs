use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain, name};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.key_too_small",
    agent: "tls",
    title: "Certificate key too small",
    severity: Severity::High,
    what: "Fails when a presented certificate has an RSA or DSA key under 2048 bits or an elliptic-curve \
           key under 256 bits. The key is read from the certificate itself, so this works even where rustls \
           would refuse the handshake.",
    why: "1024-bit RSA is within reach of well-funded attackers and is refused by current browsers; it caps \
          SSL Labs at B (F under 1024).",
    fix: "Generate a new key (RSA 2048+ or ECDSA P-256) and a new certificate for it.",
    references: &["https://cabforum.org/working-groups/server/baseline-requirements/requirements/"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let weak: Vec<String> = chain
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.key.weakness().map(|w| format!("{}: {w}", name(i, c))))
        .collect();
    let finding = if weak.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!("leaf key {}", chain[0].key.describe()),
        )
    } else {
        Finding::fail(&CHECK, target, weak.join("; "))
    };
    about_chain(finding, obs, chain).with_evidence("leaf_key", chain[0].key.describe())
}
