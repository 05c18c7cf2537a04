use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain_and_trust};
use crate::observe::Observation;
use crate::trust::Trust;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.untrusted",
    agent: "tls",
    title: "Certificate does not chain to a trusted root",
    severity: Severity::Critical,
    what: "Builds a path from the presented chain to a trust anchor: Mozilla's roots (webpki-roots) plus \
           the target's ca_file. The path is checked at a moment inside every certificate's validity and \
           for a name the leaf holds, so expiry and hostname problems are reported by their own checks and \
           not here; self-signed certificates and missing intermediates are reported as such.",
    why: "Clients refuse a certificate they cannot chain to a root they trust: the site is unreachable, or \
          its users learn to click through warnings.",
    fix: "Serve a certificate from a CA that browsers trust, with its intermediates. For private PKI, \
          give the root as ca_file so launchguard judges it as your clients do.",
    references: &["https://www.rfc-editor.org/rfc/rfc5280#section-6.1"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let (chain, trust) = match chain_and_trust(&CHECK, obs) {
        Ok(found) => found,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let finding = match trust {
        Trust::Trusted => Finding::pass(&CHECK, target, "chains to a trusted root"),
        Trust::SelfSigned => {
            return Finding::skipped(
                &CHECK,
                target,
                "reported as tls.cert.self_signed (the root cause)",
            );
        }
        Trust::Incomplete { .. } => {
            return Finding::skipped(
                &CHECK,
                target,
                "reported as tls.cert.chain_incomplete (the root cause)",
            );
        }
        Trust::Untrusted { reason } => Finding::fail(&CHECK, target, reason.clone()),
        Trust::OutsideValidity { reason } => {
            let root_cause = if chain.iter().any(|c| obs.now > c.not_after) {
                Some("tls.cert.expired")
            } else if chain.iter().any(|c| obs.now < c.not_before) {
                Some("tls.cert.not_yet_valid")
            } else {
                None
            };
            return match root_cause {
                Some(check) => Finding::skipped(
                    &CHECK,
                    target,
                    format!(
                        "not evaluated: {reason}, so the path cannot be judged apart from the dates; \
                         reported as {check} (the root cause)"
                    ),
                ),
                None => Finding::error(
                    &CHECK,
                    target,
                    format!("not verified: the path fails only on validity dates ({reason})"),
                ),
            };
        }
    };
    about_chain(finding, obs, chain)
}
