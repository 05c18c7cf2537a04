use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.ct.no_scts",
    agent: "tls",
    title: "No Certificate Transparency timestamps",
    severity: Severity::Info,
    what: "Fails when the leaf certificate carries no embedded Signed Certificate Timestamps. SCTs are \
           counted, not verified against the logs; SCTs sent in a TLS extension are not seen.",
    why: "Chrome and Safari require SCTs for publicly trusted certificates. Their absence means a private \
          CA (expected for internal services) or a certificate that public browsers will refuse.",
    fix: "For public sites, use a CA that logs certificates (every public CA does). For private PKI this \
          is informational; suppress it with an expiring suppression if it does not apply.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6962",
        "https://googlechrome.github.io/CertificateTransparency/ct_policy.html",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let finding = match chain[0].sct_count {
        Some(count) if count > 0 => {
            Finding::pass(&CHECK, target, format!("{count} embedded SCT(s)"))
        }
        _ => Finding::fail(&CHECK, target, "the certificate carries no SCT"),
    };
    about_chain(finding, obs, chain)
}
