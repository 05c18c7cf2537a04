use launchguard_core::{CheckDef, Finding, Severity};

use super::usable_header;
use crate::observe::{Observation, Settings};

pub static CHECK: CheckDef = CheckDef {
    id: "hsts.max_age_short",
    agent: "tls",
    title: "HSTS max-age too short",
    severity: Severity::Medium,
    what: "Fails when the HSTS max-age is below [tls].hsts_min_max_age (default 31536000 s, one year, \
           hstspreload's minimum). max-age=0 (HSTS being switched off) is called out.",
    why: "A browser forgets the policy when max-age runs out; a user who returns after that is exposed to \
          SSL stripping again. Short values are also refused by the preload list.",
    fix: "Raise max-age to at least 31536000 (one year); Mozilla recommends 63072000 (two years).",
    references: &["https://hstspreload.org/#deployment-recommendations"],
};

pub(crate) fn judge(obs: &Observation, settings: &Settings) -> Finding {
    let (hsts, header) = match usable_header(&CHECK, obs) {
        Ok(parsed) => parsed,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let max_age = hsts.max_age.unwrap_or(0);
    let finding = match max_age {
        0 => Finding::fail(
            &CHECK,
            target,
            "max-age=0 tells browsers to forget HSTS for this host",
        ),
        age if age < settings.hsts_min_max_age => Finding::fail(
            &CHECK,
            target,
            format!(
                "max-age={age} ({} days), under {} s",
                age / 86_400,
                settings.hsts_min_max_age
            ),
        ),
        age => Finding::pass(
            &CHECK,
            target,
            format!("max-age={age} ({} days)", age / 86_400),
        ),
    };
    finding
        .with_evidence("max_age", max_age)
        .with_evidence("header", header)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::{settings, with_https};

    #[test]
    fn one_year_is_the_minimum() {
        let judged = |header: &str| judge(&with_https(&[header]), &settings());
        assert_eq!(judged("max-age=31536000").status, Status::Pass);
        assert_eq!(judged("max-age=31535999").status, Status::Fail);
        assert!(judged("max-age=0").message.contains("forget"));
        assert_eq!(
            judged("max-age=x").status,
            Status::Skipped,
            "invalid is hsts.invalid's"
        );
    }
}
