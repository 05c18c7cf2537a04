#![no_main]
//! Every report renderer fed hostile strings in every field a peer or a file controls.

use launchguard_core::{Finding, Target, TargetKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\u{0}');
    let mut next = || parts.next().unwrap_or("").to_owned();
    let (message, display, evidence, id) = (next(), next(), next(), next());
    let checks = launchguard_http::health::CHECKS;
    let target = Target::new(format!("health:{id}"), TargetKind::Url, display);
    let findings = vec![
        Finding::fail(checks[0], target.clone(), message.clone())
            .with_evidence("text", evidence.clone())
            .with_evidence("list", vec![evidence.clone(), message.clone()]),
        Finding::error(checks[1], target.clone(), evidence.clone()),
        Finding::skipped(checks[2], target, id),
    ];
    launchguard_fuzz::render_findings(findings);
});
