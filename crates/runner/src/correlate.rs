//! Correlation between agents, on findings only (agents never know each other):
//! `dns.caa.issuer_mismatch` joins the CAA sets the dns agent recorded with the certificates the
//! tls agent saw.

use std::collections::BTreeSet;

use launchguard_core::{EvidenceValue, Finding, Status};
use launchguard_dns::{CAA_ISSUER_MISMATCH, RUNNER_DECIDES};

/// Public CAs and the CAA domain that authorises each, matched as a substring of the issuer.
const KNOWN_ISSUERS: &[(&str, &str)] = &[
    ("Let's Encrypt", "letsencrypt.org"),
    ("DigiCert", "digicert.com"),
    ("Sectigo", "sectigo.com"),
    ("ZeroSSL", "sectigo.com"),
    ("GlobalSign", "globalsign.com"),
    ("Google Trust Services", "pki.goog"),
    ("Amazon", "amazon.com"),
    ("Entrust", "entrust.net"),
    ("GoDaddy", "godaddy.com"),
    ("Buypass", "buypass.com"),
    ("SSL.com", "ssl.com"),
    ("Microsoft", "microsoft.com"),
];

/// One certificate the tls agent saw.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    host: String,
    issuer: String,
    wildcard: bool,
}

/// The CAA set governing one name, as the dns agent recorded it.
struct CaaSet {
    name: String,
    /// `None`: no CAA, every CA may issue.
    issue: Option<Vec<String>>,
    issuewild: Option<Vec<String>>,
}

fn texts(value: Option<&EvidenceValue>) -> Vec<String> {
    match value {
        Some(EvidenceValue::List(items)) => items.iter().map(|i| i.to_string()).collect(),
        Some(other) => vec![other.to_string()],
        None => Vec::new(),
    }
}

fn parse_sets(finding: &Finding) -> Vec<CaaSet> {
    texts(finding.evidence.get("caa_sets"))
        .iter()
        .filter_map(|line| {
            let mut parts = line.split('|');
            let name = parts.next()?.to_owned();
            let mut set = CaaSet {
                name,
                issue: None,
                issuewild: None,
            };
            let list = |v: &str| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_ascii_lowercase())
                    .collect()
            };
            for part in parts {
                if let Some(v) = part.strip_prefix("issue=") {
                    set.issue = Some(list(v));
                } else if let Some(v) = part.strip_prefix("issuewild=") {
                    set.issuewild = Some(list(v));
                }
            }
            Some(set)
        })
        .collect()
}

/// The leaf of a tls finding's `chain` evidence: `#0 subject=..; issuer=..; sans=[..]; ..`.
fn leaf(finding: &Finding) -> Option<Seen> {
    let chain = texts(finding.evidence.get("chain"));
    let first = chain.first()?.strip_prefix("#0 ")?;
    let field = |key: &str| -> Option<&str> {
        let start = first.find(&format!("{key}="))? + key.len() + 1;
        let rest = &first[start..];
        Some(rest.split("; ").next().unwrap_or(rest))
    };
    let subject = field("subject")?;
    let issuer = field("issuer")?;
    // A self-signed certificate has no CA to authorise (tls.cert.self_signed reports it).
    if subject == issuer {
        return None;
    }
    let sans = field("sans").unwrap_or_default();
    let display = &finding.target.display;
    let host = display
        .rsplit_once(':')
        .map_or(display.as_str(), |(h, _)| h)
        .to_ascii_lowercase();
    Some(Seen {
        host,
        issuer: issuer.to_owned(),
        wildcard: sans.contains("*."),
    })
}

fn is_below(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// Replaces each `dns.caa.issuer_mismatch` the dns agent left for the runner with a verdict.
pub fn caa_against_certificates(findings: &mut [Finding]) {
    let seen: BTreeSet<Seen> = findings
        .iter()
        .filter(|f| f.agent == "tls")
        .filter_map(leaf)
        .collect();
    for finding in findings.iter_mut() {
        if finding.check.as_str() != CAA_ISSUER_MISMATCH.id
            || finding.status != Status::Skipped
            || finding.message != RUNNER_DECIDES
        {
            continue;
        }
        *finding = decide(finding, &seen);
    }
}

fn decide(left: &Finding, seen: &BTreeSet<Seen>) -> Finding {
    let apex = left.target.display.to_ascii_lowercase();
    let sets = parse_sets(left);
    let private: Vec<(String, String)> = texts(left.evidence.get("issuer_caa_domains"))
        .iter()
        .filter_map(|pair| pair.rsplit_once('='))
        .map(|(issuer, domain)| (issuer.to_owned(), domain.to_ascii_lowercase()))
        .collect();
    let map_issuer = |issuer: &str| -> Option<String> {
        let lower = issuer.to_ascii_lowercase();
        private
            .iter()
            .map(|(i, d)| (i.as_str(), d.clone()))
            .chain(KNOWN_ISSUERS.iter().map(|(i, d)| (*i, (*d).to_owned())))
            .find(|(i, _)| lower.contains(&i.to_ascii_lowercase()))
            .map(|(_, d)| d)
    };
    let mut forbidden = Vec::new();
    let mut unknown = Vec::new();
    let mut allowed = Vec::new();
    for cert in seen.iter().filter(|c| is_below(&c.host, &apex)) {
        let Some(set) = sets
            .iter()
            .filter(|s| is_below(&cert.host, &s.name))
            .max_by_key(|s| s.name.len())
        else {
            continue;
        };
        let Some(ca) = map_issuer(&cert.issuer) else {
            unknown.push(format!("{} ({})", cert.host, cert.issuer));
            continue;
        };
        let permitted = match (&set.issue, &set.issuewild, cert.wildcard) {
            (None, _, _) => true,
            (_, Some(wild), true) => wild.contains(&ca),
            (Some(issue), _, _) => issue.contains(&ca),
        };
        let line = format!(
            "{}: issuer `{}` (CAA domain {ca}), CAA at {} allows {}",
            cert.host,
            cert.issuer,
            set.name,
            match (&set.issue, &set.issuewild, cert.wildcard) {
                (_, Some(wild), true) => format!("issuewild [{}]", wild.join(", ")),
                (Some(issue), _, _) => format!("issue [{}]", issue.join(", ")),
                (None, _, _) => "any CA".to_owned(),
            }
        );
        if permitted {
            allowed.push(line);
        } else {
            forbidden.push(line);
        }
    }
    let target = left.target.clone();
    let decided = if !forbidden.is_empty() {
        Finding::fail(
            &CAA_ISSUER_MISMATCH,
            target,
            format!("CAA forbids the issuer in use: {}", forbidden.join("; ")),
        )
        .with_evidence("certificates", forbidden)
    } else if !unknown.is_empty() {
        Finding::error(
            &CAA_ISSUER_MISMATCH,
            target,
            format!(
                "not verified: no CAA domain known for the issuer of {}; name it in [dns].issuer_caa_domains",
                unknown.join(", ")
            ),
        )
    } else if !allowed.is_empty() {
        Finding::pass(
            &CAA_ISSUER_MISMATCH,
            target,
            format!(
                "CAA allows every issuer seen ({} certificates)",
                allowed.len()
            ),
        )
        .with_evidence("certificates", allowed)
    } else {
        return Finding::skipped(
            &CAA_ISSUER_MISMATCH,
            target,
            format!("the tls agent saw no CA-issued certificate under {apex}"),
        )
        .with_evidence("caa_sets", texts(left.evidence.get("caa_sets")));
    };
    decided.with_evidence("caa_sets", texts(left.evidence.get("caa_sets")))
}

#[cfg(test)]
mod tests {
    use launchguard_core::{Target, TargetKind};

    use super::*;

    fn dns_left(sets: &[&str]) -> Finding {
        Finding::skipped(
            &CAA_ISSUER_MISMATCH,
            Target::new("dns:example.test", TargetKind::Host, "example.test"),
            RUNNER_DECIDES,
        )
        .with_evidence("caa_sets", sets.to_vec())
        .with_evidence(
            "issuer_caa_domains",
            vec!["Example Private CA=ca.example.test"],
        )
    }

    fn tls_seen(host: &str, issuer: &str, sans: &str) -> Finding {
        static TLS: launchguard_core::CheckDef = launchguard_core::CheckDef {
            id: "tls.cert.expired",
            agent: "tls",
            title: "t",
            severity: launchguard_core::Severity::High,
            what: "w",
            why: "y",
            fix: "f",
            references: &[],
        };
        Finding::pass(
            &TLS,
            Target::new("tls:x", TargetKind::Host, format!("{host}:443")),
            "ok",
        )
        .with_evidence(
            "chain",
            vec![format!(
                "#0 subject=CN={host}; issuer={issuer}; sans=[{sans}]; not_before=x"
            )],
        )
    }

    #[test]
    fn an_issuer_caa_does_not_name_fails_and_a_named_one_passes() {
        let mut findings = vec![
            dns_left(&["example.test|issue=letsencrypt.org"]),
            tls_seen(
                "www.example.test",
                "CN=R3, O=Let's Encrypt",
                "www.example.test",
            ),
        ];
        caa_against_certificates(&mut findings);
        assert_eq!(findings[0].status, Status::Pass, "{}", findings[0].message);

        let mut findings = vec![
            dns_left(&["example.test|issue=letsencrypt.org"]),
            tls_seen(
                "app.example.test",
                "CN=Example Private CA",
                "app.example.test",
            ),
        ];
        caa_against_certificates(&mut findings);
        assert_eq!(findings[0].status, Status::Fail, "{}", findings[0].message);
        assert!(findings[0].message.contains("ca.example.test"));
    }

    #[test]
    fn wildcard_certificates_are_judged_on_issuewild() {
        let mut findings = vec![
            dns_left(&["example.test|issue=letsencrypt.org|issuewild="]),
            tls_seen("a.example.test", "O=Let's Encrypt", "*.example.test"),
        ];
        caa_against_certificates(&mut findings);
        assert_eq!(findings[0].status, Status::Fail, "{}", findings[0].message);
    }

    #[test]
    fn unknown_issuers_are_errors_and_no_certificate_stays_skipped() {
        let mut findings = vec![
            dns_left(&["example.test|issue=letsencrypt.org"]),
            tls_seen("a.example.test", "CN=Mystery CA", "a.example.test"),
        ];
        caa_against_certificates(&mut findings);
        assert_eq!(findings[0].status, Status::Error, "{}", findings[0].message);

        let mut findings = vec![
            dns_left(&["example.test|any"]),
            tls_seen("other.test", "O=Let's Encrypt", "other.test"),
        ];
        caa_against_certificates(&mut findings);
        assert_eq!(findings[0].status, Status::Skipped);
        assert!(findings[0].message.contains("saw no CA-issued certificate"));
    }
}
