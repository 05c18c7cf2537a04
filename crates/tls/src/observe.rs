//! Everything launchguard learns about one hostname, gathered once and judged by every check:
//! one inspection handshake, one TLS 1.3-only handshake, one raw ClientHello per protocol
//! version and cipher class, the first HTTPS response and the walk from plain HTTP.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::config::Renewal;
use launchguard_core::{AgentContext, Target};
use rustls::pki_types::ServerName;
use url::Url;

use crate::chain::CertInfo;
use crate::handshake::{self, HandshakeFailure, Inspection};
use crate::hello::{self, Probe};
use crate::suites::{self, CipherClass};
use crate::trust::{self, Anchors, Trust};
use crate::web::{self, Response, Walk};
use launchguard_net::{HttpClient, NetError, Pins};
use tokio::net::TcpStream;

/// Thresholds from `[tls]`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub expiring_soon_days: i64,
    pub max_lifetime_days: i64,
    pub hsts_min_max_age: u64,
    pub max_redirects: usize,
}

/// One hostname to examine.
#[derive(Debug, Clone)]
pub struct Host {
    pub target: Target,
    pub name: String,
    pub port: u16,
    /// 0: no redirect checks.
    pub http_port: u16,
    /// Configured addresses; empty: resolve the hostname.
    pub addresses: Vec<IpAddr>,
    pub renewal: Renewal,
    /// The site's trust anchors, or why they could not be loaded.
    pub anchors: Arc<Result<Anchors, String>>,
    /// Every hostname of the site (host and tenants): with `addresses` set, each is pinned to the
    /// first, so a redirect between them never asks DNS.
    pub site_names: Arc<Vec<String>>,
}

impl Host {
    fn url(&self, scheme: &str, port: u16) -> Result<Url, String> {
        let host = match self.name.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
            _ => self.name.clone(),
        };
        Url::parse(&format!("{scheme}://{host}:{port}/"))
            .map_err(|e| format!("`{host}` gives no URL: {e}"))
    }
}

/// What was observed. Each part is `Err(reason)` when it could not be observed.
#[derive(Debug)]
pub struct Observation {
    pub host: Host,
    pub now: i64,
    pub inspection: Result<Inspection, HandshakeFailure>,
    pub chain: Result<Vec<CertInfo>, String>,
    /// How the chain was read, when not from the inspection handshake.
    pub chain_source: Option<String>,
    pub trust: Result<Trust, String>,
    pub tls13: Result<(), HandshakeFailure>,
    /// Every other address of the host, with the leaf certificate it served or why none.
    pub other_addresses: Vec<(SocketAddr, Result<CertInfo, String>)>,
    /// Raw probes per version: SSLv3, TLS 1.0, 1.1, 1.2.
    pub versions: Vec<(u16, Probe)>,
    /// The version the cipher classes were probed at, when any pre-1.3 version was accepted.
    pub class_version: Option<u16>,
    pub classes: Vec<(CipherClass, Probe)>,
    pub https: Result<Response, NetError>,
    /// `None` when `http_port = 0`.
    pub walk: Option<Result<Walk, NetError>>,
}

impl Observation {
    pub fn version(&self, version: u16) -> Option<&Probe> {
        self.versions
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, p)| p)
    }

    pub fn class(&self, class: CipherClass) -> Option<&Probe> {
        self.classes
            .iter()
            .find(|(c, _)| *c == class)
            .map(|(_, p)| p)
    }

    /// Whether nothing could be learned at all: every part failed for one reason.
    pub fn unreachable(&self) -> Option<&str> {
        match (&self.inspection, &self.https) {
            (
                Err(HandshakeFailure::Failed(reason) | HandshakeFailure::TimedOut(reason)),
                Err(_),
            ) => Some(reason),
            _ => None,
        }
    }
}

/// One host's TLS endpoint. Every connection to it takes one request from the host's budget.
struct Peer<'a> {
    ctx: &'a AgentContext,
    budget_url: &'a Url,
    server_name: ServerName<'static>,
    sni: Option<&'a str>,
}

impl Peer<'_> {
    /// A TCP connection to `addr` through the network layer: in scope, paid from the host's
    /// budget, within the connect timeout; the error says which of those failed.
    async fn connect(&self, addr: SocketAddr) -> Result<TcpStream, HandshakeFailure> {
        launchguard_net::connect(&self.ctx.scope, self.budget_url, addr)
            .await
            .map_err(|e| match e {
                NetError::Timeout(after) => HandshakeFailure::TimedOut(format!(
                    "connecting to {addr} timed out after {} ms",
                    after.as_millis()
                )),
                NetError::OutOfScope(_) | NetError::BudgetSpent(_) => {
                    HandshakeFailure::Failed(e.to_string())
                }
                other => HandshakeFailure::Failed(format!("could not connect to {addr}: {other}")),
            })
    }

    async fn inspect(
        &self,
        addr: SocketAddr,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Result<Inspection, HandshakeFailure> {
        let stream = self.connect(addr).await?;
        handshake::inspect(
            stream,
            self.server_name.clone(),
            versions,
            self.ctx.scope.timeouts.request,
        )
        .await
    }

    async fn probe(&self, addr: SocketAddr, version: u16, suites: &[u16]) -> Probe {
        match self.connect(addr).await {
            Ok(stream) => {
                hello::probe(
                    stream,
                    self.sni,
                    version,
                    suites,
                    self.ctx.scope.timeouts.request,
                )
                .await
            }
            Err(failure) => Probe::Inconclusive(failure.reason().to_owned()),
        }
    }

    async fn capture_chain(
        &self,
        addr: SocketAddr,
        version: u16,
        suites: &[u16],
    ) -> Result<Vec<Vec<u8>>, String> {
        let stream = self
            .connect(addr)
            .await
            .map_err(|failure| failure.reason().to_owned())?;
        hello::capture_chain(
            stream,
            self.sni,
            version,
            suites,
            self.ctx.scope.timeouts.request,
        )
        .await
    }
}

/// Observes one host. Every connection takes one request from the host's budget.
pub async fn observe(host: Host, ctx: &AgentContext, settings: &Settings) -> Observation {
    let mut obs = Observation::not_attempted(host, "not attempted");
    let plan = match connection_plan(&obs.host, ctx).await {
        Ok(plan) => plan,
        Err(reason) => return Observation::not_attempted(obs.host, &reason),
    };
    let ConnectionPlan {
        https_url,
        addr,
        others,
        server_name,
    } = plan;
    let host = obs.host.clone();
    let sni = host
        .name
        .parse::<IpAddr>()
        .is_err()
        .then_some(host.name.as_str());
    let peer = Peer {
        ctx,
        budget_url: &https_url,
        server_name,
        sni,
    };
    inspect_addresses(&mut obs, &peer, addr, &others).await;
    if let Err(HandshakeFailure::TimedOut(reason)) = &obs.inspection {
        // A server that let the first handshake time out would let every probe time out too.
        let reason = reason.clone();
        obs.skip_probes_after_timeout(&reason);
        obs.walk = walk_plain_http(&host, addr, ctx, settings).await;
        return obs;
    }
    probe_versions_and_classes(&mut obs, &peer, addr).await;
    obs.chain = read_chain(&mut obs, &peer, addr).await;
    obs.trust = judge_trust(&obs, ctx, addr).await;
    obs.https = match site_client(&host, addr, ctx) {
        Err(reason) => Err(reason),
        Ok(client) => web::get_head(&client, &https_url).await,
    };
    obs.walk = walk_plain_http(&host, addr, ctx, settings).await;
    obs
}

impl Observation {
    /// An observation in which nothing was attempted, for `reason`.
    fn not_attempted(host: Host, reason: &str) -> Observation {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let walk = (host.http_port != 0).then(|| Err(NetError::NotAttempted(reason.to_owned())));
        Observation {
            now,
            inspection: Err(HandshakeFailure::Failed(reason.to_owned())),
            chain: Err(reason.to_owned()),
            chain_source: None,
            trust: Err(reason.to_owned()),
            tls13: Err(HandshakeFailure::Failed(reason.to_owned())),
            other_addresses: Vec::new(),
            versions: Vec::new(),
            class_version: None,
            classes: Vec::new(),
            https: Err(NetError::NotAttempted(reason.to_owned())),
            walk,
            host,
        }
    }

    /// After the first handshake timed out: every later part says so without being tried.
    fn skip_probes_after_timeout(&mut self, reason: &str) {
        self.chain = Err(format!("no handshake completed: {reason}"));
        self.trust = Err(format!("no handshake completed: {reason}"));
        let reason = format!("not probed: {reason}");
        self.tls13 = Err(HandshakeFailure::TimedOut(reason.clone()));
        for version in [hello::SSL3, hello::TLS10, hello::TLS11, hello::TLS12] {
            self.versions
                .push((version, Probe::Inconclusive(reason.clone())));
        }
        self.https = Err(NetError::NotAttempted(reason));
    }
}

/// Where and how to connect: the HTTPS URL (in scope), the address examined fully, the other
/// addresses, and the name the handshakes verify.
struct ConnectionPlan {
    https_url: Url,
    addr: SocketAddr,
    others: Vec<SocketAddr>,
    server_name: ServerName<'static>,
}

/// Phase 1: the plan, or why nothing can be attempted (out of scope, no address, a bad name).
async fn connection_plan(host: &Host, ctx: &AgentContext) -> Result<ConnectionPlan, String> {
    let https_url = host.url("https", host.port)?;
    ctx.scope.check_url(&https_url).map_err(|e| e.to_string())?;
    let addrs = resolve(host, ctx).await?;
    let server_name = match host.name.parse::<IpAddr>() {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => ServerName::try_from(host.name.clone())
            .map_err(|e| format!("`{}` is not a valid TLS server name: {e}", host.name))?,
    };
    Ok(ConnectionPlan {
        https_url,
        addr: addrs[0],
        others: addrs[1..].to_vec(),
        server_name,
    })
}

/// Phase 2: the inspection handshake on the main address, and the leaf every other address
/// serves.
async fn inspect_addresses(
    obs: &mut Observation,
    peer: &Peer<'_>,
    addr: SocketAddr,
    others: &[SocketAddr],
) {
    obs.inspection = peer.inspect(addr, rustls::DEFAULT_VERSIONS).await;
    for other in others {
        let leaf = peer
            .inspect(*other, rustls::DEFAULT_VERSIONS)
            .await
            .map_err(|failure| failure.reason().to_owned())
            .and_then(|inspection| parse_chain(inspection.chain.iter().map(|c| c.as_ref())))
            .map(|mut chain| chain.swap_remove(0));
        obs.other_addresses.push((*other, leaf));
    }
}

/// Phase 3: a TLS 1.3-only handshake, one raw ClientHello per legacy version, then one per
/// cipher class at the highest pre-1.3 version accepted.
async fn probe_versions_and_classes(obs: &mut Observation, peer: &Peer<'_>, addr: SocketAddr) {
    obs.tls13 = peer
        .inspect(addr, &[&rustls::version::TLS13])
        .await
        .map(|_| ());
    let offer = suites::broad_offer();
    for version in [hello::SSL3, hello::TLS10, hello::TLS11, hello::TLS12] {
        let probe = peer.probe(addr, version, &offer).await;
        obs.versions.push((version, probe));
    }
    obs.class_version = [hello::TLS12, hello::TLS11, hello::TLS10, hello::SSL3]
        .into_iter()
        .find(|v| matches!(obs.version(*v), Some(Probe::Accepted { .. })));
    if let Some(version) = obs.class_version {
        for class in CipherClass::ALL {
            let probe = peer.probe(addr, version, class.suites()).await;
            obs.classes.push((class, probe));
        }
    }
}

/// Phase 4: the presented chain, from the inspection handshake or, when rustls could not
/// complete one but the server accepts an older version, from a clear-text Certificate message.
async fn read_chain(
    obs: &mut Observation,
    peer: &Peer<'_>,
    addr: SocketAddr,
) -> Result<Vec<CertInfo>, String> {
    let failure = match &obs.inspection {
        Ok(inspection) => return parse_chain(inspection.chain.iter().map(|c| c.as_ref())),
        Err(failure) => failure.reason().to_owned(),
    };
    let Some(version) = obs.class_version else {
        return Err(format!(
            "no TLS handshake completed, so the certificate was not read: {failure}"
        ));
    };
    let captured = peer
        .capture_chain(addr, version, &suites::broad_offer())
        .await;
    obs.chain_source = Some(format!(
        "read from a {} handshake (rustls could not complete one: {failure})",
        hello::version_name(version),
    ));
    captured
        .map_err(|e| {
            format!(
                "the certificate could not be read from a {} handshake: {e}",
                hello::version_name(version)
            )
        })
        .and_then(|ders| parse_chain(ders.iter().map(Vec::as_slice)))
}

/// Phase 5: the trust verdict, fetching missing issuers from in-scope AIA URLs when the chain
/// does not verify on its own.
async fn judge_trust(
    obs: &Observation,
    ctx: &AgentContext,
    addr: SocketAddr,
) -> Result<Trust, String> {
    let chain = obs.chain.as_ref().map_err(Clone::clone)?;
    let anchors = obs
        .host
        .anchors
        .as_ref()
        .as_ref()
        .map_err(|reason| format!("ca_file: {reason}"))?;
    let mut verdict = trust::judge(anchors, chain, &[]);
    if matches!(verdict, Trust::Untrusted { .. }) {
        let (fetched, notes) = fetch_issuers(chain, ctx, &obs.host, addr).await;
        if !fetched.is_empty() {
            verdict = trust::judge(anchors, chain, &fetched);
        }
        if let Trust::Untrusted { reason } = &mut verdict {
            for note in notes {
                reason.push_str("; ");
                reason.push_str(&note);
            }
        }
    }
    Ok(verdict)
}

/// An HTTP client for the site, connecting to `addr`: with `addresses` set, every hostname of the
/// site is pinned to it, so a redirect between them never asks DNS.
fn site_client(host: &Host, addr: SocketAddr, ctx: &AgentContext) -> Result<HttpClient, NetError> {
    let pinned: Vec<&str> = if !host.addresses.is_empty() {
        host.site_names.iter().map(String::as_str).collect()
    } else {
        vec![host.name.as_str()]
    };
    web::client(&ctx.scope, &pinned, addr)
}

/// The walk from `http://host:http_port/`, or `None` when `http_port = 0`.
async fn walk_plain_http(
    host: &Host,
    addr: SocketAddr,
    ctx: &AgentContext,
    settings: &Settings,
) -> Option<Result<Walk, NetError>> {
    if host.http_port == 0 {
        return None;
    }
    let url = match host.url("http", host.http_port) {
        Ok(url) => url,
        Err(reason) => return Some(Err(NetError::NotAttempted(reason))),
    };
    Some(match site_client(host, addr, ctx) {
        Err(reason) => Err(reason),
        Ok(client) => web::walk(&client, url, settings.max_redirects + 2).await,
    })
}

fn parse_chain<'a>(ders: impl Iterator<Item = &'a [u8]>) -> Result<Vec<CertInfo>, String> {
    let chain = ders
        .enumerate()
        .map(|(i, der)| {
            CertInfo::parse(der)
                .map_err(|e| format!("certificate #{i} of the presented chain: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if chain.is_empty() {
        return Err("the server presented no certificate".into());
    }
    Ok(chain)
}

/// Most addresses of one hostname that are examined.
const MAX_ADDRESSES: usize = 8;

/// The addresses to connect to, the one examined fully first; never empty.
async fn resolve(host: &Host, ctx: &AgentContext) -> Result<Vec<SocketAddr>, String> {
    if !host.addresses.is_empty() {
        let mut addrs = Vec::new();
        for address in &host.addresses {
            let addr = SocketAddr::new(*address, host.port);
            let url = Url::parse(&format!("https://{addr}/")).map_err(|e| e.to_string())?;
            ctx.scope
                .check_url(&url)
                .map_err(|e| format!("address {address}: {e}"))?;
            addrs.push(addr);
        }
        return Ok(addrs);
    }
    let mut addrs = launchguard_net::lookup(
        &host.name,
        host.port,
        &Pins::default(),
        ctx.scope.timeouts.connect,
    )
    .await
    .map_err(|e| e.to_string())?;
    addrs.truncate(MAX_ADDRESSES);
    Ok(addrs)
}

/// Fetches the issuers named by the last presented certificate's AIA caIssuers URLs, in scope
/// only, at most `web::BODY_CAP` each; also says why a URL was not fetched.
async fn fetch_issuers(
    chain: &[CertInfo],
    ctx: &AgentContext,
    host: &Host,
    addr: SocketAddr,
) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let Some(last) = chain.last().filter(|c| !c.self_issued) else {
        return (Vec::new(), Vec::new());
    };
    let mut fetched = Vec::new();
    let mut notes = Vec::new();
    for url in last.ca_issuer_urls.iter().take(2) {
        let Ok(parsed) = Url::parse(url) else {
            continue;
        };
        if let Err(refusal) = ctx.scope.check_url(&parsed) {
            notes.push(format!(
                "its AIA caIssuers URL {url} was not fetched ({refusal}); allowing that host in scope \
                 lets launchguard tell a missing intermediate from an unknown root"
            ));
            continue;
        }
        let pinned: Vec<&str> = parsed
            .host_str()
            .filter(|h| *h == host.name)
            .into_iter()
            .collect();
        let Ok(client) = web::client(&ctx.scope, &pinned, addr) else {
            continue;
        };
        if let Ok(response) = web::get(&client, &parsed).await
            && response.status == 200
            && !response.truncated
        {
            fetched.extend(
                trust::certificates_in(&response.body)
                    .into_iter()
                    .map(|der| (url.clone(), der)),
            );
        }
    }
    (fetched, notes)
}

#[cfg(test)]
pub(crate) mod test_support {
    use launchguard_core::TargetKind;
    use rustls::pki_types::CertificateDer;

    use super::*;
    use crate::web::Hop;
    use launchguard_lab::tls::{Authority, LeafSpec};

    pub fn settings() -> Settings {
        Settings {
            expiring_soon_days: 30,
            max_lifetime_days: 398,
            hsts_min_max_age: 31_536_000,
            max_redirects: 3,
        }
    }

    /// What a clean, trusted site named `name` would show, with `chain` presented.
    pub fn observation(name: &str, chain: &[CertificateDer<'static>]) -> Observation {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        Observation {
            host: Host {
                target: Target::new("tls:t", TargetKind::Host, format!("{name}:443")),
                name: name.to_owned(),
                port: 443,
                http_port: 80,
                addresses: Vec::new(),
                renewal: Renewal::Detect,
                anchors: Arc::new(Err("not used".into())),
                site_names: Arc::new(vec![name.to_owned()]),
            },
            now,
            inspection: Ok(Inspection {
                chain: chain.to_vec(),
                ocsp_response: Vec::new(),
                version: "TLS 1.3".into(),
                suite: "TLS13_AES_128_GCM_SHA256".into(),
                group: Some("X25519".into()),
            }),
            chain: Ok(chain.iter().map(|c| CertInfo::parse(c).unwrap()).collect()),
            chain_source: None,
            trust: Ok(Trust::Trusted),
            tls13: Ok(()),
            other_addresses: Vec::new(),
            versions: Vec::new(),
            class_version: None,
            classes: Vec::new(),
            https: Err(NetError::NotAttempted("not requested".into())),
            walk: None,
        }
    }

    /// A site whose leaf (from a lab intermediate) has `spec`.
    pub fn with_leaf(name: &str, spec: &LeafSpec) -> Observation {
        let root = Authority::root("unit root");
        let intermediate = root.intermediate("unit intermediate");
        let leaf = intermediate.issue(spec);
        observation(name, &[leaf.cert, intermediate.cert])
    }

    pub fn with_https(sts: &[&str]) -> Observation {
        let mut obs = with_leaf("example.com", &LeafSpec::for_names(&["example.com"]));
        obs.https = Ok(Response {
            status: 200,
            sts: sts.iter().map(|s| (*s).to_owned()).collect(),
            location: None,
            body: Vec::new(),
            truncated: false,
            cut_off: None,
        });
        obs
    }

    /// A walk from http://example.com/ through `hops` (status, Location).
    pub fn with_walk(hops: &[(u16, Option<&str>)]) -> Observation {
        let mut obs = with_https(&["max-age=63072000; includeSubDomains; preload"]);
        let mut url = Url::parse("http://example.com/").unwrap();
        let mut walked = Vec::new();
        for (status, location) in hops {
            walked.push(Hop {
                url: url.clone(),
                status: *status,
                location: location.map(str::to_owned),
                sts: Vec::new(),
                cut_off: None,
            });
            if let Some(location) = location {
                url = url.join(location).unwrap();
            }
        }
        obs.walk = Some(Ok(Walk {
            hops: walked,
            stopped: None,
        }));
        obs
    }
}
