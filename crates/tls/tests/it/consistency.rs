//! A check never passes on a claim that another observation of the same run disproves, an
//! expired chain is reported as expired only, and no message shows a library's debug formatting.

use launchguard_core::Status;
use launchguard_lab::tls::{LeafKey, LeafSpec};

use crate::support::{Lab, Site, assert_words_only, run, timeouts};

/// A leaf that expired 10 days ago, sent with a re-issued intermediate that became valid 5 days
/// ago: no moment exists at which both are valid.
pub fn reissued_site(lab: &Lab) -> Site {
    let reissued = lab
        .root
        .intermediate_valid("launchguard lab re-issued intermediate", -5, 365);
    let mut spec = LeafSpec::for_names(&["reissued.lab.test"]);
    spec.starts_in_days = -100;
    spec.lifetime_days = 90;
    let mut site = lab.site_with("reissued", "reissued.lab.test", reissued.issue(&spec));
    site.chain = vec![site.leaf.cert.clone(), reissued.cert.clone()];
    site
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_accepting_only_static_rsa_cbc_suites_fails_every_class_they_belong_to() {
    let mut lab = Lab::new();
    let mut spec = LeafSpec::for_names(&["static-rsa.lab.test"]);
    spec.key = LeafKey::Rsa2048;
    let leaf = lab.intermediate.issue(&spec);
    // OpenSSL names: TLS_RSA_WITH_AES_128_CBC_SHA and TLS_RSA_WITH_AES_256_CBC_SHA, TLS 1.2 only.
    let port = lab.openssl_peer(&leaf, &["-tls1_2", "-cipher", "AES128-SHA:AES256-SHA"]);
    lab.add_target("static-rsa", "static-rsa.lab.test", port, 0, "");
    let config = lab.config(&["127.0.0.1", "static-rsa.lab.test"], "");
    let run = run(lab.dir.path(), &config, timeouts(3_000)).await;
    let target = "tls:static-rsa";

    for check in ["tls.cipher.cbc", "tls.cipher.no_forward_secrecy"] {
        let finding = run.get(check, target);
        assert_eq!(finding.status, Status::Fail, "{check}: {}", finding.message);
        assert!(
            finding.message.contains("TLS_RSA_WITH_AES_")
                && finding.message.contains("_CBC_SHA at TLS 1.2"),
            "{check}: {}",
            finding.message
        );
    }
    // The refusals are worded to what was offered, and name what other probes saw accepted.
    for check in ["tls.cipher.null", "tls.cipher.anon", "tls.cipher.weak"] {
        let finding = run.get(check, target);
        assert_eq!(finding.status, Status::Pass, "{check}: {}", finding.message);
        assert!(
            finding.message.contains("offered at TLS 1.2 were refused")
                && finding.message.contains("they saw only TLS_RSA_WITH_AES_"),
            "{check}: {}",
            finding.message
        );
    }
    for (check, status) in [
        ("tls.protocol.legacy", Status::Pass),
        ("tls.protocol.tls12_missing", Status::Pass),
        ("tls.protocol.tls13_missing", Status::Fail),
        ("tls.cert.untrusted", Status::Pass),
    ] {
        let finding = run.get(check, target);
        assert_eq!(finding.status, status, "{check}: {}", finding.message);
    }
    assert_words_only(&run.findings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_leaf_under_a_later_issuer_is_reported_as_expired_only() {
    let mut lab = Lab::new();
    let site = reissued_site(&lab);
    lab.add(site).await;
    let config = lab.config(&["127.0.0.1", "reissued.lab.test"], "");
    let run = run(lab.dir.path(), &config, timeouts(3_000)).await;
    let target = "tls:reissued";

    let expired = run.get("tls.cert.expired", target);
    assert_eq!(expired.status, Status::Fail, "{}", expired.message);
    let untrusted = run.get("tls.cert.untrusted", target);
    assert_eq!(untrusted.status, Status::Skipped, "{}", untrusted.message);
    assert!(
        untrusted
            .message
            .contains("no moment exists at which every certificate of the chain is valid")
            && untrusted.message.contains("reported as tls.cert.expired"),
        "{}",
        untrusted.message
    );
    let incomplete = run.get("tls.cert.chain_incomplete", target);
    assert_eq!(incomplete.status, Status::Skipped, "{}", incomplete.message);
    assert_eq!(run.status("tls.cert.self_signed", target), Status::Pass);
    assert_words_only(&run.findings);
}
