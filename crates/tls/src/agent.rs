//! The agent: targets from `[tls]`, hosts observed with bounded concurrency, every check judged
//! on every host, and certificate findings grouped by certificate (one root cause, one finding).

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use launchguard_core::config::TlsConfig;
use launchguard_core::{
    Agent, AgentContext, AgentFuture, CheckDef, EvidenceValue, Finding, Status, Target, TargetKind,
};

use crate::observe::{Host, Observation, Settings, observe};
use crate::trust::Anchors;
use crate::{CHECKS, cert, cipher, hsts, protocol, redirect, web};

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

/// The TLS agent, built from `[tls]`.
#[derive(Debug)]
pub struct TlsAgent {
    hosts: Vec<Host>,
    settings: Settings,
    concurrency: usize,
}

impl TlsAgent {
    /// `base` resolves relative `ca_file` paths (the configuration file's directory); `line_of`
    /// maps a byte offset of the configuration to its line.
    pub fn new(config: &TlsConfig, base: &Path, line_of: impl Fn(usize) -> u32) -> Self {
        let mut hosts = Vec::new();
        for site in &config.targets {
            let name = site.name.get_ref();
            let line = line_of(site.name.span().start);
            let anchors = Arc::new(match &site.ca_file {
                None => Anchors::new(None),
                Some(path) => {
                    let path = base.join(path);
                    std::fs::read(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))
                        .and_then(|pem| {
                            Anchors::new(Some(&pem)).map_err(|e| format!("{}: {e}", path.display()))
                        })
                }
            });
            let addresses: Vec<IpAddr> = site
                .addresses
                .iter()
                .filter_map(|a| a.trim_start_matches('[').trim_end_matches(']').parse().ok())
                .collect();
            let site_target = Target::new(
                format!("tls:{name}"),
                TargetKind::Host,
                format!("{}:{}", site.host.get_ref(), site.port),
            )
            .declared_at(line);
            let mut tenants: Vec<(String, String)> = site
                .tenant_hosts
                .iter()
                .map(|h| {
                    (
                        h.get_ref().to_ascii_lowercase(),
                        h.get_ref().to_ascii_lowercase(),
                    )
                })
                .collect();
            if let Some(wildcard) = &site.tenant_wildcard {
                let base_name = wildcard
                    .get_ref()
                    .trim_start_matches("*.")
                    .to_ascii_lowercase();
                if site.tenant_labels.is_empty() {
                    for i in 0..site.random_labels {
                        let label = random_label();
                        tenants.push((
                            format!("*.{base_name}#{}", i + 1),
                            format!("{label}.{base_name}"),
                        ));
                    }
                } else {
                    for label in &site.tenant_labels {
                        let hostname = format!("{}.{base_name}", label.to_ascii_lowercase());
                        tenants.push((hostname.clone(), hostname));
                    }
                }
            }
            // A tenant listed twice, or equal to the host, is examined once.
            let mut seen =
                std::collections::HashSet::from([site.host.get_ref().to_ascii_lowercase()]);
            tenants.retain(|(_, hostname)| seen.insert(hostname.clone()));
            let site_names = Arc::new(
                std::iter::once(site.host.get_ref().to_ascii_lowercase())
                    .chain(tenants.iter().map(|(_, hostname)| hostname.clone()))
                    .collect::<Vec<_>>(),
            );
            let host = |target: Target, hostname: &str| Host {
                target,
                name: hostname.trim_end_matches('.').to_ascii_lowercase(),
                port: site.port,
                http_port: site.http_port,
                addresses: addresses.clone(),
                renewal: site.renewal,
                anchors: anchors.clone(),
                site_names: site_names.clone(),
            };
            hosts.push(host(site_target.clone(), site.host.get_ref()));
            for (id, hostname) in tenants {
                let target =
                    site_target.child(&id, TargetKind::Host, format!("{hostname}:{}", site.port));
                hosts.push(host(target, &hostname));
            }
        }
        TlsAgent {
            hosts,
            settings: Settings {
                expiring_soon_days: i64::from(config.expiring_soon_days.get()),
                max_lifetime_days: i64::from(config.max_lifetime_days.get()),
                hsts_min_max_age: config.hsts_min_max_age,
                max_redirects: config.max_redirects.get() as usize,
            },
            concurrency: config.concurrency.get() as usize,
        }
    }
}

/// A label no tenant has: a wildcard certificate must still cover it, and the server must answer.
fn random_label() -> String {
    let mut bytes = [0u8; 5];
    let _ = rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut bytes);
    format!("lg-{}", hex::encode(bytes))
}

impl Agent for TlsAgent {
    fn name(&self) -> &'static str {
        "tls"
    }

    fn checks(&self) -> &'static [&'static CheckDef] {
        CHECKS
    }

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
        let both_closed = matches!(&obs.walk, Some(Err(walk)) if web::is_refused(walk));
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
