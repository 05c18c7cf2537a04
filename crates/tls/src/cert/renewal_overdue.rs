use crate::config::Renewal;
use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, unexpired_chain};
use crate::chain::{CertInfo, format_time};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.renewal_overdue",
    agent: "tls",
    title: "Automatic certificate renewal has failed",
    severity: Severity::Medium,
    what: "For an automatically renewed certificate, fails when less than a third of its lifetime is left. \
           ACME clients renew when a third remains (30 days of a 90-day certificate), so a certificate past \
           that point was not renewed. A certificate counts as automatic when its target says renewal = \
           \"auto\", or with \"detect\" (the default) when its lifetime is 100 days or less or its issuer is \
           an ACME CA (Let's Encrypt, ZeroSSL, Google Trust Services, Buypass).",
    why: "Broken renewal is silent until the day the certificate expires. Caught here, there are still \
          weeks to repair the ACME client (expired credentials, a changed DNS provider, a firewall on the \
          challenge port).",
    fix: "Look at the ACME client's logs (certbot, cert-manager, Caddy, Traefik...), run a renewal by hand, \
          and make sure the reloaded server serves the new certificate.",
    references: &["https://letsencrypt.org/docs/integration-guide/#when-to-renew"],
};

const ACME_ISSUERS: &[&str] = &[
    "Let's Encrypt",
    "ZeroSSL",
    "Google Trust Services",
    "Buypass",
];

fn automatic(leaf: &CertInfo, renewal: Renewal) -> Option<String> {
    match renewal {
        Renewal::Auto => Some("renewal = \"auto\"".into()),
        Renewal::Manual => None,
        Renewal::Detect if leaf.lifetime_days() <= 100 => {
            Some(format!("a {}-day lifetime", leaf.lifetime_days()))
        }
        Renewal::Detect => ACME_ISSUERS
            .iter()
            .find(|ca| leaf.issuer.contains(*ca))
            .map(|ca| format!("issuer {ca}")),
    }
}

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match unexpired_chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let leaf = &chain[0];
    let Some(why_automatic) = automatic(leaf, obs.host.renewal) else {
        return Finding::skipped(
            &CHECK,
            target,
            format!(
                "does not apply: a {}-day certificate renewed by hand (tls.cert.expiring_soon covers it)",
                leaf.lifetime_days()
            ),
        );
    };
    let lifetime = (leaf.not_after - leaf.not_before).max(1);
    let left = leaf.not_after - obs.now;
    let finding = if left * 3 < lifetime {
        Finding::fail(
            &CHECK,
            target,
            format!(
                "renewal should have happened: {} of {} days left (under a third), automatic by {why_automatic}",
                left / 86_400,
                lifetime / 86_400
            ),
        )
    } else {
        Finding::pass(
            &CHECK,
            target,
            format!(
                "{} of {} days left; renewal due from {}",
                left / 86_400,
                lifetime / 86_400,
                format_time(leaf.not_after - lifetime / 3)
            ),
        )
    };
    about_chain(finding, obs, chain).with_evidence("automatic_because", why_automatic)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::with_leaf;
    use launchguard_lab::tls::LeafSpec;

    fn judged(starts: i64, lifetime: i64, renewal: Renewal) -> Finding {
        let mut spec = LeafSpec::for_names(&["example.com"]);
        spec.starts_in_days = starts;
        spec.lifetime_days = lifetime;
        let mut obs = with_leaf("example.com", &spec);
        obs.host.renewal = renewal;
        judge(&obs)
    }

    #[test]
    fn a_short_lived_certificate_past_two_thirds_of_its_life_was_not_renewed() {
        assert_eq!(judged(-70, 90, Renewal::Detect).status, Status::Fail);
        assert_eq!(judged(-50, 90, Renewal::Detect).status, Status::Pass);
    }

    #[test]
    fn manual_certificates_are_out_of_scope_and_auto_overrides_detection() {
        assert_eq!(judged(-300, 365, Renewal::Detect).status, Status::Skipped);
        assert_eq!(judged(-300, 365, Renewal::Auto).status, Status::Fail);
        assert_eq!(judged(-70, 90, Renewal::Manual).status, Status::Skipped);
    }
}
