use launchguard_core::{CheckDef, Finding, Severity};

use super::{answered_walk, with_hops};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "https.redirect.missing",
    agent: "tls",
    title: "Plain HTTP does not redirect to HTTPS",
    severity: Severity::High,
    what: "GETs http://host:http_port/ and fails when the answer is not a redirect (content, or an error \
           page, served over plain HTTP). A closed port passes: nothing is served without TLS. Each hop of \
           the walk is judged on its status line and headers: a hop whose body alone was cut off is still \
           judged and followed (the `hops` evidence says so), an answer cut off before its headers ended \
           is an `error` for every https.redirect check.",
    why: "Users who type the hostname, old links and some clients arrive over plain HTTP. Served content \
          there can be read and altered on the way, session cookies can leak, and without a redirect the \
          browser never learns the HSTS policy.",
    fix: "Answer every plain-HTTP request with a 301 or 308 to the same URL on https:// (nginx: \
          `return 301 https://$host$request_uri;`), or close the port.",
    references: &["https://hstspreload.org/#submission-requirements"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let walk = match answered_walk(&CHECK, obs) {
        Ok(walk) => walk,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let first = &walk.hops[0];
    let finding = if first.location.is_some() {
        Finding::pass(
            &CHECK,
            target,
            format!("{} redirects ({})", first.url, first.status),
        )
    } else {
        Finding::fail(
            &CHECK,
            target,
            format!(
                "{} answers {} over plain HTTP instead of redirecting",
                first.url, first.status
            ),
        )
    };
    with_hops(finding, walk)
}
