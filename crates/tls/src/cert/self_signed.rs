use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain_and_trust};
use crate::observe::Observation;
use crate::trust::Trust;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.self_signed",
    agent: "tls",
    title: "Self-signed certificate",
    severity: Severity::Critical,
    what: "Fails when the leaf certificate names itself as its issuer and is not one of the trust anchors \
           (the public roots plus the target's ca_file). It is then not also reported as untrusted.",
    why: "No client can tell a self-signed certificate from an attacker's: users either cannot connect or \
          learn to accept any certificate.",
    fix: "Use a certificate from a public CA (ACME makes it free and automatic). For a private service, \
          sign with your internal CA and give its root as ca_file.",
    references: &["https://www.rfc-editor.org/rfc/rfc5280#section-6.1"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let (chain, trust) = match chain_and_trust(&CHECK, obs) {
        Ok(found) => found,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let finding = match trust {
        Trust::SelfSigned => Finding::fail(
            &CHECK,
            target,
            format!("the certificate `{}` is signed by itself", chain[0].subject),
        ),
        _ if chain[0].self_issued => Finding::pass(
            &CHECK,
            target,
            "self-issued but a configured trust anchor (ca_file)",
        ),
        _ => Finding::pass(&CHECK, target, format!("issued by `{}`", chain[0].issuer)),
    };
    about_chain(finding, obs, chain)
}
