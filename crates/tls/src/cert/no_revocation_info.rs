use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.no_revocation_info",
    agent: "tls",
    title: "Certificate has no CRL or OCSP address",
    severity: Severity::Low,
    what: "Fails when the leaf certificate has neither a CRL distribution point nor an OCSP responder \
           address (AIA). Nothing is fetched from those addresses.",
    why: "Without either, a stolen key's certificate cannot be revoked in a way clients can learn about.",
    fix: "Issue the certificate from a CA that includes a CRL distribution point or an OCSP URL (every \
          public CA does; configure your private CA to).",
    references: &["https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.13"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let leaf = &chain[0];
    let finding = if leaf.crl_urls.is_empty() && leaf.ocsp_urls.is_empty() {
        Finding::fail(
            &CHECK,
            target,
            "neither a CRL distribution point nor an OCSP URL",
        )
    } else {
        Finding::pass(
            &CHECK,
            target,
            format!(
                "CRL {}, OCSP {}",
                listed(&leaf.crl_urls),
                listed(&leaf.ocsp_urls)
            ),
        )
    };
    about_chain(finding, obs, chain)
}

/// URLs for a message: `none`, or the URLs separated by commas.
fn listed(urls: &[String]) -> String {
    if urls.is_empty() {
        "none".to_owned()
    } else {
        urls.join(", ")
    }
}
