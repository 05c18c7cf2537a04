//! `[tls]`: the HTTPS hostnames of the product and the thresholds they are judged by, validated
//! into the hosts the agent examines.

use std::collections::HashSet;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::Arc;

use launchguard_core::config::{Invalid, SectionContext, unique_names};
use launchguard_core::{Scope, Target, TargetKind};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::agent::TlsAgent;
use crate::observe::{Host, Settings};
use crate::trust::Anchors;

fn default_https_port() -> u16 {
    443
}
fn default_http_port() -> u16 {
    80
}
fn default_expiring_soon_days() -> NonZeroU32 {
    NonZeroU32::new(30).expect("non-zero")
}
fn default_hsts_min_max_age() -> u64 {
    31_536_000
}
fn default_max_redirects() -> NonZeroU32 {
    NonZeroU32::new(3).expect("non-zero")
}
fn default_max_lifetime_days() -> NonZeroU32 {
    NonZeroU32::new(398).expect("non-zero")
}
fn default_concurrency() -> NonZeroU32 {
    NonZeroU32::new(8).expect("non-zero")
}
fn default_random_labels() -> u32 {
    1
}

/// `[tls]`: the HTTPS hostnames of the product and the thresholds they are judged by.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// `tls.cert.expiring_soon` fails when a certificate has fewer days left than this.
    #[serde(default = "default_expiring_soon_days")]
    pub expiring_soon_days: NonZeroU32,
    /// `tls.cert.lifetime_too_long` fails above this many days (CA/Browser Forum: 398).
    #[serde(default = "default_max_lifetime_days")]
    pub max_lifetime_days: NonZeroU32,
    /// `hsts.max_age_short` fails below this many seconds (one year, as hstspreload requires).
    #[serde(default = "default_hsts_min_max_age")]
    pub hsts_min_max_age: u64,
    /// `https.redirect.chain_too_long` fails when reaching HTTPS takes more hops than this.
    #[serde(default = "default_max_redirects")]
    pub max_redirects: NonZeroU32,
    /// Hostnames examined at once (each opens about a dozen short connections, one at a time).
    #[serde(default = "default_concurrency")]
    pub concurrency: NonZeroU32,
    /// One `[[tls.targets]]` table per site.
    pub targets: Vec<TlsTarget>,
}

/// `[[tls.targets]]`: one HTTPS site and its tenant hostnames.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsTarget {
    /// A short, unique, stable name; findings are about `tls:<name>` and `tls:<name>/<hostname>`.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The hostname (sent as SNI and checked against the certificate) or an IP address.
    #[schemars(with = "String")]
    pub host: Spanned<String>,
    /// The HTTPS port.
    #[serde(default = "default_https_port")]
    pub port: u16,
    /// The plain-HTTP port whose redirect is checked; 0 skips the redirect checks.
    #[serde(default = "default_http_port")]
    pub http_port: u16,
    /// Connect to these IP addresses instead of resolving the hostnames (the edges of a CDN or
    /// load balancer, a staging node, the lab); each must be in `[scope].hosts` too. The first is
    /// examined fully, every other one for the certificate it serves.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub addresses: Vec<Spanned<String>>,
    /// A PEM file of extra trust anchors (private PKI), relative to the configuration file, in
    /// addition to the public roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Whether the certificate is renewed automatically (ACME): `auto`, `manual`, or `detect`
    /// (auto when its lifetime is 100 days or less or its issuer is a known ACME CA).
    #[serde(default)]
    pub renewal: Renewal,
    /// Tenant hostnames served by the same site, each checked like `host`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub tenant_hosts: Vec<Spanned<String>>,
    /// A wildcard such as `*.app.example.com` under which tenants live; checked with
    /// `tenant_labels`, or with random labels when that list is empty.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub tenant_wildcard: Option<Spanned<String>>,
    /// Labels put under `tenant_wildcard` (`acme` checks `acme.app.example.com`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub tenant_labels: Vec<Spanned<String>>,
    /// Random labels checked under `tenant_wildcard` when `tenant_labels` is empty.
    #[serde(default = "default_random_labels")]
    pub random_labels: u32,
}

/// How a certificate is renewed; decides whether `tls.cert.renewal_overdue` applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Renewal {
    #[default]
    Detect,
    Auto,
    Manual,
}

pub(crate) fn validate(config: TlsConfig, cx: &SectionContext<'_>) -> Result<TlsAgent, Invalid> {
    if config.targets.is_empty() {
        return Err(cx.invalid("[tls] has no [[tls.targets]]: name the HTTPS hosts to check"));
    }
    unique_names(config.targets.iter().map(|t| &t.name), "TLS target name")?;
    let mut hosts = Vec::new();
    for site in &config.targets {
        hosts.extend(site_hosts(site, cx)?);
    }
    Ok(TlsAgent {
        hosts,
        settings: Settings {
            expiring_soon_days: i64::from(config.expiring_soon_days.get()),
            max_lifetime_days: i64::from(config.max_lifetime_days.get()),
            hsts_min_max_age: config.hsts_min_max_age,
            max_redirects: config.max_redirects.get() as usize,
        },
        concurrency: config.concurrency.get() as usize,
    })
}

fn hostname(host: &Spanned<String>) -> Result<String, Invalid> {
    if host.get_ref().starts_with("*.") || Scope::validate_pattern(host.get_ref()).is_err() {
        return Err(Invalid::at(
            host,
            format!(
                "`{}` is not a hostname or IP address (no scheme, port or wildcard here; \
                 put a wildcard in tenant_wildcard)",
                host.get_ref()
            ),
        ));
    }
    Ok(host.get_ref().trim_end_matches('.').to_ascii_lowercase())
}

/// The host of one `[[tls.targets]]` and its tenant hostnames, each a [`Host`] to examine.
fn site_hosts(site: &TlsTarget, cx: &SectionContext<'_>) -> Result<Vec<Host>, Invalid> {
    let name = site.name.get_ref();
    if site.port == 0 {
        return Err(Invalid::at(&site.host, "port 0 is not a port"));
    }
    let main = hostname(&site.host)?;
    let mut tenants: Vec<(String, String)> = Vec::new();
    for host in &site.tenant_hosts {
        let hostname = hostname(host)?;
        tenants.push((hostname.clone(), hostname));
    }
    match &site.tenant_wildcard {
        Some(wildcard) => {
            let base = wildcard
                .get_ref()
                .strip_prefix("*.")
                .filter(|base| Scope::validate_pattern(base).is_ok())
                .ok_or_else(|| {
                    Invalid::at(
                        wildcard,
                        format!(
                            "`{}` is not a wildcard like `*.app.example.com`",
                            wildcard.get_ref()
                        ),
                    )
                })?
                .to_ascii_lowercase();
            if site.tenant_labels.is_empty() {
                for i in 0..site.random_labels {
                    tenants.push((
                        format!("*.{base}#{}", i + 1),
                        format!("{}.{base}", random_label()),
                    ));
                }
            }
            for label in &site.tenant_labels {
                let valid = !label.get_ref().is_empty()
                    && label.get_ref().len() <= 63
                    && label
                        .get_ref()
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-');
                if !valid {
                    return Err(Invalid::at(
                        label,
                        format!("tenant label `{}` is not a DNS label", label.get_ref()),
                    ));
                }
                let hostname = format!("{}.{base}", label.get_ref().to_ascii_lowercase());
                tenants.push((hostname.clone(), hostname));
            }
        }
        None => {
            if let Some(label) = site.tenant_labels.first() {
                return Err(Invalid::at(label, "tenant_labels needs tenant_wildcard"));
            }
        }
    }
    let mut addresses = Vec::new();
    for address in &site.addresses {
        let parsed: IpAddr = address
            .get_ref()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| {
                Invalid::at(
                    address,
                    format!("address `{}` is not an IP address", address.get_ref()),
                )
            })?;
        addresses.push(parsed);
    }
    let anchors = Arc::new(match &site.ca_file {
        None => Anchors::new(None).map_err(|e| e.to_string()),
        Some(path) => {
            let path = cx.path(path);
            std::fs::read(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|pem| {
                    Anchors::new(Some(&pem)).map_err(|e| format!("{}: {e}", path.display()))
                })
        }
    });
    let site_target = Target::new(
        format!("tls:{name}"),
        TargetKind::Host,
        format!("{}:{}", site.host.get_ref(), site.port),
    )
    .declared_at(cx.line_of(site.name.span().start));
    // A tenant listed twice, or equal to the host, is examined once.
    let mut seen = HashSet::from([main.clone()]);
    tenants.retain(|(_, hostname)| seen.insert(hostname.clone()));
    let site_names = Arc::new(
        std::iter::once(main.clone())
            .chain(tenants.iter().map(|(_, hostname)| hostname.clone()))
            .collect::<Vec<_>>(),
    );
    let host = |target: Target, hostname: &str| Host {
        target,
        name: hostname.to_owned(),
        port: site.port,
        http_port: site.http_port,
        addresses: addresses.clone(),
        renewal: site.renewal,
        anchors: anchors.clone(),
        site_names: site_names.clone(),
    };
    let mut hosts = vec![host(site_target.clone(), &main)];
    for (id, hostname) in tenants {
        let target = site_target.child(&id, TargetKind::Host, format!("{hostname}:{}", site.port));
        hosts.push(host(target, &hostname));
    }
    Ok(hosts)
}

/// A label no tenant has: a wildcard certificate must still cover it, and the server must answer.
fn random_label() -> String {
    let mut bytes = [0u8; 5];
    let _ = rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut bytes);
    format!("lg-{}", hex::encode(bytes))
}
