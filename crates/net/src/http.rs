//! HTTP as every agent does it: one request at a time, in scope and within the budget, no redirect
//! followed by the client, no system proxy, a capped body, names resolved by [`crate::lookup`].

use std::sync::Arc;
use std::time::Duration;

use launchguard_core::Scope;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::{Instant, timeout_at};
use url::Url;

use crate::NetError;
use crate::resolve::{LookupFailed, Pins, Resolver};

/// Longest header value kept (a hostile server may send megabytes in one header).
const HEADER_VALUE_CAP: usize = 8 * 1024;

/// How a client is set up.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Sent as `User-Agent`, so that operators can tell launchguard's requests apart.
    pub user_agent: String,
    /// Accept any certificate: for agents that judge certificates themselves (the TLS agent).
    pub accept_invalid_certs: bool,
    /// Names that connect to a fixed address instead of asking DNS.
    pub pins: Pins,
    /// Body bytes read from a response before the connection is dropped.
    pub body_cap: usize,
    /// PEM certificates trusted as roots besides the public ones (a private CA, a staging CA).
    pub extra_roots_pem: Vec<u8>,
}

impl HttpOptions {
    pub fn new(purpose: &str, body_cap: usize) -> Self {
        HttpOptions {
            user_agent: format!("launchguard/{} ({purpose})", env!("CARGO_PKG_VERSION")),
            accept_invalid_certs: false,
            pins: Pins::default(),
            body_cap,
            extra_roots_pem: Vec::new(),
        }
    }
}

/// One HTTP response, capped.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Every header in order, names lowercase, values as text (lossy) cut at 8 KiB.
    pub headers: Vec<(String, String)>,
    /// The body, up to the client's cap.
    pub body: Vec<u8>,
    /// Whether the body was longer than the cap.
    pub truncated: bool,
    pub elapsed: Duration,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`, in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The redirect target, for a 3xx answer with a `Location`.
    pub fn redirect(&self) -> Option<&str> {
        (300..400)
            .contains(&self.status)
            .then(|| self.header("location"))
            .flatten()
    }
}

/// One step of a redirect walk.
#[derive(Debug, Clone)]
pub struct Hop {
    pub url: Url,
    pub response: Response,
    /// Why the body ended early, when it did: the status line and headers arrived whole, the
    /// body holds what came before the cut.
    pub cut_off: Option<NetError>,
}

/// Where a walk of redirects ended.
#[derive(Debug, Clone)]
pub struct Walk {
    pub hops: Vec<Hop>,
    /// Why the walk stopped before a final answer, if it did.
    pub stopped: Option<String>,
}

/// A client bound to a scope: every request is checked against it and paid from its budget.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    scope: Arc<Scope>,
    body_cap: usize,
}

impl HttpClient {
    pub fn new(scope: Arc<Scope>, options: HttpOptions) -> Result<Self, NetError> {
        let timeouts = scope.timeouts;
        let extra_roots = if options.extra_roots_pem.is_empty() {
            Vec::new()
        } else {
            let roots =
                reqwest::Certificate::from_pem_bundle(&options.extra_roots_pem).map_err(|e| {
                    NetError::Setup(format!("extra root certificates: {}", innermost(&e)))
                })?;
            if roots.is_empty() {
                return Err(NetError::Setup(
                    "extra root certificates: no PEM certificate found".into(),
                ));
            }
            roots
        };
        let client = reqwest::Client::builder()
            .tls_certs_merge(extra_roots)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tls_danger_accept_invalid_certs(options.accept_invalid_certs)
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .user_agent(options.user_agent)
            .dns_resolver(Resolver {
                pins: options.pins,
                timeout: timeouts.connect,
            })
            .build()
            .map_err(|e| NetError::Setup(innermost(&e)))?;
        Ok(HttpClient {
            client,
            scope,
            body_cap: options.body_cap,
        })
    }

    /// The scope every request of this client is checked against (to test a URL before asking).
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// One GET of `url` with `headers`, in scope and within the budget; the whole exchange,
    /// body included, is bounded by the request timeout.
    pub async fn get(
        &self,
        url: &Url,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<Response, NetError> {
        self.send(Method::GET, url, headers, None).await
    }

    /// One request of any method, with `headers` and an optional `body`, in scope and within the
    /// budget (one request taken before anything is sent); the whole exchange, body included, is
    /// bounded by the request timeout. Redirects are never followed.
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        headers: &[(HeaderName, HeaderValue)],
        body: Option<Vec<u8>>,
    ) -> Result<Response, NetError> {
        let (response, cut_off) = self.exchange(method, url, headers, body).await?;
        match cut_off {
            Some(error) => Err(error),
            None => Ok(response),
        }
    }

    /// [`HttpClient::get`] for a caller that judges only the status line and headers (a redirect,
    /// a header): an answer whose body was cut off (a reset, an early close, a broken chunk, the
    /// time running out) is still returned, its body holding what arrived, with the reason beside
    /// it. An answer cut off before its headers ended is an error, as with `get`.
    pub async fn get_head(
        &self,
        url: &Url,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<(Response, Option<NetError>), NetError> {
        self.exchange(Method::GET, url, headers, None).await
    }

    /// One request: the answer once its head arrived, and why its body ended early if it did.
    /// The head and the body share one deadline, the request timeout.
    async fn exchange(
        &self,
        method: Method,
        url: &Url,
        headers: &[(HeaderName, HeaderValue)],
        body: Option<Vec<u8>>,
    ) -> Result<(Response, Option<NetError>), NetError> {
        self.scope.take_request(url)?;
        let limit = self.scope.timeouts.request + Duration::from_secs(1);
        let started = Instant::now();
        let deadline = started + limit;
        let mut request = self.client.request(method, url.clone());
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(name.clone(), value.clone());
        }
        request = request.headers(map);
        if let Some(body) = body {
            request = request.body(body);
        }
        let mut response = match timeout_at(deadline, request.send()).await {
            Ok(sent) => sent.map_err(|e| classify(&e, limit))?,
            Err(_) => return Err(NetError::Timeout(limit)),
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let bytes = &value.as_bytes()[..value.len().min(HEADER_VALUE_CAP)];
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(bytes).into_owned(),
                )
            })
            .collect();
        let cut = |e: reqwest::Error| match classify(&e, limit) {
            timeout @ NetError::Timeout(_) => timeout,
            other => NetError::CutOff {
                status,
                reason: match other {
                    NetError::Connect(reason)
                    | NetError::Protocol(reason)
                    | NetError::HeadCutOff(reason) => reason,
                    other => other.to_string(),
                },
            },
        };
        let mut body = Vec::new();
        let mut truncated = false;
        let mut cut_off = None;
        loop {
            let chunk = match timeout_at(deadline, response.chunk()).await {
                Ok(Ok(Some(chunk))) => chunk,
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    cut_off = Some(cut(e));
                    break;
                }
                Err(_) => {
                    cut_off = Some(NetError::Timeout(limit));
                    break;
                }
            };
            let room = self.body_cap - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let response = Response {
            status,
            headers,
            body,
            truncated,
            elapsed: started.elapsed(),
        };
        Ok((response, cut_off))
    }

    /// Follows redirects from `start` one GET per hop, up to `max_requests`, never to a URL out of
    /// scope. An error before the first answer is the walk's error; a later one stops the walk.
    /// A hop whose body alone was cut off is kept, with [`Hop::cut_off`] saying so, and its
    /// redirect is followed: the status line and headers that decide it arrived whole (browsers
    /// follow a redirect without reading its body too).
    pub async fn walk(&self, start: Url, max_requests: usize) -> Result<Walk, NetError> {
        self.walk_with(start, max_requests, &[]).await
    }

    /// [`HttpClient::walk`] sending `headers` with every request (credentials stay in scope, as
    /// every hop does).
    pub async fn walk_with(
        &self,
        start: Url,
        max_requests: usize,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<Walk, NetError> {
        let mut hops = Vec::new();
        let mut url = start;
        loop {
            let (response, cut_off) = match self.get_head(&url, headers).await {
                Ok(answer) => answer,
                Err(e) if hops.is_empty() => return Err(e),
                Err(e) => {
                    return Ok(Walk {
                        hops,
                        stopped: Some(format!("{url}: {e}")),
                    });
                }
            };
            let location = response.redirect().map(str::to_owned);
            hops.push(Hop {
                url: url.clone(),
                response,
                cut_off,
            });
            let Some(location) = location else {
                return Ok(Walk {
                    hops,
                    stopped: None,
                });
            };
            let stop = |reason: String| {
                Ok(Walk {
                    hops: hops.clone(),
                    stopped: Some(reason),
                })
            };
            let next = match url.join(&location) {
                Ok(next) => next,
                Err(e) => return stop(format!("Location `{location}` is not a URL: {e}")),
            };
            if hops.len() >= max_requests {
                return stop(format!("stopped after {max_requests} requests"));
            }
            if let Err(e) = self.scope.check_url(&next) {
                return stop(format!("not followed: {e}"));
            }
            url = next;
        }
    }
}

/// A reqwest error by what is in its source chain, never by the words of its message.
fn classify(error: &reqwest::Error, limit: Duration) -> NetError {
    if error.is_timeout() {
        return NetError::Timeout(limit);
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(inner) = source {
        if let Some(LookupFailed(e)) = inner.downcast_ref::<LookupFailed>() {
            return e.clone();
        }
        if let Some(tls) = crate::describe::rustls_inside(inner) {
            return NetError::Tls(crate::describe::tls_error(tls));
        }
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            let classified = NetError::from_io(io, limit);
            if !matches!(classified, NetError::Connect(_)) {
                return classified;
            }
        }
        source = inner.source();
    }
    if error.is_connect() {
        NetError::Connect(innermost(error))
    } else if ended_early(error) {
        NetError::HeadCutOff(innermost(error))
    } else {
        NetError::Protocol(innermost(error))
    }
}

/// Whether the connection, once made, ended (closed or reset by the peer) before the answer was
/// whole: by the kinds in the error's source chain.
fn ended_early(error: &reqwest::Error) -> bool {
    use std::io::ErrorKind;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(inner) = source {
        if inner
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if inner.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        }) {
            return true;
        }
        source = inner.source();
    }
    false
}

/// The innermost message of an error chain (the URL, which the finding already shows, left out).
fn innermost(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(inner) = source {
        text = crate::describe::any_error(inner);
        source = inner.source();
    }
    text
}
