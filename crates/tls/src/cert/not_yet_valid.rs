use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain, name};
use crate::chain::format_time;
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.not_yet_valid",
    agent: "tls",
    title: "Certificate not yet valid",
    severity: Severity::High,
    what: "Fails when the current time is before the notBefore date of any presented certificate.",
    why: "Clients refuse it exactly like an expired certificate. It usually means a certificate was \
          deployed too early, or that this machine's or the server's clock is wrong.",
    fix: "Check the server's clock (NTP), and deploy a certificate whose validity has started. If \
          launchguard's own clock is wrong, fix that first: the evidence shows the time it used.",
    references: &["https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let early: Vec<String> = chain
        .iter()
        .enumerate()
        .filter(|(_, c)| obs.now < c.not_before)
        .map(|(i, c)| {
            format!(
                "{} is valid only from {}",
                name(i, c),
                format_time(c.not_before)
            )
        })
        .collect();
    let finding = if early.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!("valid since {}", format_time(chain[0].not_before)),
        )
    } else {
        Finding::fail(&CHECK, target, format!("certificate {}", early.join("; ")))
    };
    about_chain(finding, obs, chain).with_evidence("now", format_time(obs.now))
}
