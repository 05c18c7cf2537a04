use launchguard_core::{CheckDef, Finding, Severity};

use super::{walk, with_hops};
use crate::observe::{Observation, Settings};

pub static CHECK: CheckDef = CheckDef {
    id: "https.redirect.chain_too_long",
    agent: "tls",
    title: "Too many redirects to reach HTTPS",
    severity: Severity::Low,
    what: "Fails when more than [tls].max_redirects (default 3, hstspreload's limit) redirects are needed \
           before a final answer, or when the walk never ends in one.",
    why: "Each hop costs a round trip on every cold visit, and long chains are where loops and insecure \
          hops hide. hstspreload refuses domains that need more than three.",
    fix: "Redirect http://host/ to the final https:// URL in one hop.",
    references: &["https://hstspreload.org/#submission-requirements"],
};

pub(crate) fn judge(obs: &Observation, settings: &Settings) -> Finding {
    let walk = match walk(&CHECK, obs) {
        Ok(walk) => walk,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let count = walk.redirects().count();
    let ended = walk.hops.last().is_some_and(|h| h.location.is_none());
    let finding = if count > settings.max_redirects {
        Finding::fail(
            &CHECK,
            target,
            format!("{count} redirects, more than {}", settings.max_redirects),
        )
    } else if !ended {
        Finding::error(
            &CHECK,
            target,
            format!(
                "not verified: the walk stopped after {count} redirect(s): {}",
                walk.stopped.as_deref().unwrap_or("no final answer")
            ),
        )
    } else {
        Finding::pass(
            &CHECK,
            target,
            format!("{count} redirect(s) to the final answer"),
        )
    };
    with_hops(finding, walk).with_evidence("redirects", count as i64)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::{settings, with_walk};

    #[test]
    fn more_than_three_redirects_is_too_many() {
        let hop = (301, Some("https://example.com/"));
        let three = with_walk(&[hop, hop, hop, (200, None)]);
        assert_eq!(judge(&three, &settings()).status, Status::Pass);
        let four = with_walk(&[hop, hop, hop, hop, (200, None)]);
        assert_eq!(judge(&four, &settings()).status, Status::Fail);
    }
}
