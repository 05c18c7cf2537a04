#![no_main]
//! The CORS judgement of the HTTP surface agent, every probe answered with hostile
//! Access-Control-* headers (`{origin}` stands for the probe's own Origin): no panic, clean
//! reports, and never a pass on an endpoint a browser would let any origin read with cookies.
//!
//! Input: one flag byte (bit 0: credentials intended, bit 1: preflights unanswered, bit 2: the
//! Access-Control-Allow-Origin value starts with the probe's origin), then lines: the allowed
//! origins (space-separated), the Access-Control-Allow-Origin value, the
//! Access-Control-Allow-Credentials value, and more `name: value` header lines.

use launchguard_core::Status;
use libfuzzer_sys::fuzz_target;
use url::Url;

/// The probe origin nobody would allow (the agent's nonce is `fuzz` here).
const ARBITRARY: &str = "https://lg-fuzz.invalid";

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let allowed: Vec<Url> = lines
        .next()
        .unwrap_or_default()
        .split(' ')
        .filter_map(|origin| Url::parse(origin).ok())
        .take(4)
        .collect();
    let allow = lines.next().unwrap_or_default().to_owned();
    let credentials = lines.next().unwrap_or_default().to_owned();
    let extra: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .take(8)
        .collect();
    let echo = flags & 4 != 0;
    let headers = |origin: &str| {
        let mut headers = vec![
            (
                "Access-Control-Allow-Origin".to_owned(),
                if echo {
                    format!("{origin}{allow}")
                } else {
                    allow.replace("{origin}", origin)
                },
            ),
            (
                "Access-Control-Allow-Credentials".to_owned(),
                credentials.clone(),
            ),
        ];
        headers.extend(
            extra
                .iter()
                .map(|(name, value)| (name.clone(), value.replace("{origin}", origin))),
        );
        headers
    };
    let preflights_unanswered = flags & 2 != 0;
    let url = Url::parse("https://api.fuzz.lab.test/v1").expect("a valid URL");
    let findings = launchguard_http::surface::judge_cors(
        &url,
        &allowed,
        flags & 1 != 0,
        |origin, preflight| {
            if preflights_unanswered && preflight {
                Err("connection refused".to_owned())
            } else {
                Ok((200, headers(origin)))
            }
        },
    );
    if launchguard_fuzz::browser_reads_with_credentials(ARBITRARY, &headers(ARBITRARY)) {
        let verdict = findings
            .iter()
            .find(|f| f.check.as_str() == "cors.origin_reflected_with_credentials")
            .expect("the check reports on the endpoint");
        assert_eq!(verdict.status, Status::Fail, "{}", verdict.message);
    }
    launchguard_fuzz::render_findings(findings);
});
