#![no_main]
//! Log decoding: JSON escapes, percent-encoding, base64 tokens and PEM assembly, through the
//! scanner; then the redaction every finding gets.

use std::sync::LazyLock;

use launchguard_secrets::Scanner;
use libfuzzer_sys::fuzz_target;

static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::new);

fuzz_target!(|data: &[u8]| {
    for hit in SCANNER.scan_all(data) {
        assert!(hit.mask.start <= hit.mask.end && hit.mask.end <= data.len());
        launchguard_fuzz::assert_clean("redacted hit", &hit.redacted.to_string());
    }
    let text = String::from_utf8_lossy(data);
    let _ = launchguard_secrets::redact_text(&text);
});
