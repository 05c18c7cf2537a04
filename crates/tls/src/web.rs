//! The HTTP side: the first HTTPS response (for HSTS) and the walk from `http://` to HTTPS,
//! one request per hop, never following a redirect out of scope.

use std::net::SocketAddr;
use std::time::Duration;

use launchguard_core::Scope;
use url::Url;

/// Body bytes read from any response before the connection is dropped (an AIA issuer bundle
/// fits easily).
const BODY_CAP: usize = 16 * 1024;

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

/// A client bound to one site: connects to `address` instead of resolving the `pinned` names, accepts any
/// certificate (the `tls.cert.*` checks judge it), follows nothing by itself.
pub fn client(
    pinned: &[&str],
    address: SocketAddr,
    connect: Duration,
    request: Duration,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .tls_danger_accept_invalid_certs(true)
        .connect_timeout(connect)
        .timeout(request)
        .user_agent(concat!(
            "launchguard/",
            env!("CARGO_PKG_VERSION"),
            " (HTTPS check)"
        ));
    for host in pinned {
        builder = builder.resolve(host, address);
    }
    builder
        .build()
        .map_err(|e| format!("could not set up the HTTP client: {e}"))
}

/// One GET, within the scope and budget.
pub async fn get(client: &reqwest::Client, scope: &Scope, url: &Url) -> Result<Response, String> {
    scope.take_request(url).map_err(|e| e.to_string())?;
    let hard_limit = scope.timeouts.request + Duration::from_secs(1);
    let fetch = async {
        let mut response = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let sts = response
            .headers()
            .get_all(reqwest::header::STRICT_TRANSPORT_SECURITY)
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(512)
                    .collect()
            })
            .collect();
        let location = response.headers().get(reqwest::header::LOCATION).map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(512)
                .collect()
        });
        let mut body = Vec::new();
        let mut truncated = false;
        while let Ok(Some(chunk)) = response.chunk().await {
            body.extend_from_slice(&chunk);
            if body.len() > BODY_CAP {
                body.truncate(BODY_CAP);
                truncated = true;
                break;
            }
        }
        Ok(Response {
            status,
            sts,
            location,
            body,
            truncated,
        })
    };
    tokio::time::timeout(hard_limit, fetch)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} ms", hard_limit.as_millis())))
}

/// Follows redirects from `start` one hop at a time, up to `max_hops` requests.
pub async fn walk(
    client: &reqwest::Client,
    scope: &Scope,
    start: Url,
    max_hops: usize,
) -> Result<Walk, String> {
    let mut hops = Vec::new();
    let mut url = start;
    loop {
        let response = match get(client, scope, &url).await {
            Ok(response) => response,
            Err(reason) if hops.is_empty() => return Err(reason),
            Err(reason) => {
                return Ok(Walk {
                    hops,
                    stopped: Some(format!("{url}: {reason}")),
                });
            }
        };
        let redirect = (300..400).contains(&response.status);
        let location = response.location.filter(|_| redirect);
        hops.push(Hop {
            url: url.clone(),
            status: response.status,
            location: location.clone(),
            sts: response.sts,
        });
        let Some(location) = location else {
            return Ok(Walk {
                hops,
                stopped: None,
            });
        };
        let next = match url.join(&location) {
            Ok(next) => next,
            Err(e) => {
                return Ok(Walk {
                    hops,
                    stopped: Some(format!("Location `{location}` is not a URL: {e}")),
                });
            }
        };
        if hops.len() >= max_hops {
            return Ok(Walk {
                hops,
                stopped: Some(format!("stopped after {max_hops} requests")),
            });
        }
        if let Err(e) = scope.check_url(&next) {
            return Ok(Walk {
                hops,
                stopped: Some(format!("not followed: {e}")),
            });
        }
        url = next;
    }
}

fn describe(error: &reqwest::Error) -> String {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        reason = crate::describe::any_error(inner);
        source = inner.source();
    }
    if error.is_timeout() {
        format!("timed out: {reason}")
    } else if error.is_connect() {
        format!("could not connect: {reason}")
    } else {
        reason
    }
}

/// Whether the connection was refused (nothing listens): for the plain-HTTP port that is a
/// passing answer, not an error.
pub fn is_refused(reason: &str) -> bool {
    reason.to_ascii_lowercase().contains("connection refused")
}
