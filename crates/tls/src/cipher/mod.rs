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
