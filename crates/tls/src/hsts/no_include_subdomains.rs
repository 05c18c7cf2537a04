use launchguard_core::{CheckDef, Finding, Severity};

use super::usable_header;
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "hsts.no_include_subdomains",
    agent: "tls",
    title: "HSTS without includeSubDomains",
    severity: Severity::Low,
    what: "Fails when the HSTS header lacks the includeSubDomains directive.",
    why: "Without it, subdomains (tenant hosts, api., a forgotten staging.) stay open to SSL stripping, and \
          an attacker can set cookies for the parent domain from a plain-HTTP subdomain.",
    fix: "Add includeSubDomains once every subdomain serves HTTPS (launchguard's tenant hostnames show \
          whether they do).",
    references: &["https://www.rfc-editor.org/rfc/rfc6797#section-6.1.2"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let (hsts, header) = match usable_header(&CHECK, obs) {
        Ok(parsed) => parsed,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let finding = if hsts.include_subdomains {
        Finding::pass(&CHECK, target, "includeSubDomains is set")
    } else {
        Finding::fail(
            &CHECK,
            target,
            "the header has no includeSubDomains directive",
        )
    };
    finding.with_evidence("header", header)
}
