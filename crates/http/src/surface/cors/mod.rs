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

use launchguard_core::{CheckDef, Finding, Severity, Status, Target, TargetKind};
use launchguard_net::Response;
use url::{Host, Url};

use super::Examined;
use super::fetch::{CorsEndpoint, CorsProbe};
use super::judge::{listed, shown};

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

/// The method the preflight probes ask for ([`super::fetch`] sends it): not CORS-safelisted, so
/// a browser sends it cross-origin only after a preflight that allows it.
pub(crate) const PREFLIGHT_METHOD: &str = "PUT";
/// The headers the preflight probes ask for. They do not decide a grant: an attacker who may send
/// a cross-origin PUT sends it without them, and a browser then needs no Allow-Headers for it.
pub(crate) const PREFLIGHT_HEADERS: &str = "authorization,content-type";

/// HTTP whitespace (Fetch standard): the only bytes a browser strips around a header value. Not
/// vertical tab, form feed, NBSP or any other Unicode space.
const HTTP_WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// What a browser lets the origin a probe was sent with do with one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// `Access-Control-Allow-Origin` is the origin: it reads the answer; `credentials`: also with
    /// the user's cookies.
    Origin { credentials: bool },
    /// `Access-Control-Allow-Origin: *`: any origin reads the answer, never with cookies;
    /// `credentials`: the server nevertheless sent `Access-Control-Allow-Credentials: true`.
    Wildcard { credentials: bool },
}

/// One answer judged as a browser's CORS check (and, for a preflight, its CORS-preflight fetch)
/// would: the grant, and why a browser refuses an answer that looks permissive at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Judged {
    pub grant: Option<Grant>,
    /// Set when the server's headers look permissive (the origin in another case or padding, a
    /// list, credentials in another spelling, a non-2xx preflight) but a browser blocks (all of
    /// it, or the credentialed request only).
    pub blocked: Option<String>,
    /// Whether the permissive-looking Access-Control-Allow-Origin was `*`.
    pub wildcard: bool,
}

/// The one value of header `name`, without HTTP whitespace; `Err` with every value when it was
/// sent more than once (a browser combines them into a list that matches nothing).
fn single<'a>(response: &'a Response, name: &'static str) -> Result<Option<&'a str>, Vec<&'a str>> {
    let values: Vec<&str> = response.headers_named(name).collect();
    match values.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.trim_matches(HTTP_WHITESPACE))),
        _ => Err(values),
    }
}

/// The items of an Access-Control-Allow-Methods or -Headers list (every header of that name), or
/// `None` when one is not a token: browsers then refuse the preflight.
fn allow_list<'a>(response: &'a Response, name: &'static str) -> Option<Vec<&'a str>> {
    let mut items = Vec::new();
    for item in response
        .headers_named(name)
        .flat_map(|value| value.split(','))
        .map(|item| item.trim_matches(HTTP_WHITESPACE))
        .filter(|item| !item.is_empty())
    {
        if !item.bytes().all(is_token_byte) {
            return None;
        }
        items.push(item);
    }
    Some(items)
}

/// A server's header value for evidence, every character other than printable ASCII written as
/// `\u{..}`: the difference from the origin (a trailing NBSP, a vertical tab) must be visible.
fn visible(value: &str) -> String {
    let escaped: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c.to_string()
            } else {
                format!("\\u{{{:x}}}", u32::from(c))
            }
        })
        .collect();
    shown(&escaped)
}

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Whether `value`, read as loosely as a careless server author would (any case, any Unicode
/// space, any item of a list), names `origin` or is `*`: worth telling when a browser refuses it.
fn looks_like(value: &str, origin: &str) -> Option<bool> {
    value
        .split(',')
        .map(str::trim)
        .find(|item| *item == "*" || item.eq_ignore_ascii_case(origin))
        .map(|item| item == "*")
}

/// What a browser makes of `response` to a probe of `origin` (a preflight asking for
/// [`PREFLIGHT_METHOD`] when `preflight`): the Fetch standard's CORS check, and for a preflight its
/// ok-status and Access-Control-Allow-Methods steps. A grant needs `Access-Control-Allow-Origin`
/// sent once and equal to the origin byte for byte (or `*`) after stripping HTTP whitespace only;
/// cookies need `Access-Control-Allow-Credentials` sent once and exactly `true`.
pub(crate) fn judge_answer(origin: &str, preflight: bool, response: &Response) -> Judged {
    let refused = |reason: String, wildcard: bool| Judged {
        grant: None,
        blocked: Some(reason),
        wildcard,
    };
    let nothing = Judged {
        grant: None,
        blocked: None,
        wildcard: false,
    };
    let allow = match single(response, "access-control-allow-origin") {
        Ok(Some(allow)) => allow,
        Ok(None) => return nothing,
        Err(values) => {
            return match values.iter().find_map(|v| looks_like(v, origin)) {
                Some(wildcard) => refused(
                    format!(
                        "{} Access-Control-Allow-Origin headers ({}): a browser accepts exactly one",
                        values.len(),
                        visible(&values.join(" | "))
                    ),
                    wildcard,
                ),
                None => nothing,
            };
        }
    };
    let wildcard = allow == "*";
    if !wildcard && allow != origin {
        return match looks_like(allow, origin) {
            Some(wildcard) => refused(
                format!(
                    "Access-Control-Allow-Origin `{}` is not the origin byte for byte (browsers compare exactly, strip only spaces and tabs, and accept one value)",
                    visible(allow)
                ),
                wildcard,
            ),
            None => nothing,
        };
    }
    if preflight && !(200..=299).contains(&response.status) {
        return refused(
            format!(
                "the preflight was answered {}: a browser sends the request only after a 2xx preflight",
                response.status
            ),
            wildcard,
        );
    }
    let mut methods_allow_credentials = true;
    if preflight {
        let (Some(methods), Some(_)) = (
            allow_list(response, "access-control-allow-methods"),
            allow_list(response, "access-control-allow-headers"),
        ) else {
            return refused(
                "Access-Control-Allow-Methods or -Headers is not a list of tokens: a browser refuses the preflight".to_owned(),
                wildcard,
            );
        };
        let listed = methods.contains(&PREFLIGHT_METHOD);
        if !listed && !methods.contains(&"*") {
            return refused(
                format!(
                    "Access-Control-Allow-Methods `{}` does not allow {PREFLIGHT_METHOD}",
                    visible(&methods.join(", "))
                ),
                wildcard,
            );
        }
        methods_allow_credentials = listed;
    }
    let sent = single(response, "access-control-allow-credentials");
    let credentials = matches!(sent, Ok(Some("true")));
    let loosely = match &sent {
        Ok(Some(value)) => value.trim().eq_ignore_ascii_case("true"),
        Ok(None) => false,
        Err(values) => values.iter().any(|v| v.trim().eq_ignore_ascii_case("true")),
    };
    let blocked = if wildcard {
        None
    } else if loosely && !credentials {
        Some(format!(
            "Access-Control-Allow-Credentials `{}` is not exactly one `true`: a browser sends no cookies",
            visible(
                &response
                    .headers_named("access-control-allow-credentials")
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        ))
    } else if credentials && !methods_allow_credentials {
        Some(format!(
            "Access-Control-Allow-Methods `*` does not cover {PREFLIGHT_METHOD} with cookies: a browser sends it only without"
        ))
    } else {
        None
    };
    Judged {
        grant: Some(if wildcard {
            Grant::Wildcard { credentials }
        } else {
            Grant::Origin {
                credentials: credentials && methods_allow_credentials,
            }
        }),
        blocked,
        wildcard,
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

/// An answer that looks permissive but that a browser refuses (wholly, or for cookies).
#[derive(Debug, Clone)]
pub(crate) struct Blocked {
    pub origin: String,
    pub kind: OriginKind,
    pub preflight: bool,
    /// The answer's Access-Control-Allow-Origin was (loosely) `*`.
    pub wildcard: bool,
    pub reason: String,
}

impl Blocked {
    fn describe(&self) -> String {
        format!(
            "{} ({}, {}): {}",
            self.origin,
            self.kind.describe(),
            if self.preflight {
                "preflight"
            } else {
                "simple request"
            },
            self.reason
        )
    }
}

/// An endpoint's probes, judged once for every CORS check.
pub(crate) struct Verdict {
    pub through: Vec<Through>,
    pub wildcard: Option<bool>,
    pub blocked: Vec<Blocked>,
    pub failed: Vec<(OriginKind, String)>,
    pub answered: usize,
}

pub(crate) fn verdict(endpoint: &CorsEndpoint) -> Verdict {
    let mut verdict = Verdict {
        through: Vec::new(),
        wildcard: None,
        blocked: Vec::new(),
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
                let judged = judge_answer(origin, *preflight, response);
                match judged.grant {
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
                if let Some(reason) = judged.blocked {
                    verdict.blocked.push(Blocked {
                        origin: origin.clone(),
                        kind: *kind,
                        preflight: *preflight,
                        wildcard: judged.wildcard,
                        reason,
                    });
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

    /// The answers that a browser refuses although they look permissive, for probes of `kinds`
    /// (`None`: the `*` answers), described for evidence.
    pub fn blocked(&self, kinds: Option<&[OriginKind]>) -> Vec<String> {
        self.blocked
            .iter()
            .filter(|b| match kinds {
                Some(kinds) => !b.wildcard && kinds.contains(&b.kind),
                None => b.wildcard,
            })
            .map(Blocked::describe)
            .collect()
    }
}

/// Adds the answers a browser refuses although they look permissive to `finding`'s evidence:
/// worth knowing (one careless change from a real grant), never a failure by itself.
pub(crate) fn with_blocked(mut finding: Finding, blocked: Vec<String>) -> Finding {
    if blocked.is_empty() {
        return finding;
    }
    if finding.status == Status::Pass {
        finding.message.push_str(&format!(
            "; a browser's CORS check refuses {} answer(s) that look permissive (see {BLOCKED_EVIDENCE})",
            blocked.len()
        ));
    }
    finding.with_evidence(BLOCKED_EVIDENCE, blocked)
}

/// The evidence key of [`with_blocked`].
pub(crate) const BLOCKED_EVIDENCE: &str = "refused_by_browsers";

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
            let blocked = verdict.blocked(Some(kinds));
            if !through.is_empty() {
                let credentials = through.iter().any(|t| t.credentials);
                let origins: Vec<String> = through.iter().map(|t| t.describe()).collect();
                return with_blocked(Finding::fail(
                    def,
                    target,
                    format!("{} {cause}: {}", endpoint.url, listed(&origins, 10)),
                )
                .with_severity(if credentials { Severity::High.max(def.severity) } else { Severity::Medium })
                .with_evidence("origins_through", origins)
                .with_evidence("credentials", credentials)
                .with_evidence("allowlist", allowlist(x)), blocked);
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
            with_blocked(
                Finding::pass(def, target, format!("{tried} probe(s) refused")),
                blocked,
            )
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

/// The reflection checks' failure: `url reflects {what}`, with every origin that got through.
pub(crate) fn reflection_fail(
    def: &'static CheckDef,
    x: &Examined<'_>,
    target: Target,
    endpoint: &CorsEndpoint,
    verdict: &Verdict,
    what: &str,
) -> Finding {
    let origins: Vec<String> = verdict.through.iter().map(Through::describe).collect();
    Finding::fail(
        def,
        target,
        format!(
            "{} reflects {what}; {} probe(s) got through: {}",
            endpoint.url,
            origins.len(),
            listed(&origins, 10)
        ),
    )
    .with_evidence("origins_through", origins)
    .with_evidence("allowlist", allowlist(x))
}

/// The reflection checks' error when no probe was answered, with the first probe's reason.
pub(crate) fn unanswered(def: &'static CheckDef, target: Target, verdict: &Verdict) -> Finding {
    Finding::error(
        def,
        target,
        format!(
            "not verified: no CORS probe was answered ({})",
            verdict
                .failed
                .first()
                .map_or("no probe sent", |(_, r)| r.as_str())
        ),
    )
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

    fn response(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        }
    }

    const ORIGIN: &str = "https://lg-x.invalid";

    fn simple(headers: &[(&str, &str)]) -> Option<Grant> {
        judge_answer(ORIGIN, false, &response(200, headers)).grant
    }

    fn credentialed(allow: &str, credentials: &str) -> Option<Grant> {
        simple(&[
            ("access-control-allow-origin", allow),
            ("access-control-allow-credentials", credentials),
        ])
    }

    #[test]
    fn grants_need_the_exact_origin_or_a_wildcard() {
        assert_eq!(
            credentialed(ORIGIN, "true"),
            Some(Grant::Origin { credentials: true })
        );
        assert_eq!(
            credentialed(" \t https://lg-x.invalid\t ", " true\t"),
            Some(Grant::Origin { credentials: true }),
            "spaces and tabs are stripped"
        );
        assert_eq!(
            simple(&[("access-control-allow-origin", "*")]),
            Some(Grant::Wildcard { credentials: false })
        );
        assert_eq!(
            simple(&[("access-control-allow-origin", "https://app.lab.test")]),
            None
        );
        assert_eq!(simple(&[]), None);
    }

    #[test]
    fn origins_compare_byte_for_byte_after_spaces_and_tabs_only() {
        for allow in [
            "HTTPS://LG-X.INVALID",
            "https://LG-x.invalid",
            "https://lg-x.invalid\u{b}",
            "\u{c}https://lg-x.invalid",
            "https://lg-x.invalid\u{a0}",
            "https://lg-x.invalid\u{2003}",
            "https://lg-x.invalid, https://app.lab.test",
            "https://lg-x.invalid,",
            "*\u{b}",
        ] {
            let judged = judge_answer(
                ORIGIN,
                false,
                &response(
                    200,
                    &[
                        ("access-control-allow-origin", allow),
                        ("access-control-allow-credentials", "true"),
                    ],
                ),
            );
            assert_eq!(judged.grant, None, "{allow:?}");
            assert!(
                judged
                    .blocked
                    .is_some_and(|b| b.contains("not the origin byte for byte")),
                "{allow:?}: a near miss is told"
            );
        }
        let nbsp = judge_answer(
            ORIGIN,
            false,
            &response(
                200,
                &[(
                    "access-control-allow-origin",
                    "https://lg-x.invalid\u{a0}\u{b}",
                )],
            ),
        );
        assert!(
            nbsp.blocked
                .is_some_and(|b| b.contains("`https://lg-x.invalid\\u{a0}\\u{b}`")),
            "the difference is shown"
        );
        let two = judge_answer(
            ORIGIN,
            false,
            &response(
                200,
                &[
                    ("access-control-allow-origin", ORIGIN),
                    ("Access-Control-Allow-Origin", ORIGIN),
                ],
            ),
        );
        assert_eq!(two.grant, None);
        assert!(two.blocked.is_some_and(|b| b.contains("exactly one")));
        assert_eq!(
            judge_answer(
                ORIGIN,
                false,
                &response(
                    200,
                    &[("access-control-allow-origin", "https://app.lab.test")]
                )
            ),
            Judged {
                grant: None,
                blocked: None,
                wildcard: false
            },
            "another origin is no near miss"
        );
    }

    #[test]
    fn cookies_need_exactly_one_lowercase_true() {
        for credentials in [
            "True",
            "TRUE",
            "true\u{b}",
            "\u{a0}true",
            "1",
            "yes",
            "true, true",
        ] {
            assert_eq!(
                credentialed(ORIGIN, credentials),
                Some(Grant::Origin { credentials: false }),
                "{credentials:?}"
            );
        }
        let twice = response(
            200,
            &[
                ("access-control-allow-origin", ORIGIN),
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-credentials", "true"),
            ],
        );
        let judged = judge_answer(ORIGIN, false, &twice);
        assert_eq!(judged.grant, Some(Grant::Origin { credentials: false }));
        assert!(judged.blocked.is_some_and(|b| b.contains("no cookies")));
        assert!(
            judge_answer(
                ORIGIN,
                false,
                &response(
                    200,
                    &[
                        ("access-control-allow-origin", ORIGIN),
                        ("access-control-allow-credentials", "TRUE")
                    ]
                )
            )
            .blocked
            .is_some_and(|b| b.contains("`TRUE`")),
            "the spelling is told"
        );
        assert_eq!(
            credentialed("*", "true"),
            Some(Grant::Wildcard { credentials: true })
        );
        assert_eq!(
            credentialed("*", "True"),
            Some(Grant::Wildcard { credentials: false })
        );
    }

    #[test]
    fn a_preflight_passes_only_with_a_2xx_and_the_method_allowed() {
        let preflight = |status, methods: Option<&str>, headers: Option<&str>| {
            let mut sent = vec![
                ("access-control-allow-origin", ORIGIN),
                ("access-control-allow-credentials", "true"),
            ];
            sent.extend(methods.map(|m| ("access-control-allow-methods", m)));
            sent.extend(headers.map(|h| ("access-control-allow-headers", h)));
            judge_answer(ORIGIN, true, &response(status, &sent))
        };
        let granted = Some(Grant::Origin { credentials: true });
        for status in [200, 204, 299] {
            assert_eq!(preflight(status, Some("GET, PUT"), None).grant, granted);
        }
        for status in [199, 301, 403, 404, 500] {
            let judged = preflight(status, Some("GET, PUT"), Some("authorization"));
            assert_eq!(judged.grant, None, "{status}");
            assert!(
                judged
                    .blocked
                    .is_some_and(|b| b.contains(&status.to_string()))
            );
        }
        assert_eq!(
            preflight(204, Some("GET,,PUT"), Some("x-a, ,x-b")).grant,
            granted,
            "empty list items are ignored"
        );
        assert_eq!(
            preflight(204, None, None).grant,
            None,
            "no Allow-Methods allows no PUT"
        );
        for methods in ["GET", "put", "PUT2", "GET, POST"] {
            assert_eq!(preflight(204, Some(methods), None).grant, None, "{methods}");
        }
        assert_eq!(
            preflight(204, Some("PUT, G(ET"), None).grant,
            None,
            "a malformed list fails the preflight"
        );
        assert_eq!(
            preflight(204, Some("PUT"), Some("authorization, x y")).grant,
            None,
            "so does a malformed Allow-Headers"
        );
        assert_eq!(
            preflight(204, Some("*"), None).grant,
            Some(Grant::Origin { credentials: false }),
            "`*` allows any method, but not with cookies"
        );
        assert_eq!(
            judge_answer(
                ORIGIN,
                true,
                &response(
                    204,
                    &[
                        ("access-control-allow-origin", "*"),
                        ("access-control-allow-methods", "*")
                    ]
                )
            )
            .grant,
            Some(Grant::Wildcard { credentials: false })
        );
        let refused_wildcard = judge_answer(
            ORIGIN,
            true,
            &response(
                500,
                &[
                    ("access-control-allow-origin", "*"),
                    ("access-control-allow-methods", "PUT"),
                ],
            ),
        );
        assert_eq!(refused_wildcard.grant, None);
        assert!(refused_wildcard.wildcard);
    }
}
