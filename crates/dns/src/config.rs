//! `[dns]`: the apex domains, their hostnames and tenant wildcard, the product's addresses, the
//! resolver, the DNSSEC trust anchor and an optional nameserver override, validated into names,
//! addresses and a path.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hickory_proto::rr::Name;
use launchguard_core::config::{Invalid, SectionContext};
use launchguard_core::{Target, TargetKind};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::DnsAgent;
use crate::inventory::Inventory;

fn default_query_timeout_ms() -> NonZeroU64 {
    NonZeroU64::new(2_000).expect("non-zero")
}

fn default_nameserver_port() -> u16 {
    53
}

fn default_hosts() -> Vec<Spanned<String>> {
    vec![Spanned::new(0..0, "www".to_owned())]
}

/// `[dns]`: the domains to examine and how to reach DNS.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsConfig {
    /// The recursive resolver every user-visible question goes through, as `address:port`
    /// (`1.1.1.1:53`, `127.0.0.1:5353`). Its address must be in `[scope].hosts`.
    #[schemars(with = "String")]
    pub resolver: Spanned<String>,
    /// A file of DNSKEY or DS records (zone-file syntax) to validate DNSSEC from, instead of the
    /// IANA root keys: a private root for a lab or a staging tree. Relative to this file.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub trust_anchor: Option<Spanned<String>>,
    /// Ask every nameserver at this `address:port` instead of the addresses its name resolves to
    /// (a lab or a staging server that serves the zones). Its address must be in `[scope].hosts`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub nameserver_override: Option<Spanned<String>>,
    /// The addresses and CIDR blocks the product owns (`203.0.113.10`, `198.51.100.0/24`,
    /// `2001:db8::/32`). An A or AAAA record outside them fails `dns.dangling_a`; without an
    /// inventory that check is skipped.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub inventory: Vec<Spanned<String>>,
    /// Certificate issuers that are not public CAs known to launchguard, mapped to the CAA
    /// domain that authorises them: `{ "Example Private CA" = "ca.example.com" }`. The issuer
    /// is matched as a substring of the certificate's issuer name.
    #[serde(default)]
    pub issuer_caa_domains: BTreeMap<String, String>,
    /// Longest wait for one DNS answer, in milliseconds.
    #[serde(default = "default_query_timeout_ms")]
    pub query_timeout_ms: NonZeroU64,
    /// The port nameservers are asked on at their own addresses (without `nameserver_override`).
    #[serde(default = "default_nameserver_port")]
    pub nameserver_port: u16,
    /// One `[[dns.domains]]` table per apex domain.
    pub domains: Vec<DnsDomain>,
}

/// `[[dns.domains]]`: one apex domain.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsDomain {
    /// The apex (registered) name, `example.com`. Findings are fingerprinted by it (target
    /// `dns:<name>`).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Hostnames below the apex to resolve and follow, as labels (`www`, `api`, `docs`) or full
    /// names. Defaults to `["www"]`.
    #[serde(default = "default_hosts")]
    #[schemars(with = "Vec<String>")]
    pub hosts: Vec<Spanned<String>>,
    /// The tenant wildcard, `*.tenants.example.com` or `*.example.com`: random tenant labels
    /// must resolve and must not dangle. Without it, a wildcard under the apex is unexpected.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub tenant_wildcard: Option<Spanned<String>>,
}

/// One domain after validation.
#[derive(Debug, Clone)]
pub struct Domain {
    pub apex: Name,
    pub hosts: Vec<Name>,
    /// The name below which tenant labels live (`tenants.example.com.` for
    /// `*.tenants.example.com`).
    pub wildcard_base: Option<Name>,
    pub target: Target,
}

pub(crate) fn validate(config: DnsConfig, cx: &SectionContext<'_>) -> Result<DnsAgent, Invalid> {
    if config.domains.is_empty() {
        return Err(cx.invalid("[dns] has no [[dns.domains]]: name the apex domains to check"));
    }
    let resolver = socket_address(&config.resolver)?;
    let nameserver_override = config
        .nameserver_override
        .as_ref()
        .map(socket_address)
        .transpose()?;
    let trust_anchor = match &config.trust_anchor {
        Some(written) => Some(trust_anchor(written, cx)?),
        None => None,
    };
    let inventory = Inventory::parse(&config.inventory)?;
    let mut domains: Vec<Domain> = Vec::new();
    for domain in &config.domains {
        let apex = name(&domain.name)?;
        if apex.num_labels() < 1 {
            return Err(Invalid::at(
                &domain.name,
                "the root is not a domain to check",
            ));
        }
        if domains.iter().any(|d| d.apex == apex) {
            return Err(Invalid::at(
                &domain.name,
                format!("domain `{apex}` is listed twice"),
            ));
        }
        let mut hosts = Vec::new();
        for host in &domain.hosts {
            let written = host.get_ref().trim_end_matches('.');
            let full = if written.ends_with(apex.to_ascii().trim_end_matches('.')) {
                name_of(host, written)?
            } else {
                name_of(host, &format!("{written}.{apex}"))?
            };
            if !apex.zone_of(&full) || full == apex {
                return Err(Invalid::at(
                    host,
                    format!("`{written}` is not a hostname below `{apex}`"),
                ));
            }
            if !hosts.contains(&full) {
                hosts.push(full);
            }
        }
        let wildcard_base = match &domain.tenant_wildcard {
            None => None,
            Some(written) => {
                let Some(base) = written.get_ref().strip_prefix("*.") else {
                    return Err(Invalid::at(
                        written,
                        "a tenant wildcard is written `*.tenants.example.com`",
                    ));
                };
                let base = name_of(written, base)?;
                if !apex.zone_of(&base) {
                    return Err(Invalid::at(
                        written,
                        format!("the wildcard is not below `{apex}`"),
                    ));
                }
                Some(base)
            }
        };
        let shown = apex.to_ascii().trim_end_matches('.').to_owned();
        let target = Target::new(format!("dns:{shown}"), TargetKind::Host, shown)
            .declared_at(cx.line_of(domain.name.span().start));
        domains.push(Domain {
            apex,
            hosts,
            wildcard_base,
            target,
        });
    }
    Ok(DnsAgent {
        domains,
        resolver,
        nameserver_override,
        nameserver_port: config.nameserver_port,
        trust_anchor,
        inventory,
        issuer_caa_domains: config.issuer_caa_domains,
        query_timeout: Duration::from_millis(config.query_timeout_ms.get()),
    })
}

fn trust_anchor(written: &Spanned<String>, cx: &SectionContext<'_>) -> Result<PathBuf, Invalid> {
    let path = cx.path(Path::new(written.get_ref()));
    if !path.is_file() {
        return Err(Invalid::at(
            written,
            format!("no trust-anchor file at {}", path.display()),
        ));
    }
    Ok(path)
}

fn socket_address(written: &Spanned<String>) -> Result<SocketAddr, Invalid> {
    written.get_ref().parse::<SocketAddr>().map_err(|_| {
        Invalid::at(
            written,
            "write an IP address and a port: `192.0.2.53:53` or `[2001:db8::53]:53`",
        )
    })
}

fn name(written: &Spanned<String>) -> Result<Name, Invalid> {
    name_of(written, written.get_ref())
}

/// A fully qualified, lowercase name from `text`, or an error pointing at `written`.
fn name_of(written: &Spanned<String>, text: &str) -> Result<Name, Invalid> {
    let text = text.trim().trim_end_matches('.');
    let valid = !text.is_empty()
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !valid || text.parse::<IpAddr>().is_ok() {
        return Err(Invalid::at(
            written,
            format!("`{}` is not a domain name", text.escape_debug()),
        ));
    }
    Name::from_ascii(format!("{}.", text.to_ascii_lowercase()))
        .map_err(|e| Invalid::at(written, format!("`{text}` is not a domain name: {e}")))
}
