#![no_main]
//! Baseline reports: whatever parses as a report renders safely, and diffs against itself.

use std::path::Path;

use launchguard::report::Report;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = serde_json::from_slice::<Report>(data) else {
        return;
    };
    launchguard_fuzz::render_all(&report);
    let path = Path::new("baseline.json");
    let diff = launchguard::baseline::diff(path, &report, path, &report);
    launchguard_fuzz::assert_clean(
        "diff",
        &launchguard::report::terminal::render_diff(&diff, false),
    );
    launchguard_fuzz::assert_clean("diff", &launchguard::report::markdown::render_diff(&diff));
});
