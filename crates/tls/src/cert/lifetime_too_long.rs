use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain};
use crate::observe::{Observation, Settings};

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.lifetime_too_long",
    agent: "tls",
    title: "Certificate lifetime too long",
    severity: Severity::Low,
    what: "Fails when the leaf certificate is valid for more than [tls].max_lifetime_days (default 398, \
           the CA/Browser Forum limit since 2020).",
    why: "Browsers reject publicly trusted certificates valid for longer than 398 days; for private PKI a \
          long lifetime means a leaked key stays useful for years and renewal is never practised.",
    fix: "Issue certificates of 90 days or less and renew them automatically (ACME).",
    references: &[
        "https://cabforum.org/2017/03/17/ballot-193-825-day-certificate-lifetimes/",
        "https://support.apple.com/en-us/102028",
    ],
};

pub(crate) fn judge(obs: &Observation, settings: &Settings) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let days = chain[0].lifetime_days();
    let finding = if days > settings.max_lifetime_days {
        Finding::fail(
            &CHECK,
            target,
            format!("valid for {days} days, over {}", settings.max_lifetime_days),
        )
    } else {
        Finding::pass(&CHECK, target, format!("valid for {days} days"))
    };
    about_chain(finding, obs, chain).with_evidence("lifetime_days", days)
}
