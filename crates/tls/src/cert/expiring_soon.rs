use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, unexpired_chain};
use crate::chain::format_time;
use crate::observe::{Observation, Settings};

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.expiring_soon",
    agent: "tls",
    title: "Certificate expires soon",
    severity: Severity::Medium,
    what: "Fails when the leaf certificate has fewer days left than [tls].expiring_soon_days (default 30). \
           Severity rises as the date nears: low above 14 days, medium from 14, high from 7.",
    why: "A weekly audit that warns a month ahead leaves four chances to renew before users see an error.",
    fix: "Renew now, deploy the new certificate and reload the server. If renewal is automatic, see why it \
          has not run (tls.cert.renewal_overdue).",
    references: &["https://letsencrypt.org/docs/integration-guide/#when-to-renew"],
};

pub(crate) fn judge(obs: &Observation, settings: &Settings) -> Finding {
    let chain = match unexpired_chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let leaf = &chain[0];
    let days_left = (leaf.not_after - obs.now) / 86_400;
    let finding = if days_left < settings.expiring_soon_days {
        let severity = match days_left {
            ..=7 => Severity::High,
            8..=14 => Severity::Medium,
            _ => Severity::Low,
        };
        Finding::fail(
            &CHECK,
            target,
            format!(
                "expires in {days_left} days ({}), under the {}-day threshold",
                format_time(leaf.not_after),
                settings.expiring_soon_days
            ),
        )
        .with_severity(severity)
    } else {
        Finding::pass(&CHECK, target, format!("{days_left} days left"))
    };
    about_chain(finding, obs, chain).with_evidence("days_left", days_left)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::{settings, with_leaf};
    use launchguard_lab::tls::LeafSpec;

    fn days_left(left: i64) -> Finding {
        let mut spec = LeafSpec::for_names(&["example.com"]);
        spec.starts_in_days = left - 90;
        judge(&with_leaf("example.com", &spec), &settings())
    }

    #[test]
    fn severity_rises_as_expiry_nears() {
        assert_eq!(days_left(60).status, Status::Pass);
        let low = days_left(20);
        assert_eq!((low.status, low.severity), (Status::Fail, Severity::Low));
        assert_eq!(days_left(10).severity, Severity::Medium);
        assert_eq!(days_left(3).severity, Severity::High);
        assert_eq!(
            days_left(-1).status,
            Status::Skipped,
            "expired is its own check"
        );
    }
}
