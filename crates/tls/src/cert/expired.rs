use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain, name};
use crate::chain::format_time;
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.expired",
    agent: "tls",
    title: "Certificate expired",
    severity: Severity::Critical,
    what: "Fails when the current time is past the notAfter date of any certificate the server presents \
           (leaf or intermediate). An expired certificate is reported here only, not also as untrusted.",
    why: "Every browser and API client refuses an expired certificate: the site is down for everyone, and \
          users trained to click through warnings become easy to intercept.",
    fix: "Renew the certificate and reload the server (for an expired intermediate, install the current \
          chain from your CA). Then find out why renewal did not happen: see tls.cert.renewal_overdue.",
    references: &["https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let expired: Vec<String> = chain
        .iter()
        .enumerate()
        .filter(|(_, c)| obs.now > c.not_after)
        .map(|(i, c)| {
            format!(
                "{} expired {} ({} days ago)",
                name(i, c),
                format_time(c.not_after),
                (obs.now - c.not_after) / 86_400
            )
        })
        .collect();
    let finding = if expired.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!("valid until {}", format_time(chain[0].not_after)),
        )
    } else {
        Finding::fail(
            &CHECK,
            target,
            format!("certificate {}", expired.join("; ")),
        )
    };
    about_chain(finding, obs, chain).with_evidence("now", format_time(obs.now))
}
