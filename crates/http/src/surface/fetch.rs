//! One target's crawl: the page (redirects followed in scope), a soft-404 baseline, the exposure
//! paths, health bodies, same-origin scripts and their source maps, and the CORS probes. Every
//! request is paid from the scope's per-host budget and from the target's own caps.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use futures_util::StreamExt;
use launchguard_net::{Hop, HttpClient, Method, Response};
use regex::Regex;
use reqwest::header::{HeaderName, HeaderValue};
use std::sync::LazyLock;
use url::Url;

use super::SurfaceTarget;
use super::cors::{OriginKind, PREFLIGHT_HEADERS, PREFLIGHT_METHOD, probe_origins};
use super::exposure::{EXPOSURE_PATHS, Exposure};

/// Requests of one target in flight at once.
const CONCURRENCY: usize = 8;
/// Redirects followed from the page URL.
const MAX_HOPS: usize = 5;
/// Same-origin scripts fetched (the page's, then those they name).
const MAX_SCRIPTS: usize = 20;
/// Source maps fetched.
const MAX_MAPS: usize = 20;
/// Largest single body read.
pub const BODY_CAP: usize = 2 * 1024 * 1024;

/// One request that was tried and what came of it.
#[derive(Debug)]
pub(crate) struct Probe {
    pub url: Url,
    pub answer: Result<Response, String>,
}

impl Probe {
    pub fn ok(&self) -> Option<&Response> {
        self.answer.as_ref().ok()
    }
}

#[derive(Debug)]
pub(crate) struct PathProbe {
    pub exposure: Exposure,
    pub probe: Probe,
}

/// One CORS request: the Origin sent, how it was derived, simple or preflight, and the answer.
#[derive(Debug)]
pub(crate) struct CorsProbe {
    pub origin: String,
    pub kind: OriginKind,
    pub preflight: bool,
    pub answer: Result<Response, String>,
}

#[derive(Debug)]
pub(crate) struct CorsEndpoint {
    pub url: Url,
    pub probes: Vec<CorsProbe>,
}

/// Everything one target's crawl collected; the checks judge only this.
#[derive(Debug)]
pub(crate) struct Surface {
    /// Every answer of the page walk, in order (cookies are collected from all of them).
    pub hops: Vec<Hop>,
    /// Why the page walk gave no final answer, if it did not.
    pub page_error: Option<String>,
    pub authenticated: bool,
    pub baseline: Probe,
    pub paths: Vec<PathProbe>,
    pub health: Vec<Probe>,
    pub scripts: Vec<Probe>,
    pub maps: Vec<Probe>,
    pub cors: Vec<CorsEndpoint>,
    pub requests: u32,
    pub bytes: u64,
}

impl Surface {
    /// The final answer of the page walk: the page every header check judges.
    pub fn page(&self) -> Result<&Hop, &str> {
        match (&self.page_error, self.hops.last()) {
            (None, Some(hop)) => Ok(hop),
            (Some(reason), _) => Err(reason.as_str()),
            (None, None) => Err("the page gave no answer"),
        }
    }
}

/// The target's request and byte caps, shared by its concurrent requests.
pub(crate) struct Fetcher<'a> {
    client: &'a HttpClient,
    max_requests: u32,
    max_bytes: u64,
    requests: AtomicU32,
    bytes: AtomicU64,
}

impl<'a> Fetcher<'a> {
    pub fn new(client: &'a HttpClient, target: &SurfaceTarget) -> Self {
        Fetcher {
            client,
            max_requests: target.max_requests,
            max_bytes: target.max_bytes,
            requests: AtomicU32::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    fn take(&self) -> Result<(), String> {
        if self.bytes.load(Ordering::SeqCst) >= self.max_bytes {
            return Err(format!(
                "not fetched: the target's max_bytes ({}) was read",
                self.max_bytes
            ));
        }
        let used = self.requests.fetch_add(1, Ordering::SeqCst);
        if used >= self.max_requests {
            self.requests.fetch_sub(1, Ordering::SeqCst);
            return Err(format!(
                "not fetched: the target's max_requests ({}) is spent",
                self.max_requests
            ));
        }
        Ok(())
    }

    fn paid(&self, response: &Response) {
        self.bytes
            .fetch_add(response.body.len() as u64, Ordering::SeqCst);
    }

    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<Response, String> {
        self.take()?;
        let response = self
            .client
            .send(method, url, headers, None)
            .await
            .map_err(|e| e.to_string())?;
        self.paid(&response);
        Ok(response)
    }

    async fn get(&self, url: Url) -> Probe {
        let answer = self.send(Method::GET, &url, &[]).await;
        Probe { url, answer }
    }

    /// GETs every URL, [`CONCURRENCY`] at a time, answers in the order asked.
    async fn get_all(&self, urls: Vec<Url>) -> Vec<Probe> {
        futures_util::stream::iter(urls)
            .map(|url| self.get(url))
            .buffered(CONCURRENCY)
            .collect()
            .await
    }

    /// Follows the page's redirects in scope, each hop paid from the target's cap.
    async fn walk(
        &self,
        start: Url,
        headers: &[(HeaderName, HeaderValue)],
    ) -> (Vec<Hop>, Option<String>) {
        let mut hops: Vec<Hop> = Vec::new();
        let mut url = start;
        loop {
            let response = match self.send(Method::GET, &url, headers).await {
                Ok(response) => response,
                Err(e) => return (hops, Some(format!("{url}: {e}"))),
            };
            let location = response.redirect().map(str::to_owned);
            hops.push(Hop {
                url: url.clone(),
                response,
                cut_off: None,
            });
            let Some(location) = location else {
                return (hops, None);
            };
            let next = match url.join(&location) {
                Ok(next) => next,
                Err(e) => {
                    return (
                        hops,
                        Some(format!(
                            "the page redirects to `{location}`, not a URL: {e}"
                        )),
                    );
                }
            };
            if hops.len() > MAX_HOPS {
                return (
                    hops,
                    Some(format!(
                        "the page redirected more than {MAX_HOPS} times (a loop?)"
                    )),
                );
            }
            if let Err(e) = self.client.scope().check_url(&next) {
                return (
                    hops,
                    Some(format!("the page redirects to {next}, not followed: {e}")),
                );
            }
            url = next;
        }
    }
}

static SCRIPT_SRC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<script\b[^>]*?\bsrc\s*=\s*(?:"([^"]+)"|'([^']+)'|([^\s"'>]+))"#)
        .expect("built-in pattern compiles")
});
static SCRIPT_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"["'](/[A-Za-z0-9_./~@%-]{1,300}\.m?js)["']"#).expect("built-in pattern compiles")
});
static SOURCE_MAPPING_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*//[#@] sourceMappingURL=(\S+)[ \t]*$")
        .expect("built-in pattern compiles")
});

fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// The same-origin scripts an HTML page loads, in page order.
pub(crate) fn page_scripts(page: &Url, html: &[u8]) -> Vec<Url> {
    let text = String::from_utf8_lossy(html);
    let mut found: Vec<Url> = Vec::new();
    for captures in SCRIPT_SRC.captures_iter(&text) {
        let Some(src) = captures.get(1).or(captures.get(2)).or(captures.get(3)) else {
            continue;
        };
        if let Ok(url) = page.join(src.as_str().trim())
            && same_origin(page, &url)
            && !found.contains(&url)
        {
            found.push(url);
        }
    }
    found
}

/// Same-origin script paths a script names (chunks a bundle loads).
fn referenced_scripts(script: &Url, body: &[u8]) -> Vec<Url> {
    let text = String::from_utf8_lossy(body);
    SCRIPT_REFERENCE
        .captures_iter(&text)
        .filter_map(|c| script.join(&c[1]).ok())
        .filter(|url| same_origin(script, url))
        .collect()
}

/// Where a script's source map is: its `sourceMappingURL` comment, else the script URL + `.map`.
fn map_url(script: &Url, body: &[u8]) -> Option<Url> {
    let text = String::from_utf8_lossy(body);
    match SOURCE_MAPPING_URL.captures_iter(&text).last() {
        Some(c) if c[1].starts_with("data:") => None,
        Some(c) => script.join(&c[1]).ok().filter(|u| same_origin(script, u)),
        None => {
            let mut url = script.clone();
            url.set_path(&format!("{}.map", script.path()));
            url.set_query(None);
            Some(url)
        }
    }
}

fn is_html(response: &Response) -> bool {
    response
        .header("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().contains("html"))
        || response
            .body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'<')
}

/// Crawls one target.
pub(crate) async fn crawl(
    fetcher: &Fetcher<'_>,
    target: &SurfaceTarget,
    credentials: &[(HeaderName, HeaderValue)],
    nonce: &str,
) -> Surface {
    let mut baseline_url = target.url.clone();
    baseline_url.set_path(&format!("/lg-{nonce}-not-found.txt"));
    baseline_url.set_query(None);
    let ((hops, page_error), baseline) = tokio::join!(
        fetcher.walk(target.url.clone(), credentials),
        fetcher.get(baseline_url)
    );
    let page = hops.last().filter(|_| page_error.is_none());

    let path_urls: Vec<(Exposure, Url)> = EXPOSURE_PATHS
        .iter()
        .filter_map(|(exposure, path)| target.url.join(path).ok().map(|u| (*exposure, u)))
        .collect();
    let first_scripts: Vec<Url> = page
        .filter(|hop| is_html(&hop.response))
        .map(|hop| page_scripts(&hop.url, &hop.response.body))
        .unwrap_or_default()
        .into_iter()
        .take(MAX_SCRIPTS)
        .collect();
    let cors_requests: Vec<(Url, String, OriginKind, bool)> = target
        .cors_urls
        .iter()
        .flat_map(|url| {
            probe_origins(&target.url, &target.allowed_origins, nonce)
                .into_iter()
                .flat_map(move |(origin, kind)| {
                    [false, true].map(|preflight| (url.clone(), origin.clone(), kind, preflight))
                })
        })
        .collect();

    let (paths, health, scripts, cors) = tokio::join!(
        fetcher.get_all(path_urls.iter().map(|(_, u)| u.clone()).collect()),
        fetcher.get_all(target.health_urls.clone()),
        fetcher.get_all(first_scripts.clone()),
        futures_util::stream::iter(cors_requests)
            .map(|(url, origin, kind, preflight)| async move {
                let answer = cors_request(fetcher, &url, &origin, preflight).await;
                (
                    url,
                    CorsProbe {
                        origin,
                        kind,
                        preflight,
                        answer,
                    },
                )
            })
            .buffered(CONCURRENCY)
            .collect::<Vec<_>>()
    );
    let paths = path_urls
        .into_iter()
        .zip(paths)
        .map(|((exposure, _), probe)| PathProbe { exposure, probe })
        .collect();

    let mut scripts = scripts;
    let mut seen: Vec<Url> = first_scripts;
    let mut second: Vec<Url> = Vec::new();
    for script in &scripts {
        if let Some(response) = script.ok().filter(|r| r.status == 200) {
            for url in referenced_scripts(&script.url, &response.body) {
                if seen.len() + second.len() < MAX_SCRIPTS
                    && !seen.contains(&url)
                    && !second.contains(&url)
                {
                    second.push(url);
                }
            }
        }
    }
    seen.extend(second.iter().cloned());
    scripts.extend(fetcher.get_all(second).await);
    let map_urls: Vec<Url> = scripts
        .iter()
        .filter_map(|s| {
            s.ok()
                .filter(|r| r.status == 200)
                .and_then(|r| map_url(&s.url, &r.body))
        })
        .take(MAX_MAPS)
        .collect();
    let maps = fetcher.get_all(map_urls).await;

    let mut endpoints: Vec<CorsEndpoint> = target
        .cors_urls
        .iter()
        .map(|url| CorsEndpoint {
            url: url.clone(),
            probes: Vec::new(),
        })
        .collect();
    for (url, probe) in cors {
        if let Some(endpoint) = endpoints.iter_mut().find(|e| e.url == url) {
            endpoint.probes.push(probe);
        }
    }
    Surface {
        hops,
        page_error,
        authenticated: !credentials.is_empty(),
        baseline,
        paths,
        health,
        scripts,
        maps,
        cors: endpoints,
        requests: fetcher.requests.load(Ordering::SeqCst),
        bytes: fetcher.bytes.load(Ordering::SeqCst),
    }
}

async fn cors_request(
    fetcher: &Fetcher<'_>,
    url: &Url,
    origin: &str,
    preflight: bool,
) -> Result<Response, String> {
    let origin =
        HeaderValue::from_str(origin).map_err(|_| "origin is not a header value".to_owned())?;
    let mut headers = vec![(HeaderName::from_static("origin"), origin)];
    let method = if preflight {
        headers.push((
            HeaderName::from_static("access-control-request-method"),
            HeaderValue::from_static(PREFLIGHT_METHOD),
        ));
        headers.push((
            HeaderName::from_static("access-control-request-headers"),
            HeaderValue::from_static(PREFLIGHT_HEADERS),
        ));
        Method::OPTIONS
    } else {
        Method::GET
    };
    fetcher.send(method, url, &headers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_same_origin_only_in_page_order() {
        let page = Url::parse("https://app.lab.test/dash/").unwrap();
        let html = br#"<script src="/static/a.js"></script><SCRIPT type=module src='b.js'>
            <script src="https://cdn.example.com/x.js"></script><script src=//app.lab.test/c.js></script>
            <script>inline()</script><script src="/static/a.js"></script>"#;
        let found: Vec<String> = page_scripts(&page, html)
            .iter()
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            found,
            [
                "https://app.lab.test/static/a.js",
                "https://app.lab.test/dash/b.js",
                "https://app.lab.test/c.js"
            ]
        );
    }

    #[test]
    fn maps_come_from_the_comment_or_the_script_name() {
        let script = Url::parse("https://app.lab.test/static/app.js?v=3").unwrap();
        assert_eq!(
            map_url(&script, b"x()\n//# sourceMappingURL=maps/app.js.map\n")
                .unwrap()
                .as_str(),
            "https://app.lab.test/static/maps/app.js.map"
        );
        assert_eq!(
            map_url(&script, b"x()").unwrap().as_str(),
            "https://app.lab.test/static/app.js.map"
        );
        assert!(
            map_url(
                &script,
                b"//# sourceMappingURL=data:application/json;base64,e30=\n"
            )
            .is_none()
        );
        assert!(
            map_url(
                &script,
                b"//# sourceMappingURL=https://evil.example/x.map\n"
            )
            .is_none()
        );
    }

    #[test]
    fn chunks_named_in_a_bundle_are_followed_on_the_same_origin() {
        let script = Url::parse("https://app.lab.test/static/app.js").unwrap();
        let found = referenced_scripts(
            &script,
            br#"load("/static/chunk-1.js");import("https://x.example/y.js");"/_next/static/c.mjs""#,
        );
        let found: Vec<&str> = found.iter().map(Url::as_str).collect();
        assert_eq!(
            found,
            [
                "https://app.lab.test/static/chunk-1.js",
                "https://app.lab.test/_next/static/c.mjs"
            ]
        );
    }
}
