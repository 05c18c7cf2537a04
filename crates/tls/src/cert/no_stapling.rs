use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.ocsp.no_stapling",
    agent: "tls",
    title: "No stapled OCSP response",
    severity: Severity::Low,
    what: "Fails when the server sends no OCSP response with its certificate in the inspection handshake. \
           Whether a stapled response is valid is not checked.",
    why: "Without stapling, clients that check revocation ask the CA's responder themselves: slower first \
          connections, and the CA learns who visits the site. Mozilla's configurations enable stapling.",
    fix: "Enable OCSP stapling (nginx: ssl_stapling on; ssl_stapling_verify on; with a resolver), or use a \
          CDN or load balancer that staples.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6066#section-8",
        "https://ssl-config.mozilla.org/",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let stapled = obs.inspection.as_ref().map_or(0, |i| i.ocsp_response.len());
    let finding = if stapled == 0 {
        Finding::fail(&CHECK, target, "the server staples no OCSP response")
    } else {
        Finding::pass(
            &CHECK,
            target,
            format!("a {stapled}-byte OCSP response is stapled"),
        )
    };
    about_chain(finding, obs, chain)
}
