use launchguard_core::{CheckDef, Finding, Severity};

use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "hsts.missing",
    agent: "tls",
    title: "No HSTS header",
    severity: Severity::Medium,
    what: "GETs https://host:port/ without following redirects and fails when the first response has no \
           Strict-Transport-Security header.",
    why: "Without HSTS, a user who types the bare hostname or follows an http:// link makes one plain-HTTP \
          request first, which an attacker on the network can intercept (SSL stripping) before any redirect.",
    fix: "Send `Strict-Transport-Security: max-age=31536000; includeSubDomains` on every HTTPS response, \
          redirects and errors included (nginx: add_header ... always).",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6797",
        "https://hstspreload.org/",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let target = obs.host.target.clone();
    match &obs.https {
        Err(reason) => Finding::error(
            &CHECK,
            target,
            format!("not verified: no HTTPS response: {reason}"),
        ),
        Ok(response) if response.sts.is_empty() => Finding::fail(
            &CHECK,
            target,
            format!(
                "the HTTPS response (status {}) has no Strict-Transport-Security header",
                response.status
            ),
        )
        .with_evidence("status", response.status),
        Ok(response) => Finding::pass(
            &CHECK,
            target,
            format!("Strict-Transport-Security: {}", response.sts.join(" | ")),
        )
        .with_evidence("header", response.sts.join(" | ")),
    }
}
