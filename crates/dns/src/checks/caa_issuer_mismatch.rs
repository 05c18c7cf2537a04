use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::{Issuer, show};

pub static CHECK: CheckDef = CheckDef {
    id: "dns.caa.issuer_mismatch",
    agent: "dns",
    title: "CAA forbids the CA that issued the certificate in use",
    severity: Severity::High,
    what: "Joins two agents' findings: for every certificate the tls agent saw on a hostname under a \
           configured domain, the CAA set that governs that hostname must allow the certificate's issuer \
           (`issue`, or `issuewild` for a wildcard certificate). The dns agent records the CAA sets; the \
           runner maps each issuer to its CAA domain (known public CAs, plus `[dns].issuer_caa_domains`) \
           and decides. Skipped when the tls agent saw no certificate under the domain. Each value is read \
           as a CA reads it (RFC 8659 section 4.2): one that is not an issuer domain \
           (`evil.example,letsencrypt.org`, a control character, a line break) authorises no CA and is \
           listed in `malformed_caa_values`.",
    why: "CAs must refuse to issue when CAA does not name them: the next automatic renewal will fail and \
          the certificate will expire. A certificate from a CA that CAA forbids was issued before the CAA \
          change, or by a CA that ignored it.",
    fix: "Add the CA in use to CAA (`CAA 0 issue \"letsencrypt.org\"`, and `issuewild` for wildcard \
          certificates), or move the certificates to a CA CAA already names.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc8659",
        "https://letsencrypt.org/docs/caa/",
    ],
};

/// The message the agent leaves for the runner, which replaces the finding with its verdict.
pub const RUNNER_DECIDES: &str = "decided by the runner from the certificates the tls agent saw";

/// Stands in the evidence for a value that is not an issuer domain: it holds neither of the
/// evidence's separators (`|`, `,`) and matches no CA's domain.
const MALFORMED: &str = "(malformed value)";

/// The CAA sets as evidence (`name|issue=a,b|issuewild=c`), and the configured private issuers;
/// the finding stays `skipped` unless the runner decides it. Each value is reduced to the issuer
/// domain a CA would read in it ([`Caa::issuer`](crate::observe::Caa::issuer)), so that no value
/// can pass for another CA or smuggle a separator into the evidence; the malformed values
/// themselves are listed apart.
pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let mut sets = Vec::new();
    let mut malformed = Vec::new();
    for got in &j.view.caa {
        match got {
            Ok(set) => {
                let values = |tag: &str| -> Option<String> {
                    let list: Vec<String> = set
                        .records
                        .iter()
                        .filter(|c| c.tag == tag)
                        .filter_map(|c| match c.issuer() {
                            Issuer::Domain(domain) => Some(domain),
                            Issuer::NoCa => None,
                            Issuer::Malformed => Some(MALFORMED.to_owned()),
                        })
                        .collect();
                    let named = set.records.iter().any(|c| c.tag == tag);
                    named.then(|| list.join(","))
                };
                for record in set.records.iter().filter(|c| {
                    matches!(c.tag.as_str(), "issue" | "issuewild")
                        && c.issuer() == Issuer::Malformed
                }) {
                    let line = format!(
                        "{}: {} \"{}\"",
                        show(&record.owner),
                        record.tag,
                        record.value.escape_debug()
                    );
                    if !malformed.contains(&line) {
                        malformed.push(line);
                    }
                }
                let mut line = show(&set.name);
                if set.records.is_empty() {
                    line.push_str("|any");
                } else {
                    line.push_str(&format!("|issue={}", values("issue").unwrap_or_default()));
                    if let Some(wild) = values("issuewild") {
                        line.push_str(&format!("|issuewild={wild}"));
                    }
                }
                sets.push(line);
            }
            Err(reason) => {
                return j.error(
                    &CHECK,
                    format!("not verified: the CAA set could not be read: {reason}"),
                );
            }
        }
    }
    let issuers: Vec<String> = j
        .issuer_caa_domains
        .iter()
        .map(|(issuer, domain)| format!("{issuer}={domain}"))
        .collect();
    let finding = j
        .skipped(&CHECK, RUNNER_DECIDES)
        .with_evidence("caa_sets", sets)
        .with_evidence("issuer_caa_domains", issuers);
    if malformed.is_empty() {
        finding
    } else {
        finding.with_evidence("malformed_caa_values", malformed)
    }
}
