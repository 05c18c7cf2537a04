//! The Knot lab: a clean signed zone, a zone with one planted flaw per check, bogus and expiring
//! signatures.

use launchguard_core::Status;
use launchguard_lab::dns::{knot_missing, start_lab};

use crate::support::{audit, by_check, status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_flaws_fire_and_the_clean_zone_stays_quiet() {
    if let Some(reason) = knot_missing() {
        panic!("the Knot lab needs Knot and ldns (scripts/test.sh installs them): {reason}");
    }
    let dir = tempfile::tempdir().unwrap();
    let lab = start_lab(dir.path()).await.expect("the Knot lab starts");
    let section = lab.config_section(&[
        "clean.test",
        "lab.test",
        "bogus.test",
        "expiring.test",
        "mail.test",
    ]);
    let findings = audit(&section, 2_000, 60).await;

    let clean = by_check(&findings, "clean.test");
    for (check, (status, message)) in &clean {
        let expected = if check == "dns.caa.issuer_mismatch" {
            Status::Skipped
        } else {
            Status::Pass
        };
        assert_eq!(*status, expected, "{check} on the clean zone: {message}");
    }

    let flawed = by_check(&findings, "lab.test");
    for check in [
        "dns.soa.timers",
        "dns.ttl.zero",
        "dns.ttl.huge",
        "dns.delegation.lame",
        "dns.ns.dangling",
        "dns.dangling_a",
        "dns.dangling_cname",
        "dns.takeover.candidate",
        "dns.wildcard.dangling",
        "dns.wildcard.unexpected",
        "dns.mx.cname",
        "dns.mta_sts.missing",
        "dns.spf.permissive",
        "dns.spf.too_many_lookups",
        "dns.dmarc.weak",
        "dns.caa.no_iodef",
        "dns.axfr_open",
        "dns.dnssec.unsigned",
    ] {
        assert_eq!(
            status(&flawed, check),
            Status::Fail,
            "{check} on lab.test: {:?}",
            flawed[check]
        );
    }
    let takeover = &flawed["dns.takeover.candidate"].1;
    assert!(
        takeover.contains("azurewebsites.net") && takeover.contains("Azure App Service"),
        "{takeover}"
    );
    let takeover_finding = findings
        .iter()
        .find(|f| f.check.as_str() == "dns.takeover.candidate" && f.target.id == "dns:lab.test")
        .unwrap();
    let candidates = takeover_finding.evidence["candidates"].to_string();
    assert!(
        candidates.contains("github.io") && candidates.contains("an HTTP fingerprint must decide"),
        "a live target is a candidate, never confirmed: {candidates}"
    );
    assert!(
        !candidates
            .to_ascii_lowercase()
            .contains("confirmed takeover")
    );
    assert!(
        takeover_finding
            .evidence
            .contains_key("fingerprints_version")
    );
    for quiet in [
        "dns.resolve.failed",
        "dns.open_resolver",
        "dns.dnssec.invalid",
        "dns.caa.missing",
    ] {
        assert_eq!(
            status(&flawed, quiet),
            Status::Pass,
            "{quiet} on lab.test: {:?}",
            flawed[quiet]
        );
    }

    let mail = by_check(&findings, "mail.test");
    for check in [
        "dns.ns.single",
        "dns.spf.multiple",
        "dns.dmarc.missing",
        "dns.caa.missing",
    ] {
        assert_eq!(
            status(&mail, check),
            Status::Fail,
            "{check} on mail.test: {:?}",
            mail[check]
        );
    }
    assert_eq!(status(&mail, "dns.dnssec.invalid"), Status::Pass);

    let bogus = by_check(&findings, "bogus.test");
    assert_eq!(
        status(&bogus, "dns.dnssec.invalid"),
        Status::Fail,
        "{:?}",
        bogus["dns.dnssec.invalid"]
    );
    assert_eq!(
        status(&bogus, "dns.dnssec.expiring"),
        Status::Fail,
        "expired is within 7 days"
    );
    let expiring = by_check(&findings, "expiring.test");
    assert_eq!(
        status(&expiring, "dns.dnssec.expiring"),
        Status::Fail,
        "{:?}",
        expiring["dns.dnssec.expiring"]
    );
    assert_eq!(
        status(&expiring, "dns.dnssec.invalid"),
        Status::Pass,
        "{:?}",
        expiring["dns.dnssec.invalid"]
    );
}
