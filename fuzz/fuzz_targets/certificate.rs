#![no_main]
//! The certificate reader (DER) and PEM bundles served as AIA issuers, rendered as evidence.

use launchguard_core::{Finding, Target, TargetKind};
use launchguard_tls::chain::CertInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match CertInfo::parse(data) {
        Ok(info) => launchguard_fuzz::render_findings(vec![
            Finding::pass(
                launchguard_tls::CHECKS[0],
                Target::new("tls:fuzz", TargetKind::Host, "fuzz.lab.test:443"),
                info.summary(),
            )
            .with_evidence("signature", info.signature.clone()),
        ]),
        Err(e) => launchguard_fuzz::assert_clean("certificate error", &e.to_string()),
    }
    for der in launchguard_tls::trust::certificates_in(data) {
        let _ = CertInfo::parse(&der);
    }
});
