//! Cookies set by the page and its redirects.

pub(crate) mod broad_domain;
pub(crate) mod insecure;
pub(crate) mod no_httponly;
pub(crate) mod no_samesite;
pub(crate) mod samesite_none_insecure;

use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;
use url::Url;

use super::Examined;
use super::judge::{listed, page};

/// Cookies named in one finding's message; the evidence lists at most [`MAX_LISTED`] too.
const MAX_LISTED: usize = 20;

/// One `Set-Cookie`, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Cookie {
    pub name: String,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<String>,
    pub domain: Option<String>,
    pub session_like: bool,
    /// The URL whose answer set it.
    pub set_by: Url,
}

const SESSION_WORDS: &[&str] = &["sess", "sid", "auth", "token", "jwt", "login", "remember"];

fn looks_like_jwt(value: &str) -> bool {
    let value = value.trim_matches('"');
    value.starts_with("eyJ") && value.split('.').count() == 3
}

/// Whether a cookie's name or value says it carries a session.
pub(crate) fn session_like(name: &str, value: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("__host-")
        || lower.starts_with("__secure-")
        || SESSION_WORDS.iter().any(|w| lower.contains(w))
        || looks_like_jwt(value)
}

pub(crate) fn parse(header: &str, set_by: &Url) -> Option<Cookie> {
    let mut parts = header.split(';');
    let (name, value) = parts.next()?.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut cookie = Cookie {
        name: name.chars().take(80).collect(),
        secure: false,
        http_only: false,
        same_site: None,
        domain: None,
        session_like: session_like(name, value.trim()),
        set_by: set_by.clone(),
    };
    for attribute in parts {
        let (key, val) = attribute
            .split_once('=')
            .map_or((attribute.trim(), ""), |(k, v)| (k.trim(), v.trim()));
        match key.to_ascii_lowercase().as_str() {
            "secure" => cookie.secure = true,
            "httponly" => cookie.http_only = true,
            "samesite" => cookie.same_site = Some(val.to_ascii_lowercase()),
            "domain" if !val.is_empty() => {
                cookie.domain = Some(val.trim_start_matches('.').to_ascii_lowercase())
            }
            _ => {}
        }
    }
    Some(cookie)
}

/// The cookies one answer sets.
pub(crate) fn set_cookies(url: &Url, response: &Response) -> Vec<Cookie> {
    response
        .headers_named("set-cookie")
        .filter_map(|header| parse(header, url))
        .collect()
}

/// Every cookie the page walk set, the last setting of each name winning.
fn all_cookies(x: &Examined<'_>) -> Vec<Cookie> {
    let mut cookies: Vec<Cookie> = Vec::new();
    for hop in &x.surface.hops {
        for cookie in set_cookies(&hop.url, &hop.response) {
            cookies.retain(|c| c.name != cookie.name || c.domain != cookie.domain);
            cookies.push(cookie);
        }
    }
    cookies
}

/// The common judge: the cookies `offends` picks fail the check, with severity `session` when one
/// of them is session-like and `other` otherwise.
pub(crate) fn judge_cookies(
    def: &CheckDef,
    x: &Examined<'_>,
    applies: &dyn Fn(&Cookie) -> bool,
    offends: &dyn Fn(&Cookie) -> bool,
    problem: &str,
    severities: (Severity, Severity),
) -> Vec<Finding> {
    if let Err(findings) = page(def, x) {
        return findings;
    }
    let cookies = all_cookies(x);
    let examined: Vec<&Cookie> = cookies.iter().filter(|c| applies(c)).collect();
    if examined.is_empty() {
        return vec![Finding::pass(
            def,
            x.target.clone(),
            format!("no cookie this check applies to ({} set)", cookies.len()),
        )];
    }
    let bad: Vec<&Cookie> = examined.iter().copied().filter(|c| offends(c)).collect();
    if bad.is_empty() {
        return vec![Finding::pass(
            def,
            x.target.clone(),
            format!("{} cookie(s) examined, none {problem}", examined.len()),
        )];
    }
    let names: Vec<String> = bad
        .iter()
        .map(|c| {
            format!(
                "{}{}",
                c.name,
                if c.session_like {
                    " (session-like)"
                } else {
                    ""
                }
            )
        })
        .collect();
    let severity = if bad.iter().any(|c| c.session_like) {
        severities.0
    } else {
        severities.1
    };
    vec![
        Finding::fail(
            def,
            x.target.clone(),
            format!(
                "{} cookie(s) {problem}: {}",
                bad.len(),
                listed(&names, MAX_LISTED)
            ),
        )
        .with_severity(severity)
        .with_evidence(
            "cookies",
            names.into_iter().take(MAX_LISTED).collect::<Vec<_>>(),
        )
        .with_evidence("set_by", bad[0].set_by.as_str()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_case_insensitively() {
        let url = Url::parse("https://app.lab.test/").unwrap();
        let cookie = parse(
            "__Host-sid=abc; Path=/; SECURE; httponly; SameSite=Lax; Domain=.Lab.Test",
            &url,
        )
        .unwrap();
        assert!(cookie.secure && cookie.http_only && cookie.session_like);
        assert_eq!(cookie.same_site.as_deref(), Some("lax"));
        assert_eq!(cookie.domain.as_deref(), Some("lab.test"));
        assert!(parse("garbage without equals", &url).is_none());
        let theme = parse("theme=dark", &url).unwrap();
        assert!(!theme.session_like);
        assert!(
            parse("x=eyJhbGciOi.eyJzdWIi.c2ln", &url)
                .unwrap()
                .session_like
        );
    }
}
