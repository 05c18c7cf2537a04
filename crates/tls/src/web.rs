//! The HTTP side of the TLS agent, over the network layer: the first HTTPS response (for HSTS)
//! and the walk from `http://` to HTTPS, one request per hop, never following a redirect out of
//! scope. Only what these checks read is kept.

use std::net::SocketAddr;
use std::sync::Arc;

use launchguard_core::Scope;
use launchguard_net::{HttpClient, HttpOptions, NetError, Pins};
use url::Url;

/// Body bytes read from any response before the connection is dropped (an AIA issuer bundle
/// fits easily).
pub const BODY_CAP: usize = 16 * 1024;
/// Longest `Location` or `Strict-Transport-Security` value kept.
const VALUE_CAP: usize = 512;

/// One HTTP response, as far as these checks need it.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Every `Strict-Transport-Security` header, in order.
    pub sts: Vec<String>,
    pub location: Option<String>,
    /// The body, up to [`BODY_CAP`] bytes.
    pub body: Vec<u8>,
    /// Whether the body was longer than [`BODY_CAP`].
    pub truncated: bool,
}

impl From<launchguard_net::Response> for Response {
    fn from(response: launchguard_net::Response) -> Self {
        let capped = |value: &str| value.chars().take(VALUE_CAP).collect::<String>();
        Response {
            status: response.status,
            sts: response
                .headers_named("strict-transport-security")
                .map(capped)
                .collect(),
            location: response.header("location").map(capped),
            body: response.body,
            truncated: response.truncated,
        }
    }
}

/// One step of the redirect walk.
#[derive(Debug, Clone)]
pub struct Hop {
    pub url: Url,
    pub status: u16,
    pub location: Option<String>,
    pub sts: Vec<String>,
}

/// Where the walk from `http://` ended.
#[derive(Debug, Clone)]
pub struct Walk {
    pub hops: Vec<Hop>,
    /// Why the walk stopped before a final answer, if it did.
    pub stopped: Option<String>,
}

impl Walk {
    pub fn describe(&self) -> Vec<String> {
        self.hops
            .iter()
            .map(|h| match &h.location {
                Some(location) => format!("{} {} -> {location}", h.status, h.url),
                None => format!("{} {}", h.status, h.url),
            })
            .collect()
    }

    /// The redirects taken (every hop but a final answer).
    pub fn redirects(&self) -> impl Iterator<Item = &Hop> {
        self.hops.iter().filter(|h| h.location.is_some())
    }
}

/// A client bound to one site: connects to `address` instead of resolving the `pinned` names,
/// accepts any certificate (the `tls.cert.*` checks judge it), follows nothing by itself.
pub fn client(
    scope: &Arc<Scope>,
    pinned: &[&str],
    address: SocketAddr,
) -> Result<HttpClient, NetError> {
    let mut options = HttpOptions::new("HTTPS check", BODY_CAP);
    options.accept_invalid_certs = true;
    options.pins = Pins::new(pinned.iter().copied(), address);
    HttpClient::new(scope.clone(), options)
}

/// One GET, within the scope and budget.
pub async fn get(client: &HttpClient, url: &Url) -> Result<Response, NetError> {
    client.get(url, &[]).await.map(Response::from)
}

/// Follows redirects from `start` one hop at a time, up to `max_hops` requests.
pub async fn walk(client: &HttpClient, start: Url, max_hops: usize) -> Result<Walk, NetError> {
    let walked = client.walk(start, max_hops).await?;
    Ok(Walk {
        hops: walked
            .hops
            .into_iter()
            .map(|hop| {
                let redirect = hop.response.redirect().is_some();
                let response = Response::from(hop.response);
                Hop {
                    url: hop.url,
                    status: response.status,
                    location: response.location.filter(|_| redirect),
                    sts: response.sts,
                }
            })
            .collect(),
        stopped: walked.stopped,
    })
}
