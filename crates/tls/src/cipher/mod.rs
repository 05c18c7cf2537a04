//! `tls.cipher.*`: one raw ClientHello per weakness class, at the highest pre-1.3 version the
//! server accepts, offering every known suite of the class. A class is judged on every suite the
//! run saw accepted (by the class probe, the version probes and the inspection handshake), so a
//! check never passes on a refusal that another probe of the same run disproves.

pub mod anon;
pub mod cbc;
pub mod no_forward_secrecy;
pub mod null;
pub mod weak;

use launchguard_core::{CheckDef, Finding};

use crate::hello::{self, Probe, version_name};
use crate::observe::Observation;
use crate::protocol::{Seen, describe_seen, negotiated, seen_accepted};
use crate::suites::CipherClass;

/// The shared judgement of a cipher class.
pub(crate) fn judge_class(check: &CheckDef, obs: &Observation, class: CipherClass) -> Finding {
    let target = obs.host.target.clone();
    let (what, plural) = (class.describe(), class.plural());
    let offered = class.suites().len();
    let seen = seen_accepted(obs);
    let (of_class, others): (Vec<&Seen>, Vec<&Seen>) = seen
        .iter()
        .partition(|s| s.suite.is_some_and(|suite| class.contains(suite)));
    let finding = if let Some(first) = of_class.first() {
        let accepted = describe_seen(of_class.iter().copied());
        Finding::fail(
            check,
            target,
            format!("the server accepts {what}: {}", accepted.join("; ")),
        )
        .with_evidence("accepted_suite", first.suite_name.as_str())
        .with_evidence("accepted", accepted.join("; "))
    } else {
        match (obs.class_version, obs.class(class)) {
            (Some(version), Some(Probe::Refused(how))) => {
                let others = if others.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (they saw only {})",
                        describe_seen(others.iter().copied()).join("; ")
                    )
                };
                Finding::pass(
                    check,
                    target,
                    format!(
                        "the {offered} {plural} offered at {} were refused ({how}), and no other \
                         probe saw one accepted{others}",
                        version_name(version)
                    ),
                )
            }
            (Some(_), Some(Probe::Inconclusive(why))) => {
                Finding::error(check, target, format!("not verified: {why}"))
            }
            (Some(_), Some(Probe::Accepted { .. } | Probe::Older { .. })) => Finding::error(
                check,
                target,
                "not verified: the class probe's answer is not a suite of the class",
            ),
            (Some(_), None) => Finding::error(check, target, "not verified: not probed"),
            (None, _) => without_class_probe(check, obs, &seen),
        }
    };
    // The count says the probe ran in full; the code points are in suites.rs.
    negotiated(finding, obs)
        .with_evidence("offered", format!("{offered} {plural}, in one ClientHello"))
}

/// The judgement when no pre-1.3 version probe was accepted, so no class was probed: a pass only
/// when every pre-1.3 version was refused and TLS 1.3 answered.
fn without_class_probe(check: &CheckDef, obs: &Observation, seen: &[Seen]) -> Finding {
    let target = obs.host.target.clone();
    let below_tls13: Vec<&Seen> = seen.iter().filter(|s| s.version < hello::TLS13).collect();
    if !below_tls13.is_empty() {
        return Finding::error(
            check,
            target,
            format!(
                "not verified: {} was accepted, but no version probe was, so the suites were not probed",
                describe_seen(below_tls13).join("; ")
            ),
        );
    }
    let pre13 = [hello::SSL3, hello::TLS10, hello::TLS11, hello::TLS12];
    let unknown: Vec<String> = pre13
        .iter()
        .filter_map(|version| match obs.version(*version) {
            Some(Probe::Refused(_)) => None,
            Some(Probe::Inconclusive(why)) => Some(format!("{}: {why}", version_name(*version))),
            Some(Probe::Accepted { .. } | Probe::Older { .. }) => None,
            None => Some(format!("{}: not probed", version_name(*version))),
        })
        .collect();
    if !unknown.is_empty() {
        return Finding::error(
            check,
            target,
            format!(
                "not verified: no pre-1.3 version was accepted, and not all were refused ({})",
                unknown.join("; ")
            ),
        );
    }
    if obs.tls13.is_ok() || seen.iter().any(|s| s.version == hello::TLS13) {
        return Finding::pass(
            check,
            target,
            "only TLS 1.3 is accepted (SSLv3, TLS 1.0, 1.1 and 1.2 were refused), and every TLS 1.3 \
             suite is an AEAD with forward secrecy",
        );
    }
    let why = obs
        .tls13
        .as_ref()
        .err()
        .map_or("", |failure| failure.reason());
    Finding::error(
        check,
        target,
        format!("not verified: no protocol version answered ({why})"),
    )
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::with_leaf;
    use crate::{protocol, suites};
    use launchguard_lab::tls::LeafSpec;

    /// A site whose class probes at TLS 1.2 were all refused, with `versions` as the version
    /// probes' answers.
    fn refused_classes(versions: Vec<(u16, Probe)>) -> Observation {
        let mut obs = with_leaf("example.com", &LeafSpec::for_names(&["example.com"]));
        obs.versions = versions;
        obs.class_version = Some(hello::TLS12);
        obs.classes = CipherClass::ALL
            .into_iter()
            .map(|class| (class, Probe::Refused("alert handshake_failure (40)".into())))
            .collect();
        obs
    }

    fn refused(how: &str) -> Probe {
        Probe::Refused(how.into())
    }

    #[test]
    fn a_class_refused_by_its_probe_but_accepted_by_another_probe_fails() {
        let obs = refused_classes(vec![
            (hello::SSL3, refused("alert protocol_version (70)")),
            (hello::TLS10, Probe::Accepted { suite: 0x002F }),
            (hello::TLS11, refused("alert protocol_version (70)")),
            (hello::TLS12, Probe::Accepted { suite: 0xC02F }),
        ]);
        for (check, class) in [
            (&cbc::CHECK, CipherClass::Cbc),
            (&no_forward_secrecy::CHECK, CipherClass::NoForwardSecrecy),
        ] {
            let finding = judge_class(check, &obs, class);
            assert_eq!(finding.status, Status::Fail, "{}", finding.message);
            assert!(
                finding
                    .message
                    .contains("TLS_RSA_WITH_AES_128_CBC_SHA at TLS 1.0 (by the TLS 1.0 probe)"),
                "{}",
                finding.message
            );
        }
        let null = judge_class(&null::CHECK, &obs, CipherClass::Null);
        assert_eq!(null.status, Status::Pass, "{}", null.message);
        assert!(
            null.message
                .contains("TLS_RSA_WITH_AES_128_CBC_SHA at TLS 1.0")
                && null
                    .message
                    .contains("13 NULL (unencrypted) suites offered at TLS 1.2"),
            "{}",
            null.message
        );
    }

    #[test]
    fn an_older_version_chosen_instead_counts_as_accepted() {
        let obs = refused_classes(vec![
            (hello::SSL3, refused("alert protocol_version (70)")),
            (hello::TLS10, refused("alert protocol_version (70)")),
            (hello::TLS11, refused("alert protocol_version (70)")),
            (
                hello::TLS12,
                Probe::Older {
                    version: hello::TLS10,
                    suite: 0x000A,
                },
            ),
        ]);
        let legacy = protocol::legacy::judge(&obs);
        assert_eq!(legacy.status, Status::Fail, "{}", legacy.message);
        assert!(legacy.message.starts_with("the server accepts TLS 1.0:"));
        let weak = judge_class(&weak::CHECK, &obs, CipherClass::Weak);
        assert_eq!(weak.status, Status::Fail, "{}", weak.message);
        let tls12 = protocol::tls12_missing::judge(&obs);
        assert_eq!(tls12.status, Status::Fail, "{}", tls12.message);
        assert!(tls12.message.contains("older TLS 1.0"), "{}", tls12.message);
    }

    #[test]
    fn a_version_the_rustls_handshake_negotiated_is_never_called_refused() {
        let mut obs = with_leaf("example.com", &LeafSpec::for_names(&["example.com"]));
        let all_refused: Vec<(u16, Probe)> =
            [hello::SSL3, hello::TLS10, hello::TLS11, hello::TLS12]
                .into_iter()
                .map(|v| (v, refused("alert handshake_failure (40)")))
                .collect();
        obs.versions = all_refused;
        obs.tls13 = Err(crate::handshake::HandshakeFailure::Refused(
            "the server sent alert protocol_version (70)".into(),
        ));
        if let Ok(inspection) = &mut obs.inspection {
            inspection.version = "TLS 1.2".into();
            inspection.suite = suites::name(0xC02F);
        }
        let tls12 = protocol::tls12_missing::judge(&obs);
        assert_eq!(tls12.status, Status::Pass, "{}", tls12.message);
        assert!(
            tls12.message.contains("by the rustls handshake"),
            "{}",
            tls12.message
        );
        // The raw probes were refused, so no class was probed: not "only TLS 1.3".
        let cbc = judge_class(&cbc::CHECK, &obs, CipherClass::Cbc);
        assert_eq!(cbc.status, Status::Error, "{}", cbc.message);

        if let Ok(inspection) = &mut obs.inspection {
            inspection.version = "TLS 1.3".into();
            inspection.suite = "TLS13_AES_128_GCM_SHA256".into();
        }
        let tls13 = protocol::tls13_missing::judge(&obs);
        assert_eq!(tls13.status, Status::Pass, "{}", tls13.message);
        let cbc = judge_class(&cbc::CHECK, &obs, CipherClass::Cbc);
        assert_eq!(cbc.status, Status::Pass, "{}", cbc.message);
    }

    #[test]
    fn nothing_passes_when_the_version_probes_are_missing() {
        let mut obs = with_leaf("example.com", &LeafSpec::for_names(&["example.com"]));
        obs.versions.clear();
        for class in CipherClass::ALL {
            let finding = judge_class(&null::CHECK, &obs, class);
            assert_eq!(finding.status, Status::Error, "{}", finding.message);
        }
    }
}
