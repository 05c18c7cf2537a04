//! Security headers of the page's final answer, by role.

pub(crate) mod cache_sensitive;
pub(crate) mod csp_missing;
pub(crate) mod csp_unsafe;
pub(crate) mod nosniff_missing;
pub(crate) mod permissions_policy_missing;
pub(crate) mod referrer_policy_missing;
pub(crate) mod server_version_leak;
pub(crate) mod xfo_missing;

use std::sync::LazyLock;

use launchguard_net::Response;
use regex::Regex;

/// One parsed Content-Security-Policy: directive names lowercase, sources as written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Csp {
    pub directives: Vec<(String, Vec<String>)>,
}

impl Csp {
    pub fn parse(value: &str) -> Csp {
        let directives = value
            .split(';')
            .filter_map(|part| {
                let mut tokens = part.split_ascii_whitespace();
                let name = tokens.next()?.to_ascii_lowercase();
                Some((name, tokens.map(str::to_owned).collect()))
            })
            .collect();
        Csp { directives }
    }

    /// The sources of the first directive `name` (browsers ignore repeats).
    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.directives
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, sources)| sources.as_slice())
    }
}

static META_CSP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<meta\b[^>]*http-equiv\s*=\s*["']?content-security-policy["']?[^>]*>"#)
        .expect("built-in pattern compiles")
});
static META_CONTENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)')"#)
        .expect("built-in pattern compiles")
});

/// The enforced policy of an answer: the first CSP header, else a `<meta http-equiv>` policy.
/// The flag says whether it came from a meta tag (which cannot carry `frame-ancestors`).
pub(crate) fn enforced_csp(response: &Response) -> Option<(String, bool)> {
    if let Some(header) = response.header("content-security-policy") {
        return Some((header.to_owned(), false));
    }
    let html = String::from_utf8_lossy(&response.body);
    let tag = META_CSP.find(&html)?;
    let content = META_CONTENT.captures(tag.as_str())?;
    let value = content.get(1).or(content.get(2))?.as_str().to_owned();
    Some((value, true))
}
