//! DNSSEC validation of an apex, from a trust anchor, with hickory's validating resolver; and
//! the signature expirations as the nameservers serve them.
//!
//! The validator asks its own questions (DS and DNSKEY up the tree); each socket it opens goes
//! through [`Counted`], which takes one request from the scope's budget for the server first.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::dnssec::TrustAnchors;
use hickory_proto::rr::{Name, RecordType};
use hickory_resolver::Resolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::{RuntimeProvider, TokioRuntimeProvider};
use hickory_resolver::net::{DnsError, NetError};
use launchguard_core::Scope;

use crate::wire::budget_url;

/// What validation concluded about an apex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// A chain of trust from the anchor down to the apex's records.
    Secure,
    /// Provably unsigned: no DS at the parent.
    Insecure,
    /// Signed under a DS, but the signatures do not verify (expired, wrong key, tampered).
    Bogus,
}

/// The tokio runtime provider, with the scope's budget taken for every socket opened.
#[derive(Clone)]
pub struct Counted {
    inner: TokioRuntimeProvider,
    scope: Arc<Scope>,
}

type Tokio = TokioRuntimeProvider;

impl RuntimeProvider for Counted {
    type Handle = <Tokio as RuntimeProvider>::Handle;
    type Timer = <Tokio as RuntimeProvider>::Timer;
    type Udp = <Tokio as RuntimeProvider>::Udp;
    type Tcp = <Tokio as RuntimeProvider>::Tcp;

    fn create_handle(&self) -> Self::Handle {
        self.inner.create_handle()
    }

    fn connect_tcp(
        &self,
        server_addr: SocketAddr,
        bind_addr: Option<SocketAddr>,
        timeout: Option<Duration>,
    ) -> Pin<Box<dyn Send + Future<Output = Result<Self::Tcp, io::Error>>>> {
        if let Err(refused) = self.scope.take_request(&budget_url(server_addr)) {
            return Box::pin(async move { Err(io::Error::other(refused.to_string())) });
        }
        self.inner.connect_tcp(server_addr, bind_addr, timeout)
    }

    fn bind_udp(
        &self,
        local_addr: SocketAddr,
        server_addr: SocketAddr,
    ) -> Pin<Box<dyn Send + Future<Output = Result<Self::Udp, io::Error>>>> {
        if let Err(refused) = self.scope.take_request(&budget_url(server_addr)) {
            return Box::pin(async move { Err(io::Error::other(refused.to_string())) });
        }
        self.inner.bind_udp(local_addr, server_addr)
    }
}

/// A validating resolver that asks only `server`.
pub fn validating_resolver(
    scope: Arc<Scope>,
    server: SocketAddr,
    anchor: Option<&Path>,
    timeout: Duration,
) -> Result<Resolver<Counted>, String> {
    let mut nameserver = NameServerConfig::udp_and_tcp(server.ip());
    for connection in nameserver.connections.iter_mut() {
        connection.port = server.port();
    }
    let config = ResolverConfig::from_parts(None, vec![], vec![nameserver]);
    let mut options = ResolverOpts::default();
    options.cache_size = 0;
    options.attempts = 1;
    options.timeout = timeout;
    options.validate = true;
    let provider = Counted {
        inner: TokioRuntimeProvider::default(),
        scope,
    };
    let mut builder = Resolver::builder_with_config(config, provider).with_options(options);
    if let Some(path) = anchor {
        let anchors = TrustAnchors::from_file(path)
            .map_err(|e| format!("the trust anchor {} does not parse: {e}", path.display()))?;
        builder = builder.with_trust_anchor(Arc::new(anchors));
    }
    builder
        .build()
        .map_err(|e| format!("could not set up the validating resolver: {e}"))
}

/// Validates the apex's SOA. `Err` means validation could not be carried out (no answer, out
/// of budget), which is not a verdict.
pub async fn validate(
    resolver: &Resolver<Counted>,
    apex: &Name,
    deadline: Duration,
) -> Result<Validation, String> {
    let lookup = tokio::time::timeout(deadline, resolver.lookup(apex.clone(), RecordType::SOA))
        .await
        .map_err(|_| {
            format!(
                "DNSSEC validation did not finish within {} ms",
                deadline.as_millis()
            )
        })?;
    match lookup {
        Ok(found) => {
            let soa: Vec<_> = found
                .answers()
                .iter()
                .filter(|r| r.record_type() == RecordType::SOA)
                .collect();
            if soa.is_empty() {
                return Err("the validating resolver returned no SOA".to_owned());
            }
            if soa.iter().all(|r| r.proof.is_secure()) {
                Ok(Validation::Secure)
            } else if soa.iter().any(|r| r.proof.is_bogus()) {
                Ok(Validation::Bogus)
            } else if soa.iter().all(|r| r.proof.is_insecure()) {
                Ok(Validation::Insecure)
            } else {
                Err(format!(
                    "the validator could not decide (proof {})",
                    soa[0].proof
                ))
            }
        }
        Err(NetError::Dns(DnsError::DnssecBogus)) => Ok(Validation::Bogus),
        Err(e) => Err(format!("DNSSEC validation could not run: {e}")),
    }
}
