use launchguard_core::{CheckDef, Finding, Severity};

use super::{walk, with_hops};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "https.redirect.not_permanent",
    agent: "tls",
    title: "Redirect to HTTPS is temporary",
    severity: Severity::Low,
    what: "Fails when any redirect on the way from plain HTTP uses 302, 303 or 307 instead of 301 or 308.",
    why: "A temporary redirect is not cached, so every visit starts over plain HTTP again, and search \
          engines keep the http:// URL.",
    fix: "Use 301 (or 308 to keep the method) for the HTTP-to-HTTPS redirect.",
    references: &["https://www.rfc-editor.org/rfc/rfc9110#section-15.4"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let walk = match walk(&CHECK, obs) {
        Ok(walk) => walk,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let temporary: Vec<String> = walk
        .redirects()
        .filter(|h| !matches!(h.status, 301 | 308))
        .map(|h| format!("{} answers {}", h.url, h.status))
        .collect();
    let finding = if temporary.is_empty() {
        Finding::pass(&CHECK, target, "every redirect is permanent (301/308)")
    } else {
        Finding::fail(
            &CHECK,
            target,
            format!("temporary redirect: {}", temporary.join("; ")),
        )
    };
    with_hops(finding, walk)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::with_walk;

    #[test]
    fn only_301_and_308_are_permanent() {
        for (status, expected) in [
            (301, Status::Pass),
            (308, Status::Pass),
            (302, Status::Fail),
            (303, Status::Fail),
            (307, Status::Fail),
        ] {
            let obs = with_walk(&[(status, Some("https://example.com/")), (200, None)]);
            assert_eq!(judge(&obs).status, expected, "{status}");
        }
    }
}
