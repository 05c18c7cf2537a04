use launchguard_core::{CheckDef, Finding, Severity};

use crate::observe::Observation;
use crate::redirect::answered_walk;

pub static CHECK: CheckDef = CheckDef {
    id: "hsts.over_http",
    agent: "tls",
    title: "HSTS header sent over plain HTTP",
    severity: Severity::Info,
    what: "Fails when the plain-HTTP response carries a Strict-Transport-Security header \
           (hstspreload's redirects.http.useless_header).",
    why: "Browsers ignore HSTS received over HTTP (RFC 6797 section 8.1), so it protects nothing; its \
          presence often means the HTTPS configuration is copied to the HTTP server block by mistake.",
    fix: "Send the header on HTTPS responses only, and make the plain-HTTP port redirect.",
    references: &["https://www.rfc-editor.org/rfc/rfc6797#section-8.1"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let walk = match answered_walk(&CHECK, obs) {
        Ok(walk) => walk,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    match walk.hops.first() {
        Some(first) if !first.sts.is_empty() => Finding::fail(
            &CHECK,
            target,
            format!(
                "{} answers over HTTP with Strict-Transport-Security: {}",
                first.url,
                first.sts.join(" | ")
            ),
        ),
        _ => Finding::pass(&CHECK, target, "no HSTS header over HTTP"),
    }
}
