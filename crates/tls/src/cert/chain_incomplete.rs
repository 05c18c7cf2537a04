use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain_and_trust};
use crate::observe::Observation;
use crate::trust::Trust;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.chain_incomplete",
    agent: "tls",
    title: "Intermediate certificate missing from the chain",
    severity: Severity::High,
    what: "Fails when the chain does not reach a trust anchor as sent, but does once the intermediate named \
           in the last certificate's AIA caIssuers URL is added. The URL is fetched only when its host is in \
           [scope].hosts. This tells a missing intermediate apart from a self-signed certificate and from an \
           unknown root. When the issuer cannot be fetched the check is skipped and tls.cert.untrusted \
           reports the chain, naming the URL: public CAs publish intermediates on their own hosts (Let's \
           Encrypt: *.i.lencr.org), so add that host to [scope].hosts to let launchguard fetch it.",
    why: "Desktop browsers often repair the chain from a cache or by fetching it, so the site looks fine to \
          its developers; mobile apps, curl, API clients and webhooks fail.",
    fix: "Serve the full chain: the leaf followed by every intermediate (for example certbot's \
          fullchain.pem, not cert.pem).",
    references: &["https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let (chain, trust) = match chain_and_trust(&CHECK, obs) {
        Ok(found) => found,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let finding = match trust {
        Trust::Incomplete { missing, found_at } => Finding::fail(
            &CHECK,
            target,
            format!("the server does not send the intermediate `{missing}`; with it (from {found_at}) the chain is trusted"),
        )
        .with_evidence("missing_issuer", missing.as_str())
        .with_evidence("found_at", found_at.as_str()),
        Trust::Untrusted { reason } if !chain.last().is_some_and(|c| c.self_issued) => {
            return Finding::skipped(
                &CHECK,
                target,
                format!(
                    "cannot tell a missing intermediate from an unknown root (see tls.cert.untrusted): {reason}"
                ),
            );
        }
        Trust::OutsideValidity { reason } => {
            return Finding::skipped(
                &CHECK,
                target,
                format!("not evaluated: {reason}, so the path cannot be built (see tls.cert.expired and tls.cert.not_yet_valid)"),
            );
        }
        _ => Finding::pass(&CHECK, target, format!("{} certificate(s) sent; no intermediate missing", chain.len())),
    };
    about_chain(finding, obs, chain)
}
