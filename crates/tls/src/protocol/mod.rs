//! `tls.protocol.*`: which protocol versions the server accepts, from one raw ClientHello per
//! version and one rustls TLS 1.3 handshake.

pub mod legacy;
pub mod tls12_missing;
pub mod tls13_missing;

use launchguard_core::Finding;

use crate::hello::{self, Probe, version_name};
use crate::observe::Observation;
use crate::suites;

/// Adds what the inspection handshake negotiated.
pub(crate) fn negotiated(finding: Finding, obs: &Observation) -> Finding {
    match &obs.inspection {
        Ok(i) => finding
            .with_evidence("negotiated_version", i.version.as_str())
            .with_evidence("negotiated_suite", i.suite.as_str())
            .with_evidence("key_exchange_group", i.group.clone().unwrap_or_default()),
        Err(failure) => finding.with_evidence(
            "negotiated",
            format!("no TLS 1.2/1.3 handshake: {}", failure.reason()),
        ),
    }
}

/// A (version, suite) pair that one probe of the run saw the server accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub version: u16,
    /// `None` when the suite has no code point we know (a TLS 1.3 suite).
    pub suite: Option<u16>,
    pub suite_name: String,
    /// Which probe saw it, in words.
    pub by: String,
}

/// Each distinct (suite, version) once, with every probe that saw it:
/// `TLS_RSA_WITH_AES_128_CBC_SHA at TLS 1.2 (by the TLS 1.2 probe, the rustls handshake)`.
pub(crate) fn describe_seen<'a>(seen: impl IntoIterator<Item = &'a Seen>) -> Vec<String> {
    let mut grouped: Vec<(String, u16, Vec<&str>)> = Vec::new();
    for entry in seen {
        match grouped
            .iter_mut()
            .find(|(name, version, _)| *name == entry.suite_name && *version == entry.version)
        {
            Some((_, _, by)) => {
                if !by.contains(&entry.by.as_str()) {
                    by.push(&entry.by);
                }
            }
            None => grouped.push((entry.suite_name.clone(), entry.version, vec![&entry.by])),
        }
    }
    grouped
        .into_iter()
        .map(|(name, version, by)| {
            format!("{name} at {} (by {})", version_name(version), by.join(", "))
        })
        .collect()
}

/// Every version and suite the run saw accepted, by any probe: the version probes (including
/// a lower version a server chose instead), the class probes and the inspection handshake. A
/// check may not claim a version or suite is refused when one of these shows it accepted.
pub(crate) fn seen_accepted(obs: &Observation) -> Vec<Seen> {
    let mut seen = Vec::new();
    let mut add = |version: u16, suite: u16, by: String| {
        seen.push(Seen {
            version,
            suite: Some(suite),
            suite_name: suites::name(suite),
            by,
        })
    };
    for (offered, probe) in &obs.versions {
        let by = format!("the {} probe", version_name(*offered));
        match probe {
            Probe::Accepted { suite } => add(*offered, *suite, by),
            Probe::Older { version, suite } => add(*version, *suite, by),
            Probe::Refused(_) | Probe::Inconclusive(_) => {}
        }
    }
    if let Some(offered) = obs.class_version {
        for (class, probe) in &obs.classes {
            let by = format!("the probe offering only {}", class.plural());
            match probe {
                Probe::Accepted { suite } => add(offered, *suite, by),
                Probe::Older { version, suite } => add(*version, *suite, by),
                Probe::Refused(_) | Probe::Inconclusive(_) => {}
            }
        }
    }
    if let Ok(inspection) = &obs.inspection {
        let version = [hello::TLS12, hello::TLS13]
            .into_iter()
            .find(|v| version_name(*v) == inspection.version);
        if let Some(version) = version {
            seen.push(Seen {
                version,
                suite: suites::code(&inspection.suite),
                suite_name: inspection.suite.clone(),
                by: "the rustls handshake".into(),
            });
        }
    }
    seen
}
