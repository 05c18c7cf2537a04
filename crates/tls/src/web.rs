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
    /// Why the body ended early, for an answer read with [`get_head`]: its status line and
    /// headers arrived whole.
    pub cut_off: Option<String>,
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
            cut_off: None,
        }
    }
}

/// The reason a body was cut off, without the words the hop or the evidence already says.
fn cut_reason(error: NetError) -> String {
    match error {
        NetError::CutOff { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// One step of the redirect walk.
#[derive(Debug, Clone)]
pub struct Hop {
    pub url: Url,
    pub status: u16,
    pub location: Option<String>,
    pub sts: Vec<String>,
    /// Why the body ended early, when it did. The status line and headers, all these checks
    /// read, arrived whole; an answer cut off before them is no hop but the walk's error.
    pub cut_off: Option<String>,
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
            .map(|h| {
                let mut line = match &h.location {
                    Some(location) => format!("{} {} -> {location}", h.status, h.url),
                    None => format!("{} {}", h.status, h.url),
                };
                if let Some(reason) = &h.cut_off {
                    line.push_str(&format!(" (its body was cut off: {reason})"));
                }
                line
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

/// One GET whose status line and headers are all that is judged (the HSTS header): an answer
/// whose body alone was cut off is still an answer, with [`Response::cut_off`] saying so.
pub async fn get_head(client: &HttpClient, url: &Url) -> Result<Response, NetError> {
    let (response, cut_off) = client.get_head(url, &[]).await?;
    Ok(Response {
        cut_off: cut_off.map(cut_reason),
        ..Response::from(response)
    })
}

/// Follows redirects from `start` one hop at a time, up to `max_hops` requests. A hop whose body
/// alone was cut off is judged on its status line and headers (see [`Hop::cut_off`]).
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
                    cut_off: hop.cut_off.map(cut_reason),
                }
            })
            .collect(),
        stopped: walked.stopped,
    })
}
