//! Do no harm: which hosts may be contacted, how many requests each may receive, and for how long.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use url::{Host, Url};

/// Timeouts every network operation runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub request: Duration,
    /// How long one agent may run before the runner stops it and reports what it had not finished
    /// as `error`.
    pub agent_deadline: Duration,
}

/// Why an operation was refused before it was attempted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("host `{0}` is not in [scope].hosts; launchguard only contacts hosts in scope")]
    OutOfScope(String),
    #[error("URL `{0}` has no host")]
    NoHost(String),
    #[error(
        "`{0}` is not a host name, `*.domain` or IP address (ports and schemes do not belong here)"
    )]
    BadPattern(String),
    #[error(
        "the request budget for `{host}` ({budget} requests, [scope].requests_per_host) is spent"
    )]
    BudgetSpent { host: String, budget: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Exact(String),
    /// `*.example.com`: any name below `example.com`, not `example.com` itself.
    Subdomains(String),
    Ip(IpAddr),
}

impl HostPattern {
    fn parse(pattern: &str) -> Result<Self, ScopeError> {
        let pattern = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
        let bare = pattern.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(HostPattern::Ip(ip));
        }
        let valid_name = |name: &str| {
            !name.is_empty()
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                })
        };
        match pattern.strip_prefix("*.") {
            Some(base) if valid_name(base) => Ok(HostPattern::Subdomains(base.to_owned())),
            None if valid_name(&pattern) => Ok(HostPattern::Exact(pattern)),
            _ => Err(ScopeError::BadPattern(pattern)),
        }
    }

    fn matches(&self, host: &Host<&str>) -> bool {
        // URLs of non-special schemes (postgresql://) keep IP addresses as opaque names.
        if let (HostPattern::Ip(ip), Host::Domain(name)) = (self, host) {
            return name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|parsed| parsed == *ip);
        }
        match (self, host) {
            (HostPattern::Ip(ip), Host::Ipv4(v4)) => *ip == IpAddr::V4(*v4),
            (HostPattern::Ip(ip), Host::Ipv6(v6)) => *ip == IpAddr::V6(*v6),
            (HostPattern::Exact(name), Host::Domain(d)) => normalize(d) == *name,
            (HostPattern::Subdomains(base), Host::Domain(d)) => {
                let d = normalize(d);
                d.len() > base.len() + 1
                    && d.ends_with(base.as_str())
                    && d[..d.len() - base.len()].ends_with('.')
            }
            _ => false,
        }
    }
}

fn normalize(domain: &str) -> String {
    domain.trim_end_matches('.').to_ascii_lowercase()
}

/// The allowlist of hosts, the per-host request budget and the timeouts of one run.
#[derive(Debug)]
pub struct Scope {
    patterns: Vec<HostPattern>,
    requests_per_host: u32,
    spent: Mutex<HashMap<String, u32>>,
    pub timeouts: Timeouts,
}

impl Scope {
    /// Fails on the first pattern that is not a host name, `*.domain` or IP address.
    pub fn new(
        hosts: &[String],
        requests_per_host: u32,
        timeouts: Timeouts,
    ) -> Result<Self, ScopeError> {
        let patterns = hosts
            .iter()
            .map(|h| HostPattern::parse(h))
            .collect::<Result<_, _>>()?;
        Ok(Scope {
            patterns,
            requests_per_host,
            spent: Mutex::new(HashMap::new()),
            timeouts,
        })
    }

    /// Checks a pattern without building a scope (for config validation).
    pub fn validate_pattern(pattern: &str) -> Result<(), ScopeError> {
        HostPattern::parse(pattern).map(|_| ())
    }

    fn host_key(url: &Url) -> Result<(Host<&str>, String), ScopeError> {
        let host = url
            .host()
            .ok_or_else(|| ScopeError::NoHost(url.to_string()))?;
        let key = match &host {
            Host::Domain(d) => normalize(d),
            other => other.to_string(),
        };
        Ok((host, key))
    }

    /// Whether `url`'s host is in scope.
    pub fn check_url(&self, url: &Url) -> Result<(), ScopeError> {
        let (host, key) = Scope::host_key(url)?;
        if self.patterns.iter().any(|p| p.matches(&host)) {
            Ok(())
        } else {
            Err(ScopeError::OutOfScope(key))
        }
    }

    /// Checks scope and takes one request from the host's budget. Call once per request sent.
    pub fn take_request(&self, url: &Url) -> Result<(), ScopeError> {
        self.check_url(url)?;
        let (_, key) = Scope::host_key(url)?;
        let mut spent = self
            .spent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let used = spent.entry(key.clone()).or_insert(0);
        if *used >= self.requests_per_host {
            return Err(ScopeError::BudgetSpent {
                host: key,
                budget: self.requests_per_host,
            });
        }
        *used += 1;
        Ok(())
    }

    /// Requests taken so far from `host`'s budget.
    pub fn requests_spent(&self, host: &str) -> u32 {
        let spent = self
            .spent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        spent.get(&normalize(host)).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(hosts: &[&str], budget: u32) -> Scope {
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        let t = Duration::from_secs(1);
        Scope::new(
            &hosts,
            budget,
            Timeouts {
                connect: t,
                request: t,
                agent_deadline: t,
            },
        )
        .unwrap()
    }

    fn url(u: &str) -> Url {
        Url::parse(u).unwrap()
    }

    #[test]
    fn exact_wildcard_and_ip_patterns() {
        let s = scope(
            &[
                "App.Example.com.",
                "*.tenants.example.com",
                "127.0.0.1",
                "::1",
            ],
            10,
        );
        assert!(s.check_url(&url("https://app.example.com/health")).is_ok());
        assert!(s.check_url(&url("https://APP.example.com./x")).is_ok());
        assert!(
            s.check_url(&url("https://acme.tenants.example.com"))
                .is_ok()
        );
        assert!(s.check_url(&url("https://a.b.tenants.example.com")).is_ok());
        assert!(s.check_url(&url("http://127.0.0.1:8080/")).is_ok());
        assert!(s.check_url(&url("http://[::1]:8080/")).is_ok());
        assert!(s.check_url(&url("postgresql://127.0.0.1/")).is_ok());
        assert!(s.check_url(&url("postgresql://[::1]:5432/db")).is_ok());
        assert!(s.check_url(&url("postgresql://127.0.0.2/")).is_err());
    }

    #[test]
    fn everything_else_is_out_of_scope() {
        let s = scope(
            &["app.example.com", "*.tenants.example.com", "127.0.0.1"],
            10,
        );
        for u in [
            "https://example.com",
            "https://tenants.example.com",
            "https://evilapp.example.com",
            "https://app.example.com.evil.net",
            "https://xtenants.example.com",
            "http://127.0.0.2/",
            "http://[::1]/",
        ] {
            assert!(
                matches!(s.check_url(&url(u)), Err(ScopeError::OutOfScope(_))),
                "{u} allowed"
            );
        }
    }

    #[test]
    fn budget_is_per_host_and_bounded() {
        let s = scope(&["127.0.0.1", "localhost"], 2);
        assert!(s.take_request(&url("http://127.0.0.1:1/a")).is_ok());
        assert!(s.take_request(&url("http://127.0.0.1:2/b")).is_ok());
        assert!(matches!(
            s.take_request(&url("http://127.0.0.1:1/a")),
            Err(ScopeError::BudgetSpent { budget: 2, .. })
        ));
        assert!(s.take_request(&url("http://localhost/")).is_ok());
        assert_eq!(s.requests_spent("127.0.0.1"), 2);
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in [
            "https://app.example.com",
            "app.example.com:443",
            "*",
            "a..b",
            "",
        ] {
            assert!(Scope::validate_pattern(bad).is_err(), "{bad:?} accepted");
        }
    }
}
