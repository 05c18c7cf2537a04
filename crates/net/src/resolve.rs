//! Name resolution done by launchguard: pinned names first (a CDN edge, a staging node, the lab),
//! then the system resolver, with a timeout and a typed error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::NetError;

/// Names that connect to a fixed address instead of asking DNS.
#[derive(Debug, Clone, Default)]
pub struct Pins(Arc<Vec<(String, SocketAddr)>>);

impl Pins {
    /// Every name in `names` connects to `addr` (its port is replaced by the URL's).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>, addr: SocketAddr) -> Self {
        Pins(Arc::new(
            names
                .into_iter()
                .map(|name| (name.trim_end_matches('.').to_ascii_lowercase(), addr))
                .collect(),
        ))
    }

    fn get(&self, name: &str) -> Option<SocketAddr> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.0.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
}

/// The addresses of `host` (at `port`), pinned or resolved, de-duplicated, never empty.
pub async fn lookup(
    host: &str,
    port: u16,
    pins: &Pins,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, NetError> {
    if let Some(addr) = pins.get(host) {
        return Ok(vec![SocketAddr::new(addr.ip(), port)]);
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let dns = |reason: String| NetError::Dns {
        host: host.to_owned(),
        reason,
    };
    match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
        Err(_) => Err(dns(format!("no answer within {} ms", timeout.as_millis()))),
        Ok(Err(e)) => Err(dns(e.to_string())),
        Ok(Ok(found)) => {
            let mut addrs: Vec<SocketAddr> = Vec::new();
            for addr in found {
                if !addrs.contains(&addr) {
                    addrs.push(addr);
                }
            }
            if addrs.is_empty() {
                Err(dns("no address".into()))
            } else {
                Ok(addrs)
            }
        }
    }
}

/// The resolver reqwest uses: the same lookup, with an error type that classification finds in
/// the error's source chain.
#[derive(Debug, Clone)]
pub(crate) struct Resolver {
    pub pins: Pins,
    pub timeout: Duration,
}

/// A lookup that failed, as reqwest carries it.
#[derive(Debug)]
pub(crate) struct LookupFailed(pub NetError);

impl std::fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LookupFailed {}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.clone();
        Box::pin(async move {
            let addrs = lookup(name.as_str(), 0, &resolver.pins, resolver.timeout)
                .await
                .map_err(|e| {
                    Box::new(LookupFailed(e)) as Box<dyn std::error::Error + Send + Sync>
                })?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
