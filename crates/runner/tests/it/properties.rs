//! Bounded property runs over the parsers, judgements and renderers that the fuzz targets (fuzz/,
//! run by scripts/fuzz.sh on nightly) explore for longer: arbitrary bytes and strings, no panic,
//! no raw control character in anything a reader sees, and the promises of the CORS and DNS
//! judgements (no pass for what a browser or a CA would allow an attacker).

use launchguard::report::escape::is_hostile;
use launchguard_core::{Finding, Target, TargetKind};
use launchguard_tls::hello::{Parsed, Reply, certificates_after_hello, client_hello, parse_reply};
use proptest::prelude::*;

fn clean(text: &str) -> bool {
    !text.chars().any(|c| is_hostile(c) && c != '\n')
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Bytes that look like TLS records: a plausible header often, garbage otherwise.
fn records() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        (
            prop_oneof![Just(0x15u8), Just(0x16u8)],
            any::<u16>(),
            proptest::collection::vec(any::<u8>(), 0..400)
        )
            .prop_map(|(kind, length, body)| {
                let mut record = vec![kind, 3, 3];
                record.extend_from_slice(&length.to_be_bytes());
                record.extend_from_slice(&body);
                record
            }),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn server_hello_and_record_parsing_never_panics(bytes in records()) {
        if let Parsed::Done(Reply::Malformed(reason)) = parse_reply(&bytes) {
            prop_assert!(clean(&reason), "{reason:?}");
        }
        if let Some(Err(reason)) = certificates_after_hello(&bytes) {
            prop_assert!(clean(&reason.to_string()), "{reason:?}");
        }
    }

    #[test]
    fn client_hello_lengths_describe_what_follows(
        version in any::<u16>(),
        suites in proptest::collection::vec(any::<u16>(), 0..200),
        sni in proptest::option::of("[a-z0-9.-]{0,300}"),
    ) {
        let record = client_hello(version, &suites, sni.as_deref(), [1; 32]);
        let record_len = usize::from(u16::from_be_bytes([record[3], record[4]]));
        prop_assert_eq!(record_len, record.len() - 5);
    }

    #[test]
    fn the_certificate_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Err(e) = launchguard_tls::chain::CertInfo::parse(&bytes) {
            prop_assert!(clean(&e.to_string()));
        }
        let _ = launchguard_tls::trust::certificates_in(&bytes);
    }

    #[test]
    fn hsts_parsing_never_panics(header in any::<String>(), directives in "((max-age|includesubdomains|preload|x)(=[0-9\"a-z]{0,12})?; ?){0,6}") {
        for text in [header, directives] {
            let parsed = launchguard_tls::hsts::parse::parse(&text);
            let _ = launchguard_tls::hsts::parse::preload_issues(&parsed);
        }
    }

    #[test]
    fn log_decoding_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        escaped in r#"(sk-proj-|AKIA|\\u00|\\u|%2[0-9A-Fa-z]|%|[A-Za-z0-9+/=]{8}|-----BEGIN PRIVATE KEY-----\n|\\n|\\/|[ -~]){0,80}"#,
    ) {
        let scanner = launchguard_secrets::Scanner::new();
        for data in [bytes.as_slice(), escaped.as_bytes()] {
            for hit in scanner.scan_all(data) {
                prop_assert!(hit.mask.end <= data.len());
                prop_assert!(clean(&hit.redacted.to_string()));
            }
            let _ = launchguard_secrets::redact_text(&String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn config_parsing_gives_a_printable_error(text in any::<String>(), toml in r#"(\[scope\]|\[health\]|\[\[health\.endpoints\]\]|\[logs\]|hosts = \["127\.0\.0\.1"\]|name = "a"|url = "[ -~]{0,20}"|paths = \["x"\]|[a-z_]{1,12} = [0-9"\[\]{},]{1,8}|\n){0,12}"#) {
        for text in [text, toml] {
            if let Err(e) = launchguard_core::config::LoadedConfig::parse(
                std::path::Path::new("p.toml"),
                &text,
                launchguard::agents::AGENTS,
                &launchguard_core::config::Environment::process(),
            ) {
                prop_assert!(clean(&e.to_string()), "{:?}", e.to_string());
            }
        }
    }

    #[test]
    fn baseline_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = serde_json::from_slice::<launchguard::report::Report>(&bytes);
    }

}

proptest! {
    // Each case renders six formats: fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig { cases: 64, ..config() })]

    #[test]
    fn every_renderer_escapes_arbitrary_strings(message in any::<String>(), display in any::<String>(), evidence in any::<String>()) {
        let checks = launchguard_http::health::CHECKS;
        let target = Target::new("health:p", TargetKind::Url, display);
        let findings = vec![
            Finding::fail(checks[0], target.clone(), message.clone())
                .with_evidence("text", evidence.clone())
                .with_evidence("list", vec![evidence.clone(), message]),
            Finding::error(checks[1], target, evidence),
        ];
        let report = launchguard::audit::assemble(findings, None, &[], crate::corpus::run_info());
        let registry = launchguard::agents::registry();
        prop_assert!(clean(&launchguard::report::terminal::render(&report, &registry, false)));
        for format in crate::corpus::FORMATS {
            let text = launchguard::report::render(format, &report, &registry).unwrap();
            prop_assert!(clean(&text), "{format:?}");
        }
    }
}

/// The view of `corpus.lab.test` with only what a property fills in.
fn dns_view() -> launchguard_dns::observe::DomainView {
    let apex = hickory_proto::rr::Name::from_ascii("corpus.lab.test.").unwrap();
    launchguard_dns::observe::DomainView::unobserved(
        launchguard_dns::Domain {
            apex,
            hosts: Vec::new(),
            wildcard_base: None,
            target: Target::new("dns:corpus.lab.test", TargetKind::Host, "corpus.lab.test"),
        },
        "not observed: a property test",
    )
}

fn finding<'a>(findings: &'a [Finding], check: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.check.as_str() == check)
        .unwrap_or_else(|| panic!("no {check}"))
}

/// Bytes that look like DNS answers to `corpus.lab.test. TXT` (ID 0x1234): a valid header and
/// question followed by anything, or anything at all.
fn dns_replies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        (
            any::<u16>(),
            proptest::array::uniform4(0u16..4),
            proptest::collection::vec(any::<u8>(), 0..400)
        )
            .prop_map(|(flags, counts, tail)| {
                let mut bytes = vec![0x12, 0x34];
                bytes.extend_from_slice(&(flags | 0x8000).to_be_bytes());
                counts
                    .iter()
                    .for_each(|c| bytes.extend_from_slice(&c.to_be_bytes()));
                bytes.extend_from_slice(b"\x06corpus\x03lab\x04test\x00\x00\x10\x00\x01");
                bytes.extend_from_slice(&tail);
                bytes
            }),
    ]
}

/// The judgements of a view holding what `answer` carried (as the apex's TXT, CAA and MX).
fn judged_answer(answer: &launchguard_dns::wire::Answer) -> Vec<Finding> {
    use launchguard_dns::observe::{CaaSet, DmarcFound, caa_records, txt_strings};
    let mut view = dns_view();
    let apex = view.domain.apex.clone();
    let texts = txt_strings(&answer.answers);
    view.spf = Ok(texts
        .iter()
        .filter(|t| launchguard_dns::email::is_spf(t))
        .cloned()
        .collect());
    view.dmarc = Ok(texts
        .iter()
        .find(|t| launchguard_dns::email::is_dmarc(t))
        .map(|text| DmarcFound {
            at: apex.clone(),
            text: text.clone(),
            inherited: false,
        }));
    view.caa = vec![Ok(CaaSet {
        name: apex.clone(),
        records: caa_records(&apex, &answer.answers),
        climbed: vec![apex.clone()],
    })];
    view.mx = Ok(answer
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            hickory_proto::rr::RData::MX(mx) => Some(mx.exchange.clone()),
            _ => None,
        })
        .collect());
    view.mx_cnames = Ok(Vec::new());
    launchguard_dns::judge_view(&view)
}

/// Header values a CORS endpoint might send: echoes of the probe's origin (`{origin}`, or
/// `{ORIGIN}` upper-cased), with and without padding (HTTP whitespace or other spaces), wildcards,
/// lists, and anything else.
fn cors_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{origin}".to_owned()),
        Just("{ORIGIN}".to_owned()),
        Just("*".to_owned()),
        Just("null".to_owned()),
        "[ \t]{0,2}\\{origin\\}[ \t]{0,2}",
        "[ \t\u{b}\u{c}\u{a0}\u{2003}]{0,2}(\\{origin\\}|\\*)[ \t\u{b}\u{c}\u{a0}\u{2003}]{0,2}",
        "\\{origin\\}[,/ .]?[a-z]{0,3}",
        "[ -~]{0,24}",
        any::<String>(),
    ]
}

fn credentials_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("true".to_owned()),
        "[ \t]{0,2}(true|TRUE|True|false|1)[ \t]{0,2}",
        "[\u{b}\u{c}\u{a0}]?true[\u{b}\u{c}\u{a0}]?",
        any::<String>(),
    ]
}

/// Access-Control-Allow-Methods values: the probe's PUT or not, in any case, `*`, and garbage.
fn methods_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "(GET|PUT|put|POST|\\*)(, ?(GET|PUT|put|\\*|)){0,2}",
        "[ -~]{0,12}",
    ]
}

/// The names of the headers that decide a grant, in any case, and some that do not.
fn cors_header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "(access-control-allow-origin|Access-Control-Allow-Origin|ACCESS-CONTROL-ALLOW-ORIGIN)",
        "(access-control-allow-credentials|Access-Control-Allow-Credentials)",
        "(access-control-allow-methods|Access-Control-Allow-Headers)",
        "(vary|x-[a-z]{1,6})",
    ]
}

/// The bytes a browser strips around a header value (HTTP whitespace, Fetch standard).
const HTTP_WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// Fetch's "get": every value of `name` stripped of HTTP whitespace, combined with ", ".
fn fetch_get(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim_matches(HTTP_WHITESPACE))
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Fetch's "CORS check" of an answer to a request from `origin`, with cookies when `credentials`.
fn cors_check(origin: &str, credentials: bool, headers: &[(String, String)]) -> bool {
    let Some(allow) = fetch_get(headers, "access-control-allow-origin") else {
        return false;
    };
    if !credentials && allow == "*" {
        return true;
    }
    if allow != origin {
        return false;
    }
    !credentials
        || fetch_get(headers, "access-control-allow-credentials").as_deref() == Some("true")
}

/// Fetch's "extracting header list values" for an Access-Control-Allow-* list: its items, or
/// `None` (failure) when one is not a token.
fn allow_items(headers: &[(String, String)], name: &str) -> Option<Vec<String>> {
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    let mut items = Vec::new();
    for item in fetch_get(headers, name).unwrap_or_default().split(',') {
        let item = item.trim_matches(HTTP_WHITESPACE);
        if item.is_empty() {
            continue;
        }
        if !item.chars().all(tchar) {
            return None;
        }
        items.push(item.to_owned());
    }
    Some(items)
}

/// Whether a browser lets a page of `origin` send the probe's PUT (with cookies when
/// `credentials`) after a preflight answered `status` with `headers` (Fetch's CORS-preflight
/// fetch: an ok status, the CORS check, and the method allowed).
fn preflight_passes(
    origin: &str,
    credentials: bool,
    status: u16,
    headers: &[(String, String)],
) -> bool {
    let (Some(methods), Some(_)) = (
        allow_items(headers, "access-control-allow-methods"),
        allow_items(headers, "access-control-allow-headers"),
    ) else {
        return false;
    };
    (200..=299).contains(&status)
        && cors_check(origin, credentials, headers)
        && (methods.iter().any(|m| m == "PUT")
            || (!credentials && methods.iter().any(|m| m == "*")))
}

/// What a CORS endpoint sends back to a probe of `origin`.
fn cors_headers(
    origin: &str,
    allow: &str,
    credentials: &str,
    extra: &[(String, String)],
) -> Vec<(String, String)> {
    let fill = |value: &str| {
        value
            .replace("{origin}", origin)
            .replace("{ORIGIN}", &origin.to_ascii_uppercase())
    };
    let mut headers = vec![
        ("Access-Control-Allow-Origin".to_owned(), fill(allow)),
        (
            "Access-Control-Allow-Credentials".to_owned(),
            credentials.to_owned(),
        ),
    ];
    headers.extend(
        extra
            .iter()
            .map(|(name, value)| (name.clone(), fill(value))),
    );
    headers
}

/// Whether a browser lets a page of `origin` read (without cookies) its answer from `answer`.
fn lets_origin(
    origin: &str,
    preflight: bool,
    answer: &impl Fn(&str, bool) -> (u16, Vec<(String, String)>),
) -> bool {
    let (status, headers) = answer(origin, preflight);
    if preflight {
        preflight_passes(origin, false, status, &headers)
    } else {
        cors_check(origin, false, &headers)
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cors_verdicts_are_exactly_what_a_browser_lets_an_arbitrary_origin_do(
        allowed in proptest::collection::vec("https?://[a-z]{1,6}(\\.[a-z]{1,4}){0,2}(:[0-9]{2,4})?", 0..3),
        intended in any::<bool>(),
        allow in cors_value(),
        credentials in credentials_value(),
        extra in proptest::collection::vec((cors_header_name(), prop_oneof![cors_value(), methods_value()]), 0..3),
        methods in proptest::option::of(methods_value()),
        simple_status in prop_oneof![Just(200u16), Just(403), Just(500)],
        preflight_status in prop_oneof![Just(200u16), Just(204), Just(403), Just(404), Just(500), 100u16..600],
        answered in prop_oneof![Just(0u8), Just(1), Just(2)],
    ) {
        let url = url::Url::parse("https://api.corpus.lab.test/v1").unwrap();
        let allowed: Vec<url::Url> = allowed.iter().filter_map(|a| url::Url::parse(a).ok()).collect();
        let answer = |origin: &str, preflight: bool| {
            let mut headers = cors_headers(origin, &allow, &credentials, &extra);
            if preflight {
                headers.extend(methods.iter().map(|m| ("Access-Control-Allow-Methods".to_owned(), m.clone())));
            }
            (if preflight { preflight_status } else { simple_status }, headers)
        };
        // 0: every probe answered; 1: preflights unanswered; 2: nothing answered.
        let findings = launchguard_http::surface::judge_cors(&url, &allowed, intended, |origin, preflight| {
            match (answered, preflight) {
                (2, _) | (1, true) => Err("connection refused".to_owned()),
                _ => Ok(answer(origin, preflight)),
            }
        });
        prop_assert!(findings.iter().all(|f| f.check.as_str().starts_with("cors.")));
        let status = |check: &str| finding(&findings, check).status;
        if answered == 2 {
            prop_assert!(findings.iter().all(|f| f.status != launchguard_core::Status::Pass), "{findings:#?}");
            return Ok(());
        }
        // What a browser lets a page of the arbitrary origin do with each answered probe.
        let arbitrary = "https://lg-fuzz.invalid";
        let mut probes = vec![false];
        if answered == 0 {
            probes.push(true);
        }
        let lets = |credentials: bool, preflight: bool| {
            let (status, headers) = answer(arbitrary, preflight);
            if preflight {
                preflight_passes(arbitrary, credentials, status, &headers)
            } else {
                cors_check(arbitrary, credentials, &headers)
            }
        };
        let named = |preflight: bool| {
            fetch_get(&answer(arbitrary, preflight).1, "access-control-allow-origin").as_deref() == Some(arbitrary)
        };
        let wildcard = |preflight: bool| {
            fetch_get(&answer(arbitrary, preflight).1, "access-control-allow-origin").as_deref() == Some("*")
        };
        let with_cookies = probes.iter().any(|&p| named(p) && lets(true, p));
        let reads = probes.iter().any(|&p| named(p) && lets(false, p));
        let star = probes.iter().any(|&p| wildcard(p) && lets(false, p));
        let star_credentials = probes.iter().any(|&p| {
            wildcard(p)
                && lets(false, p)
                && fetch_get(&answer(arbitrary, p).1, "access-control-allow-credentials").as_deref() == Some("true")
        });
        use launchguard_core::Status::Fail;
        let verdict = finding(&findings, "cors.origin_reflected_with_credentials");
        prop_assert_eq!(verdict.status == Fail, with_cookies, "{}", verdict.message);
        let verdict = finding(&findings, "cors.origin_reflected");
        prop_assert_eq!(verdict.status == Fail, reads && !with_cookies, "{}", verdict.message);
        prop_assert_eq!(status("cors.wildcard_with_credentials") == Fail, star_credentials);
        prop_assert_eq!(status("cors.wildcard") == Fail, star && !star_credentials);
        // Never "through" unless Access-Control-Allow-Origin is the origin byte for byte (or `*`):
        // every origin in a failing finding's evidence was named exactly by its answer.
        for failing in findings.iter().filter(|f| f.status == Fail) {
            if let Some(launchguard_core::EvidenceValue::List(through)) = failing.evidence.get("origins_through") {
                for item in through {
                    let launchguard_core::EvidenceValue::Text(text) = item else {
                        panic!("{item:?} is not text");
                    };
                    let origin = text.split(' ').next().unwrap_or_default();
                    let preflight = text.contains(", preflight");
                    prop_assert!(
                        fetch_get(&answer(origin, preflight).1, "access-control-allow-origin").as_deref() == Some(origin)
                            && lets_origin(origin, preflight, &answer),
                        "{} lists {text}", failing.check
                    );
                }
            }
        }
    }
    #[test]
    fn dns_replies_parse_or_give_a_printable_reason(bytes in dns_replies()) {
        let name = hickory_proto::rr::Name::from_ascii("corpus.lab.test.").unwrap();
        match launchguard_dns::wire::parse_reply(&bytes, 0x1234, &name, hickory_proto::rr::RecordType::TXT) {
            Err(reason) => prop_assert!(clean(&reason), "{reason:?}"),
            Ok(answer) => {
                let findings = judged_answer(&answer);
                prop_assert_eq!(findings.len(), launchguard_dns::CHECKS.len());
            }
        }
    }

    #[test]
    fn spf_and_dmarc_judgements_keep_their_promises(
        spf in prop_oneof![
            "v=spf1( [+~?-]?(all|ALL|include:[a-z]{1,6}\\.test|a|mx|ptr|exists:[a-z]{1,4}|ip4:192\\.0\\.2\\.1|redirect=[a-z]{1,6}\\.test)){0,6}",
            any::<String>().prop_map(|s| format!("v=spf1 {s}")),
        ],
        dmarc in prop_oneof![
            "v=DMARC1(; ?(p|P|sp| p |rua|pct)=( ?none|reject|quarantine|REJECT|x| )){0,4}",
            any::<String>().prop_map(|s| format!("v=DMARC1; {s}")),
        ],
    ) {
        let parsed = launchguard_dns::email::parse_spf(&spf);
        prop_assert!(parsed.includes.len() + usize::from(parsed.redirect.is_some()) <= parsed.lookup_terms);
        let mut view = dns_view();
        view.spf = Ok(vec![spf.clone()]);
        view.dmarc = Ok(Some(launchguard_dns::observe::DmarcFound {
            at: view.domain.apex.clone(),
            text: dmarc.clone(),
            inherited: false,
        }));
        let findings = launchguard_dns::judge_view(&view);
        // Receivers stop at the first `all`: everything after it is never evaluated.
        let first_all = spf
            .split_ascii_whitespace()
            .skip(1)
            .map(|t| t.to_ascii_lowercase())
            .find(|t| t.trim_start_matches(['+', '-', '~', '?']) == "all");
        if finding(&findings, "dns.spf.permissive").status == launchguard_core::Status::Pass {
            prop_assert!(
                first_all.as_deref().is_none_or(|t| t.starts_with('-') || t.starts_with('~')),
                "{spf:?} passes with {first_all:?}"
            );
        }
        if finding(&findings, "dns.dmarc.weak").status == launchguard_core::Status::Pass {
            for tag in dmarc.split(';') {
                if let Some((key, value)) = tag.split_once('=')
                    && key.trim().eq_ignore_ascii_case("p")
                {
                    let value = value.trim().to_ascii_lowercase();
                    prop_assert!(value == "reject" || value == "quarantine", "{dmarc:?} passes with p={value}");
                }
            }
        }
    }

    #[test]
    fn caa_authorises_only_the_ca_a_value_names(
        values in proptest::collection::vec(
            "[ \t]?(letsencrypt\\.org|LetsEncrypt\\.org|evil\\.example|[a-z]{1,4}\\.[a-z]{2})([ \t]|[,|;=]|\u{2028}|\n|\u{a0}|\u{1b}|\u{0}|\\.)?(letsencrypt\\.org|issue=letsencrypt\\.org|[a-z]{0,3})?",
            1..4,
        ),
    ) {
        use launchguard_dns::observe::{Caa, CaaSet};
        let mut view = dns_view();
        let apex = view.domain.apex.clone();
        view.caa = vec![Ok(CaaSet {
            name: apex.clone(),
            records: values
                .iter()
                .map(|value| Caa { owner: apex.clone(), critical: false, tag: "issue".into(), value: value.clone() })
                .collect(),
            climbed: vec![apex.clone()],
        })];
        let mut findings = launchguard_dns::judge_view(&view);
        findings.push(crate::corpus::dns::certificate_seen());
        launchguard::correlate::caa_against_certificates(&mut findings);
        let verdict = finding(&findings, "dns.caa.issuer_mismatch");
        // What a CA reads (RFC 8659 section 4.2): the issuer domain before any `;`, between SP and HTAB.
        let names_lets_encrypt = values.iter().any(|v| {
            v.split(';').next().unwrap_or_default().trim_matches([' ', '\t']).eq_ignore_ascii_case("letsencrypt.org")
        });
        prop_assert_eq!(
            verdict.status == launchguard_core::Status::Pass,
            names_lets_encrypt,
            "{:?}: {}", values, verdict.message
        );
    }
}

proptest! {
    // Each case renders six formats: fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig { cases: 64, ..config() })]

    #[test]
    fn dns_and_cors_verdicts_on_hostile_answers_render_clean(
        bytes in dns_replies(),
        allow in cors_value(),
        credentials in credentials_value(),
    ) {
        let name = hickory_proto::rr::Name::from_ascii("corpus.lab.test.").unwrap();
        let mut findings = match launchguard_dns::wire::parse_reply(&bytes, 0x1234, &name, hickory_proto::rr::RecordType::TXT) {
            Ok(answer) => judged_answer(&answer),
            Err(reason) => vec![Finding::error(launchguard_dns::CHECKS[0], Target::new("dns:corpus.lab.test", TargetKind::Host, "corpus.lab.test"), reason)],
        };
        let url = url::Url::parse("https://api.corpus.lab.test/v1").unwrap();
        findings.extend(launchguard_http::surface::judge_cors(&url, &[], true, |origin, _| {
            Ok((200, cors_headers(origin, &allow, &credentials, &[])))
        }));
        let report = launchguard::audit::assemble(findings, None, &[], crate::corpus::run_info());
        let registry = launchguard::agents::registry();
        prop_assert!(clean(&launchguard::report::terminal::render(&report, &registry, false)));
        for format in crate::corpus::FORMATS {
            let text = launchguard::report::render(format, &report, &registry).unwrap();
            prop_assert!(clean(&text), "{format:?}");
        }
    }
}
