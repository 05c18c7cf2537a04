//! CORS, per endpoint: simple requests and preflights with origins derived from the declared
//! allowlist. Each origin that gets through is attributed to one root cause; reflection of an
//! arbitrary origin subsumes the others.

pub(crate) mod http_origin_trusted;
pub(crate) mod not_in_allowlist;
pub(crate) mod null_origin_trusted;
pub(crate) mod origin_reflected;
pub(crate) mod origin_reflected_with_credentials;
pub(crate) mod prefix_match_bypass;
pub(crate) mod suffix_match_bypass;
pub(crate) mod wildcard;
pub(crate) mod wildcard_with_credentials;

use launchguard_core::{CheckDef, Finding, Severity, Target, TargetKind};
use launchguard_net::Response;
use url::{Host, Url};

use super::Examined;
use super::fetch::{CorsEndpoint, CorsProbe};
use super::judge::listed;

/// Allowed origins whose look-alikes are probed (each costs ten requests per endpoint).
const MAX_SEED_ORIGINS: usize = 4;

/// How a probe origin was derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OriginKind {
    /// `https://lg-<nonce>.invalid`: an origin nobody would allow.
    Arbitrary,
    /// `null`: sandboxed frames, `data:` and `file:` documents.
    Null,
    /// An allowed origin followed by more labels: `https://app.example.com.lg-x.invalid`.
    Prefix,
    /// Characters before an allowed host: `https://lgxapp.example.com`.
    Suffix,
    /// An allowed host with a dot replaced by a letter, as an unescaped regex dot allows.
    UnescapedDot,
    /// A new subdomain of an allowed host.
    Subdomain,
    /// `http://` of an allowed `https://` origin.
    Http,
}

impl OriginKind {
    pub fn describe(self) -> &'static str {
        match self {
            OriginKind::Arbitrary => "arbitrary origin",
            OriginKind::Null => "null origin",
            OriginKind::Prefix => "prefix look-alike",
            OriginKind::Suffix => "suffix look-alike",
            OriginKind::UnescapedDot => "unescaped-dot look-alike",
            OriginKind::Subdomain => "unlisted subdomain",
            OriginKind::Http => "plain-HTTP variant",
        }
    }
}

fn with_port(url: &Url) -> String {
    url.port().map(|p| format!(":{p}")).unwrap_or_default()
}

/// The origins to try: an arbitrary one, `null`, and look-alikes of each allowed origin (of the
/// target's own origin when none is declared).
pub(crate) fn probe_origins(
    target: &Url,
    allowed: &[Url],
    nonce: &str,
) -> Vec<(String, OriginKind)> {
    let mut origins = vec![
        (format!("https://lg-{nonce}.invalid"), OriginKind::Arbitrary),
        ("null".to_owned(), OriginKind::Null),
    ];
    let own = [target.clone()];
    let seeds = if allowed.is_empty() {
        &own[..]
    } else {
        allowed
    };
    for seed in seeds.iter().take(MAX_SEED_ORIGINS) {
        let scheme = seed.scheme();
        let port = with_port(seed);
        let Some(host) = seed.host_str() else {
            continue;
        };
        let named = matches!(seed.host(), Some(Host::Domain(_)));
        let serialized = seed.origin().ascii_serialization();
        let mut add = |origin: String, kind| {
            let listed = allowed
                .iter()
                .any(|a| a.origin().ascii_serialization() == origin);
            if !listed && !origins.iter().any(|(o, _)| *o == origin) {
                origins.push((origin, kind));
            }
        };
        add(
            format!("{serialized}.lg-{nonce}.invalid"),
            OriginKind::Prefix,
        );
        if named {
            add(
                format!("{scheme}://lg{nonce}{host}{port}"),
                OriginKind::Suffix,
            );
            if let Some(dot) = host.find('.') {
                let mut dotless = host.to_owned();
                dotless.replace_range(dot..=dot, "x");
                add(
                    format!("{scheme}://{dotless}{port}"),
                    OriginKind::UnescapedDot,
                );
            }
            add(
                format!("{scheme}://lg-{nonce}.{host}{port}"),
                OriginKind::Subdomain,
            );
        }
        if scheme == "https" {
            add(format!("http://{host}{port}"), OriginKind::Http);
        }
    }
    origins
}

/// What one answer granted the origin it was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// `Access-Control-Allow-Origin` names the origin.
    Origin { credentials: bool },
    /// `Access-Control-Allow-Origin: *`.
    Wildcard { credentials: bool },
}

pub(crate) fn grant(origin: &str, response: &Response) -> Option<Grant> {
    let allow = response.header("access-control-allow-origin")?.trim();
    let credentials = response
        .header("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if allow == "*" {
        Some(Grant::Wildcard { credentials })
    } else if allow.eq_ignore_ascii_case(origin) {
        Some(Grant::Origin { credentials })
    } else {
        None
    }
}

/// One origin that got through on an endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Through {
    pub origin: String,
    pub kind: OriginKind,
    pub credentials: bool,
    pub preflight: bool,
}

impl Through {
    fn describe(&self) -> String {
        format!(
            "{} ({}, {}{})",
            self.origin,
            self.kind.describe(),
            if self.preflight {
                "preflight"
            } else {
                "simple request"
            },
            if self.credentials {
                ", with credentials"
            } else {
                ""
            }
        )
    }
}

/// An endpoint's probes, judged once for every CORS check.
pub(crate) struct Verdict {
    pub through: Vec<Through>,
    pub wildcard: Option<bool>,
    pub failed: Vec<(OriginKind, String)>,
    pub answered: usize,
}

pub(crate) fn verdict(endpoint: &CorsEndpoint) -> Verdict {
    let mut verdict = Verdict {
        through: Vec::new(),
        wildcard: None,
        failed: Vec::new(),
        answered: 0,
    };
    for CorsProbe {
        origin,
        kind,
        preflight,
        answer,
    } in &endpoint.probes
    {
        match answer {
            Err(reason) => verdict.failed.push((*kind, reason.clone())),
            Ok(response) => {
                verdict.answered += 1;
                match grant(origin, response) {
                    Some(Grant::Origin { credentials }) => verdict.through.push(Through {
                        origin: origin.clone(),
                        kind: *kind,
                        credentials,
                        preflight: *preflight,
                    }),
                    Some(Grant::Wildcard { credentials }) => {
                        verdict.wildcard = Some(verdict.wildcard.unwrap_or(false) || credentials)
                    }
                    None => {}
                }
            }
        }
    }
    verdict
}

impl Verdict {
    /// The arbitrary origin came back in Access-Control-Allow-Origin: `Some(credentials)`.
    pub fn reflected(&self) -> Option<bool> {
        let hits: Vec<&Through> = self
            .through
            .iter()
            .filter(|t| t.kind == OriginKind::Arbitrary)
            .collect();
        (!hits.is_empty()).then(|| hits.iter().any(|t| t.credentials))
    }
}

fn endpoint_target(x: &Examined<'_>, endpoint: &CorsEndpoint) -> Target {
    x.target.child(
        &format!("cors:{}", endpoint.url.path()),
        TargetKind::Url,
        endpoint.url.as_str(),
    )
}

/// The common judge of the look-alike causes: fails an endpoint when an origin of `kinds` got
/// through, unless reflection of any origin already explains it.
pub(crate) fn judge_kinds(
    def: &CheckDef,
    x: &Examined<'_>,
    kinds: &[OriginKind],
    cause: &str,
) -> Vec<Finding> {
    x.surface
        .cors
        .iter()
        .map(|endpoint| {
            let target = endpoint_target(x, endpoint);
            let verdict = verdict(endpoint);
            if verdict.reflected().is_some() {
                return Finding::skipped(
                    def,
                    target,
                    "subsumed: the endpoint reflects any origin (see cors.origin_reflected*)",
                );
            }
            // A server that checks "ends with the allowed host" also grants its subdomains: one
            // root cause, reported as the suffix match.
            let suffix_match = verdict.through.iter().any(|t| t.kind == OriginKind::Suffix);
            let explained = |t: &&Through| suffix_match && t.kind == OriginKind::Subdomain;
            let through: Vec<&Through> = verdict
                .through
                .iter()
                .filter(|t| kinds.contains(&t.kind) && !explained(t))
                .collect();
            if through.is_empty() && verdict.through.iter().any(|t| kinds.contains(&t.kind)) {
                return Finding::skipped(
                    def,
                    target,
                    "subsumed: the subdomains that got through are explained by a suffix match (see cors.suffix_match_bypass)",
                );
            }
            if !through.is_empty() {
                let credentials = through.iter().any(|t| t.credentials);
                let origins: Vec<String> = through.iter().map(|t| t.describe()).collect();
                return Finding::fail(
                    def,
                    target,
                    format!("{} {cause}: {}", endpoint.url, listed(&origins, 10)),
                )
                .with_severity(if credentials { Severity::High.max(def.severity) } else { Severity::Medium })
                .with_evidence("origins_through", origins)
                .with_evidence("credentials", credentials)
                .with_evidence("allowlist", allowlist(x));
            }
            let unverified: Vec<&(OriginKind, String)> =
                verdict.failed.iter().filter(|(k, _)| kinds.contains(k)).collect();
            if let Some((_, reason)) = unverified.first() {
                return Finding::error(def, target, format!("not verified: {reason}"));
            }
            let tried = endpoint.probes.iter().filter(|p| kinds.contains(&p.kind)).count();
            if tried == 0 {
                return Finding::skipped(def, target, "not applicable: no such look-alike of the allowed origins (IP address or http:// origins)");
            }
            Finding::pass(def, target, format!("{tried} probe(s) refused"))
        })
        .collect()
}

/// The declared intent, for evidence: the allowlist and whether credentials are meant.
pub(crate) fn allowlist(x: &Examined<'_>) -> String {
    let origins: Vec<String> = x
        .config
        .allowed_origins
        .iter()
        .map(|o| o.origin().ascii_serialization())
        .collect();
    format!(
        "[{}], credentials {}",
        origins.join(", "),
        if x.config.credentials {
            "intended"
        } else {
            "not intended"
        }
    )
}

/// Every origin that got through, described, for the reflection findings.
pub(crate) fn all_through(verdict: &Verdict) -> Vec<String> {
    verdict.through.iter().map(Through::describe).collect()
}

pub(crate) fn for_each_endpoint(
    x: &Examined<'_>,
    judge: impl Fn(Target, &CorsEndpoint, &Verdict) -> Finding,
) -> Vec<Finding> {
    x.surface
        .cors
        .iter()
        .map(|endpoint| {
            let verdict = verdict(endpoint);
            judge(endpoint_target(x, endpoint), endpoint, &verdict)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_are_derived_from_each_allowed_origin_and_never_equal_it() {
        let target = Url::parse("https://api.lab.test/v1").unwrap();
        let allowed = [Url::parse("https://app.lab.test").unwrap()];
        let origins = probe_origins(&target, &allowed, "n1");
        let of = |kind| {
            origins
                .iter()
                .find(|(_, k)| *k == kind)
                .map(|(o, _)| o.as_str())
        };
        assert_eq!(of(OriginKind::Arbitrary), Some("https://lg-n1.invalid"));
        assert_eq!(of(OriginKind::Null), Some("null"));
        assert_eq!(
            of(OriginKind::Prefix),
            Some("https://app.lab.test.lg-n1.invalid")
        );
        assert_eq!(of(OriginKind::Suffix), Some("https://lgn1app.lab.test"));
        assert_eq!(of(OriginKind::UnescapedDot), Some("https://appxlab.test"));
        assert_eq!(
            of(OriginKind::Subdomain),
            Some("https://lg-n1.app.lab.test")
        );
        assert_eq!(of(OriginKind::Http), Some("http://app.lab.test"));
        assert!(origins.iter().all(|(o, _)| o != "https://app.lab.test"));
        let own = probe_origins(&Url::parse("http://127.0.0.1:8080/").unwrap(), &[], "n1");
        assert_eq!(
            own.len(),
            3,
            "an IP origin has no name look-alikes: {own:?}"
        );
    }

    #[test]
    fn grants_need_an_exact_origin_or_a_wildcard() {
        let response = |headers: &[(&str, &str)]| Response {
            status: 200,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        };
        let origin = "https://lg-x.invalid";
        assert_eq!(
            grant(
                origin,
                &response(&[
                    ("access-control-allow-origin", origin),
                    ("access-control-allow-credentials", "true")
                ])
            ),
            Some(Grant::Origin { credentials: true })
        );
        assert_eq!(
            grant(origin, &response(&[("access-control-allow-origin", "*")])),
            Some(Grant::Wildcard { credentials: false })
        );
        assert_eq!(
            grant(
                origin,
                &response(&[("access-control-allow-origin", "https://app.lab.test")])
            ),
            None
        );
        assert_eq!(grant(origin, &response(&[])), None);
    }
}
