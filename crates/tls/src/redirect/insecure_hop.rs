use launchguard_core::{CheckDef, Finding, Severity};

use super::{first_hop_secure, walk, with_hops};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "https.redirect.insecure_hop",
    agent: "tls",
    title: "Redirect to HTTPS goes through an insecure hop",
    severity: Severity::High,
    what: "Fails when the first redirect from plain HTTP does not go to https:// on the same host (for \
           example http://example.com -> http://www.example.com, or to another host first), or when any \
           later hop goes back to http://. hstspreload: redirects.http.first_redirect.insecure, \
           redirects.insecure.subsequent.",
    why: "Every plain-HTTP hop can be intercepted and redirected elsewhere; and HSTS for the host is only \
          learned if its own https:// origin is reached first.",
    fix: "Redirect http://host/ straight to https://host/ (same host); add or remove www only after that, \
          on HTTPS.",
    references: &["https://hstspreload.org/#submission-requirements"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let walk = match walk(&CHECK, obs) {
        Ok(walk) => walk,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let mut problems = Vec::new();
    if !first_hop_secure(obs, walk) {
        problems.push(format!(
            "the first redirect goes to {} instead of https://{}",
            walk.hops[0].location.as_deref().unwrap_or("?"),
            obs.host.name
        ));
    }
    for hop in walk.redirects().skip(1) {
        if let Some(next) = hop.location.as_deref().and_then(|l| hop.url.join(l).ok())
            && next.scheme() == "http"
        {
            problems.push(format!("{} redirects back to plain {next}", hop.url));
        }
    }
    let finding = if problems.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            "the first redirect goes to HTTPS on the same host, and no hop returns to HTTP",
        )
    } else {
        Finding::fail(&CHECK, target, problems.join("; "))
    };
    with_hops(finding, walk)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::with_walk;

    #[test]
    fn the_first_hop_must_be_https_on_the_same_host_and_no_hop_may_return_to_http() {
        let judged = |hops: &[(u16, Option<&str>)]| judge(&with_walk(hops)).status;
        assert_eq!(
            judged(&[(301, Some("https://example.com:8443/")), (200, None)]),
            Status::Pass
        );
        assert_eq!(
            judged(&[(301, Some("https://www.example.com/")), (200, None)]),
            Status::Fail
        );
        assert_eq!(
            judged(&[
                (301, Some("http://example.com/login")),
                (301, Some("https://example.com/")),
                (200, None)
            ]),
            Status::Fail
        );
        assert_eq!(
            judged(&[
                (301, Some("https://example.com/")),
                (302, Some("http://example.com/x")),
                (200, None)
            ]),
            Status::Fail
        );
        assert_eq!(
            judged(&[(200, None)]),
            Status::Skipped,
            "no redirect is https.redirect.missing's"
        );
    }
}
