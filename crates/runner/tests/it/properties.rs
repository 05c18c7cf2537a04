//! Bounded property runs over the parsers and renderers that the fuzz targets (fuzz/, run by
//! scripts/fuzz.sh on nightly) explore for longer: arbitrary bytes and strings, no panic, and no
//! raw control character in anything a reader sees.

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
