#![no_main]
//! The Strict-Transport-Security header logic and its preload eligibility.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    let parsed = launchguard_tls::hsts::parse::parse(&header);
    let issues = launchguard_tls::hsts::parse::preload_issues(&parsed);
    for code in parsed.errors.iter().chain(&parsed.warnings).chain(&issues) {
        launchguard_fuzz::assert_clean("hsts code", code);
    }
});
