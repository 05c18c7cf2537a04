//! `tls.cipher.*`: one raw ClientHello per weakness class, at the highest pre-1.3 version the
//! server accepts. A ServerHello choosing a suite of the class proves the server accepts it.

pub mod anon;
pub mod cbc;
pub mod no_forward_secrecy;
pub mod null;
pub mod weak;

use launchguard_core::{CheckDef, Finding};

use crate::handshake::HandshakeFailure;
use crate::hello::{Probe, version_name};
use crate::observe::Observation;
use crate::protocol::negotiated;
use crate::suites::{self, CipherClass};

/// The shared judgement of a class probe; `what` names the class in messages.
pub(crate) fn judge_class(
    check: &CheckDef,
    obs: &Observation,
    class: CipherClass,
    what: &str,
) -> Finding {
    let target = obs.host.target.clone();
    let finding = match (obs.class_version, obs.class(class)) {
        (Some(version), Some(Probe::Accepted { suite })) => Finding::fail(
            check,
            target,
            format!(
                "the server accepts {what}: it chose {} at {}",
                suites::name(*suite),
                version_name(version)
            ),
        )
        .with_evidence("accepted_suite", suites::name(*suite)),
        (Some(version), Some(Probe::Refused(how))) => Finding::pass(
            check,
            target,
            format!("{what} refused at {} ({how})", version_name(version)),
        ),
        (Some(_), Some(Probe::Inconclusive(why))) => {
            Finding::error(check, target, format!("not verified: {why}"))
        }
        (Some(_), None) => Finding::error(check, target, "not verified: not probed"),
        (None, _) => match (
            &obs.tls13,
            obs.versions
                .iter()
                .all(|(_, p)| matches!(p, Probe::Refused(_))),
        ) {
            (Ok(()), true) => Finding::pass(
                check,
                target,
                "only TLS 1.3 is accepted, and every TLS 1.3 suite is an AEAD with forward secrecy",
            ),
            (
                Err(
                    HandshakeFailure::Failed(why)
                    | HandshakeFailure::Refused(why)
                    | HandshakeFailure::TimedOut(why),
                ),
                _,
            ) => Finding::error(
                check,
                target,
                format!("not verified: no protocol version answered ({why})"),
            ),
            (Ok(()), false) => {
                let unknown: Vec<String> = obs
                    .versions
                    .iter()
                    .filter_map(|(version, probe)| match probe {
                        Probe::Inconclusive(why) => {
                            Some(format!("{}: {why}", version_name(*version)))
                        }
                        _ => None,
                    })
                    .collect();
                Finding::error(
                    check,
                    target,
                    format!(
                        "not verified: no pre-1.3 version was accepted or refused ({})",
                        unknown.join("; ")
                    ),
                )
            }
        },
    };
    // The count says the probe ran in full; the code points are in suites.rs.
    negotiated(finding, obs).with_evidence(
        "offered",
        format!("{} suites of the class ({what})", class.suites().len()),
    )
}
