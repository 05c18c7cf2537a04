use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.hostname_mismatch",
    agent: "tls",
    title: "Certificate does not cover the hostname",
    severity: Severity::Critical,
    what: "Fails when no subjectAltName of the leaf certificate matches the hostname that was asked for \
           (sent as SNI). A wildcard covers exactly one label: `*.example.com` covers `a.example.com`, not \
           `example.com` or `a.b.example.com`. The subject CN is ignored, as browsers do.",
    why: "Browsers refuse the connection. For tenant hostnames this is the usual failure of a new custom \
          domain or of a second-level tenant name under a one-level wildcard.",
    fix: "Issue a certificate whose SANs include this hostname (or a wildcard that covers it), or make the \
          server select the right certificate for this SNI name.",
    references: &["https://www.rfc-editor.org/rfc/rfc6125#section-6.4"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let leaf = &chain[0];
    let finding = if leaf.covers(&obs.host.name) {
        Finding::pass(
            &CHECK,
            target,
            format!("{} is covered by the certificate", obs.host.name),
        )
    } else {
        Finding::fail(
            &CHECK,
            target,
            format!(
                "{} is not among the certificate's names [{}]",
                obs.host.name,
                leaf.dns_names.join(", ")
            ),
        )
    };
    about_chain(finding, obs, chain).with_evidence("requested_name", obs.host.name.as_str())
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::with_leaf;
    use launchguard_lab::tls::LeafSpec;

    #[test]
    fn a_wildcard_covers_one_label() {
        let spec = LeafSpec::for_names(&["*.app.example.com"]);
        assert_eq!(
            judge(&with_leaf("acme.app.example.com", &spec)).status,
            Status::Pass
        );
        assert_eq!(
            judge(&with_leaf("eu.acme.app.example.com", &spec)).status,
            Status::Fail
        );
        assert_eq!(
            judge(&with_leaf("app.example.com", &spec)).status,
            Status::Fail
        );
        assert_eq!(
            judge(&with_leaf("ACME.app.example.com.", &spec)).status,
            Status::Pass
        );
    }
}
