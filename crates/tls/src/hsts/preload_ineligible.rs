use std::net::IpAddr;

use launchguard_core::{CheckDef, EvidenceValue, Finding, Severity};

use super::parse;
use crate::observe::Observation;
use crate::redirect::first_hop_secure;
use crate::trust::Trust;

pub static CHECK: CheckDef = CheckDef {
    id: "hsts.preload_ineligible",
    agent: "tls",
    title: "Not eligible for the HSTS preload list",
    severity: Severity::Info,
    what: "Applies hstspreload's submission rules to a registrable domain (eTLD+1 by the Public Suffix \
           List) and fails with every reason code that blocks it: header.preloadable.* and header.parse.*, \
           response.no_header / response.multiple_headers, redirects.http.no_redirect, \
           redirects.http.first_redirect.insecure, redirects.insecure.subsequent, redirects.too_many, \
           domain.tls.invalid_cert_chain, domain.tls.sha1. For an IP address, a subdomain, or a name that is \
           not publicly registrable (localhost, .test, .internal...) preload does not apply and the check is \
           skipped. Severity is low when the header asks for preload (it will be refused), info otherwise.",
    why: "Preloading puts HSTS in the browser itself, closing the first-visit gap that the header alone \
          leaves open. A submission with any blocking reason is refused.",
    fix: "Fix each listed reason: `max-age=31536000; includeSubDomains; preload` on the first HTTPS \
          response, http:// redirecting to https:// on the same host first, a valid certificate chain. \
          Then submit at hstspreload.org.",
    references: &[
        "https://hstspreload.org/#submission-requirements",
        "https://github.com/chromium/hstspreload",
    ],
};

const NOT_PUBLIC: &[&str] = &[
    "test",
    "localhost",
    "invalid",
    "example",
    "local",
    "internal",
    "lan",
    "home.arpa",
    "corp",
];

fn not_applicable(name: &str) -> Option<String> {
    if name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
    {
        return Some(format!(
            "does not apply: {name} is an IP address (domain.format.is_ip_address)"
        ));
    }
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    if !lower.contains('.')
        || NOT_PUBLIC
            .iter()
            .any(|tld| lower.ends_with(&format!(".{tld}")))
    {
        return Some(format!(
            "does not apply: {name} is not a publicly registrable name"
        ));
    }
    match psl::domain_str(&lower) {
        None => Some(format!(
            "does not apply: {name} is a public suffix (domain.format.public_suffix)"
        )),
        Some(registrable) if registrable != lower => Some(format!(
            "does not apply: preload is submitted for the registrable domain {registrable}, which covers {name} (domain.is_subdomain)"
        )),
        Some(_) => None,
    }
}

pub(crate) fn judge(obs: &Observation) -> Finding {
    let target = obs.host.target.clone();
    if let Some(reason) = not_applicable(&obs.host.name) {
        return Finding::skipped(&CHECK, target, reason);
    }
    let response = match &obs.https {
        Err(reason) => {
            return Finding::error(
                &CHECK,
                target,
                format!("not verified: no HTTPS response: {reason}"),
            );
        }
        Ok(response) => response,
    };
    let mut reasons: Vec<&str> = Vec::new();
    let mut asks_for_preload = false;
    match response.sts.as_slice() {
        [] => reasons.push("response.no_header"),
        [one] => {
            let hsts = parse::parse(one);
            asks_for_preload = hsts.preload;
            reasons.extend(&hsts.errors);
            reasons.extend(parse::preload_issues(&hsts));
        }
        _ => reasons.push("response.multiple_headers"),
    }
    if let Some(Ok(walk)) = &obs.walk {
        let redirects: Vec<_> = walk.redirects().collect();
        if redirects.is_empty() {
            reasons.push("redirects.http.no_redirect");
        } else if !first_hop_secure(obs, walk) {
            reasons.push("redirects.http.first_redirect.insecure");
        }
        if redirects.iter().skip(1).any(|h| {
            h.location
                .as_deref()
                .is_some_and(|l| h.url.join(l).is_ok_and(|u| u.scheme() == "http"))
        }) {
            reasons.push("redirects.insecure.subsequent");
        }
        if redirects.len() > 3 {
            reasons.push("redirects.too_many");
        }
    }
    if !matches!(obs.trust, Ok(Trust::Trusted)) {
        reasons.push("domain.tls.invalid_cert_chain");
    }
    if obs.chain.as_ref().is_ok_and(|chain| {
        chain
            .iter()
            .any(|c| !c.self_issued && c.weak_hash == Some("SHA-1"))
    }) {
        reasons.push("domain.tls.sha1");
    }
    let finding = if reasons.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!("{} meets hstspreload's requirements", obs.host.name),
        )
    } else {
        let finding = Finding::fail(
            &CHECK,
            target,
            format!("not preloadable: {}", reasons.join(", ")),
        );
        if asks_for_preload {
            finding.with_severity(Severity::Low)
        } else {
            finding
        }
    };
    finding.with_evidence(
        "codes",
        reasons
            .into_iter()
            .map(EvidenceValue::from)
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_blocking_reason_is_named_and_asking_for_preload_raises_the_severity() {
        use launchguard_core::Status;

        use crate::observe::test_support::with_walk;

        let ready = with_walk(&[(301, Some("https://example.com/")), (200, None)]);
        assert_eq!(judge(&ready).status, Status::Pass);
        let mut blocked = with_walk(&[(301, Some("https://www.example.com/")), (200, None)]);
        if let Ok(response) = &mut blocked.https {
            response.sts = vec!["max-age=600; preload".into()];
        }
        blocked.trust = Ok(Trust::SelfSigned);
        let finding = judge(&blocked);
        assert_eq!(
            (finding.status, finding.severity),
            (Status::Fail, Severity::Low)
        );
        for code in [
            "header.preloadable.include_sub_domains.missing",
            "header.preloadable.max_age.below_1_year",
            "redirects.http.first_redirect.insecure",
            "domain.tls.invalid_cert_chain",
        ] {
            assert!(
                finding.message.contains(code),
                "{code}: {}",
                finding.message
            );
        }
        let mut no_redirect = with_walk(&[(200, None)]);
        if let Ok(response) = &mut no_redirect.https {
            response.sts = vec!["max-age=63072000; includeSubDomains".into()];
        }
        let finding = judge(&no_redirect);
        assert_eq!(
            finding.severity,
            Severity::Info,
            "no preload directive: informational"
        );
        assert!(
            finding.message.contains("redirects.http.no_redirect"),
            "{}",
            finding.message
        );
        assert!(
            finding
                .message
                .contains("header.preloadable.preload.missing"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn preload_applies_to_registrable_public_names_only() {
        assert!(not_applicable("example.com").is_none());
        assert!(not_applicable("example.co.uk").is_none());
        assert!(
            not_applicable("app.example.com")
                .unwrap()
                .contains("example.com")
        );
        assert!(not_applicable("127.0.0.1").unwrap().contains("IP address"));
        assert!(not_applicable("localhost").is_some());
        assert!(not_applicable("shop.lab.test").is_some());
        assert!(not_applicable("co.uk").is_some());
    }
}
