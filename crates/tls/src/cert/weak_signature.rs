use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain, name};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.weak_signature",
    agent: "tls",
    title: "Certificate signed with SHA-1 or MD5",
    severity: Severity::High,
    what: "Fails when the leaf or an intermediate is signed with a SHA-1 or MD5 based algorithm. A root's \
           signature on itself is not judged: clients trust roots by identity, not by that signature.",
    why: "SHA-1 and MD5 collisions are practical: a forged certificate with the same signature can be \
          made. Browsers refuse such certificates.",
    fix: "Reissue the certificate (and, for an intermediate, install the CA's current chain) with \
          sha256WithRSAEncryption or ecdsa-with-SHA256.",
    references: &["https://shattered.io/"],
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
        .filter(|(i, c)| *i == 0 || !c.self_issued)
        .filter_map(|(i, c)| {
            c.weak_hash
                .map(|hash| format!("{} is signed with {} ({hash})", name(i, c), c.signature))
        })
        .collect();
    let finding = if weak.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!("leaf signed with {}", chain[0].signature),
        )
    } else {
        Finding::fail(&CHECK, target, weak.join("; "))
    };
    about_chain(finding, obs, chain)
}
