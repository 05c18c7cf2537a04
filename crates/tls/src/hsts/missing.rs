use launchguard_core::{CheckDef, Finding, Severity};

use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "hsts.missing",
    agent: "tls",
    title: "No HSTS header",
    severity: Severity::Medium,
    what: "GETs https://host:port/ without following redirects and fails when the first response has no \
           Strict-Transport-Security header. Only the status line and headers are judged: an answer whose \
           body alone was cut off is still judged (evidence `body_cut_off`), one cut off before its headers \
           ended is an `error`.",
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
        Ok(response) => {
            let finding = if response.sts.is_empty() {
                Finding::fail(
                    &CHECK,
                    target,
                    format!(
                        "the HTTPS response (status {}) has no Strict-Transport-Security header",
                        response.status
                    ),
                )
                .with_evidence("status", response.status)
            } else {
                Finding::pass(
                    &CHECK,
                    target,
                    format!("Strict-Transport-Security: {}", response.sts.join(" | ")),
                )
                .with_evidence("header", response.sts.join(" | "))
            };
            // The headers arrived whole; the body, which no HSTS check reads, did not.
            match &response.cut_off {
                Some(reason) => finding.with_evidence("body_cut_off", reason.as_str()),
                None => finding,
            }
        }
    }
}
