//! The agent: targets from `[tls]`, hosts observed with bounded concurrency, every check judged
//! on every host, and certificate findings grouped by certificate (one root cause, one finding).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use launchguard_core::config::{Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, EvidenceValue, Finding, Registration,
    Status, Target,
};

use crate::config::TlsConfig;
use crate::observe::{Host, Observation, Settings, observe};
use crate::{CHECKS, cert, cipher, hsts, protocol, redirect};

/// The checks judged per certificate: hostnames that share a certificate share one finding.
const PER_CERTIFICATE: &[&str] = &[
    "tls.cert.expired",
    "tls.cert.not_yet_valid",
    "tls.cert.expiring_soon",
    "tls.cert.renewal_overdue",
    "tls.cert.self_signed",
    "tls.cert.untrusted",
    "tls.cert.chain_incomplete",
    "tls.cert.chain_order",
    "tls.cert.key_too_small",
    "tls.cert.weak_signature",
    "tls.cert.lifetime_too_long",
    "tls.cert.no_revocation_info",
    "tls.ocsp.no_stapling",
    "tls.ct.no_scts",
];

/// The TLS agent, built from a validated `[tls]`.
#[derive(Debug)]
pub struct TlsAgent {
    pub(crate) hosts: Vec<Host>,
    pub(crate) settings: Settings,
    pub(crate) concurrency: usize,
}

/// The registration of `[tls]`.
pub struct TlsSpec;

pub static AGENT: Registration<TlsSpec> = Registration::new();

impl AgentSpec for TlsSpec {
    const NAME: &'static str = "tls";
    const ABOUT: &'static str = "HTTPS per hostname and tenant hostname: certificates, protocols and cipher classes, HSTS and the HTTP redirect";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = TlsConfig;
    type Validated = TlsAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS
    }

    fn validate(config: TlsConfig, cx: &SectionContext<'_>) -> Result<TlsAgent, Invalid> {
        crate::config::validate(config, cx)
    }

    fn build(agent: TlsAgent) -> Arc<dyn Agent> {
        Arc::new(agent)
    }
}

impl Agent for TlsAgent {
    fn targets(&self) -> Vec<Target> {
        self.hosts.iter().map(|h| h.target.clone()).collect()
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let mut per_certificate = Vec::new();
            let mut observed = futures_util::stream::iter(self.hosts.iter().cloned())
                .map(|host| {
                    tracing::info!(host = %host.target.display, "examining TLS host");
                    observe(host, ctx, &self.settings)
                })
                .buffer_unordered(self.concurrency.max(1));
            // Certificate findings are grouped at the end; stop a little before the deadline so
            // that what was observed is still reported.
            let left = ctx
                .deadline
                .saturating_duration_since(tokio::time::Instant::now());
            let flush_at = ctx.deadline - (left / 10).min(Duration::from_secs(2));
            let mut finished = HashSet::new();
            loop {
                let obs = match tokio::time::timeout_at(flush_at, observed.next()).await {
                    Ok(Some(obs)) => obs,
                    Ok(None) => break,
                    Err(_) => {
                        tracing::warn!(
                            "the TLS agent's deadline is near: reporting what it has observed"
                        );
                        break;
                    }
                };
                finished.insert(obs.host.target.id.clone());
                let (grouped, direct): (Vec<Finding>, Vec<Finding>) =
                    judge_all(&obs, &self.settings)
                        .into_iter()
                        .partition(|f| PER_CERTIFICATE.contains(&f.check.as_str()));
                for finding in direct {
                    ctx.report(finding);
                }
                per_certificate.extend(grouped);
            }
            for finding in group_by_certificate(per_certificate, &self.targets()) {
                ctx.report(finding);
            }
            for host in self
                .hosts
                .iter()
                .filter(|h| !finished.contains(&h.target.id))
            {
                for check in CHECKS {
                    ctx.report(Finding::error(
                        check,
                        host.target.clone(),
                        "not verified: the tls agent's deadline ([scope].agent_deadline_secs) came before this host was examined",
                    ));
                }
            }
        })
    }
}

/// Every check's verdict on one observed host.
pub(crate) fn judge_all(obs: &Observation, settings: &Settings) -> Vec<Finding> {
    let plain_http = [
        hsts::over_http::judge(obs),
        redirect::missing::judge(obs),
        redirect::insecure_hop::judge(obs),
        redirect::not_permanent::judge(obs),
        redirect::chain_too_long::judge(obs, settings),
    ];
    if let Some(reason) = obs.unreachable() {
        // One reason for everything TLS. The plain-HTTP port is judged on its own, except that a
        // closed port proves nothing when the HTTPS port does not answer either.
        let both_closed = matches!(&obs.walk, Some(Err(walk)) if walk.is_refused());
        let mut findings: Vec<Finding> = CHECKS
            .iter()
            .filter(|check| !plain_http.iter().any(|f| f.check.as_str() == check.id))
            .map(|check| {
                Finding::error(
                    check,
                    obs.host.target.clone(),
                    format!("not verified: {reason}"),
                )
            })
            .collect();
        findings.extend(plain_http.into_iter().map(|finding| {
            if both_closed {
                Finding::error(
                    check_def(finding.check.as_str()),
                    finding.target,
                    format!(
                        "not verified: neither the HTTPS nor the plain-HTTP port answers ({reason})"
                    ),
                )
            } else {
                finding
            }
        }));
        return findings;
    }
    let mut findings = vec![
        cert::expired::judge(obs),
        cert::not_yet_valid::judge(obs),
        cert::expiring_soon::judge(obs, settings),
        cert::renewal_overdue::judge(obs),
        cert::hostname_mismatch::judge(obs),
        cert::inconsistent_addresses::judge(obs),
        cert::self_signed::judge(obs),
        cert::untrusted::judge(obs),
        cert::chain_incomplete::judge(obs),
        cert::chain_order::judge(obs),
        cert::key_too_small::judge(obs),
        cert::weak_signature::judge(obs),
        cert::lifetime_too_long::judge(obs, settings),
        cert::no_revocation_info::judge(obs),
        cert::no_stapling::judge(obs),
        cert::no_scts::judge(obs),
        protocol::legacy::judge(obs),
        protocol::tls12_missing::judge(obs),
        protocol::tls13_missing::judge(obs),
        cipher::null::judge(obs),
        cipher::anon::judge(obs),
        cipher::weak::judge(obs),
        cipher::no_forward_secrecy::judge(obs),
        cipher::cbc::judge(obs),
        hsts::missing::judge(obs),
        hsts::invalid::judge(obs),
        hsts::max_age_short::judge(obs, settings),
        hsts::no_include_subdomains::judge(obs),
        hsts::preload_ineligible::judge(obs),
    ];
    findings.extend(plain_http);
    findings
}

/// One failing finding per (check, certificate): the first hostname in configuration order keeps
/// it with every hostname listed; the others point at it.
fn group_by_certificate(findings: Vec<Finding>, order: &[Target]) -> Vec<Finding> {
    let rank = |target: &Target| order.iter().position(|t| t == target).unwrap_or(usize::MAX);
    let mut groups: BTreeMap<(String, String), Vec<Finding>> = BTreeMap::new();
    let mut out = Vec::new();
    for finding in findings {
        let leaf = match finding.evidence.get("leaf_sha256") {
            Some(EvidenceValue::Text(sha)) if finding.status == Status::Fail => sha.clone(),
            _ => {
                out.push(finding);
                continue;
            }
        };
        groups
            .entry((finding.check.as_str().to_owned(), leaf))
            .or_default()
            .push(finding);
    }
    for (_, mut members) in groups {
        members.sort_by_key(|f| rank(&f.target));
        let hostnames: Vec<EvidenceValue> = members
            .iter()
            .map(|f| EvidenceValue::from(f.target.display.as_str()))
            .collect();
        let mut members = members.into_iter();
        let first = members.next().expect("groups are never empty");
        for other in members {
            out.push(Finding::skipped(
                check_def(other.check.as_str()),
                other.target.clone(),
                format!(
                    "same certificate as {}: reported once there",
                    first.target.display
                ),
            ));
        }
        let message = if hostnames.len() > 1 {
            format!(
                "{} (the same certificate serves {} hostnames)",
                first.message,
                hostnames.len()
            )
        } else {
            first.message.clone()
        };
        let mut grouped = first.with_evidence("hostnames", hostnames);
        grouped.message = message;
        out.push(grouped);
    }
    out
}

fn check_def(id: &str) -> &'static CheckDef {
    CHECKS
        .iter()
        .find(|c| c.id == id)
        .expect("grouped findings come from CHECKS")
}
