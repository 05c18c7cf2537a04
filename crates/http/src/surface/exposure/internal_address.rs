use std::net::Ipv4Addr;
use std::sync::LazyLock;

use launchguard_core::{CheckDef, Finding, Severity};
use regex::Regex;

use super::{Part, Tally, conclude, line_and_column, public_bodies};
use crate::surface::judge::page;
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.internal_address",
    agent: "http",
    title: "Responses reveal private IP addresses or internal host names",
    severity: Severity::Low,
    what: "Reads the page's headers and every public body the crawl fetched (page, not-found page, health \
           bodies, exposed files, and in scripts and source maps only the hosts of URLs) and fails on private \
           IPv4 addresses (RFC 1918, CGNAT 100.64/10, link-local) and internal host names (`.internal`, \
           `.local`, `.localdomain`, `.svc.cluster.local`, `.corp`, `.lan`, `.intranet`). Loopback is not \
           reported. Each finding gives URL, line and column.",
    why: "Internal addresses map the private network for server-side request forgery and tell an attacker \
          which hosts the application trusts.",
    fix: "Keep internal URLs out of client bundles and error pages (use relative paths or public hostnames), \
          and strip backend addresses from headers at the proxy.",
    references: &["https://cwe.mitre.org/data/definitions/200.html"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

/// Examples kept in the evidence.
const MAX_EXAMPLES: usize = 10;

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[^0-9A-Za-z.])((?:\d{1,3}\.){3}\d{1,3}|(?:[a-z0-9-]+\.)+(?:internal|local|localdomain|svc\.cluster\.local|corp|lan|intranet))(?:$|[^0-9A-Za-z.-])",
    )
    .expect("built-in pattern compiles")
});
static INTERNAL_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\.(?:internal|local|localdomain|svc\.cluster\.local|corp|lan|intranet)$")
        .expect("built-in pattern compiles")
});
static URL_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:https?|wss?|postgres(?:ql)?|redis|mongodb|amqp)://(?:[^/\s@]+@)?([^/\s:?#'`<>\x22]+)")
        .expect("built-in pattern compiles")
});

/// Whether `text` is a private IPv4 address or an internal host name.
fn internal(text: &str) -> bool {
    match text.parse::<Ipv4Addr>() {
        Ok(ip) => {
            let [a, b, ..] = ip.octets();
            ip.is_private() || ip.is_link_local() || (a == 100 && (64..128).contains(&b))
        }
        Err(_) => INTERNAL_NAME.is_match(text),
    }
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    if let Err(findings) = page(&DEF, x) {
        return findings;
    }
    let mut found: Vec<(String, Severity)> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut note = |place: String, address: &str| {
        if found.len() < MAX_EXAMPLES && !seen.iter().any(|s| s == address) {
            seen.push(address.to_owned());
            found.push((format!("{address} at {place}"), Severity::Low));
        }
    };
    for hop in &x.surface.hops {
        for (name, value) in &hop.response.headers {
            for captures in ADDRESS.captures_iter(value) {
                if internal(&captures[1]) {
                    note(format!("{} header {name}", hop.url), &captures[1]);
                }
            }
        }
    }
    let bodies = public_bodies(x);
    for (part, url, response) in &bodies {
        let text = String::from_utf8_lossy(&response.body);
        let pattern: &Regex = if matches!(part, Part::Script | Part::SourceMap) {
            &URL_HOST
        } else {
            &ADDRESS
        };
        for captures in pattern.captures_iter(&text) {
            let address = captures.get(1).expect("group 1 always takes part");
            if internal(address.as_str()) {
                let (line, column) = line_and_column(text.as_bytes(), address.start());
                note(
                    format!("{url}:{line}:{column} ({})", part.describe()),
                    address.as_str(),
                );
            }
        }
    }
    conclude(
        &DEF,
        x,
        Tally {
            found,
            failed: Vec::new(),
            tried: bodies.len(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_internal_but_not_loopback_or_public() {
        for text in [
            "10.0.3.7",
            "172.20.1.1",
            "192.168.0.10",
            "100.64.0.1",
            "169.254.169.254",
            "db.internal",
            "redis.prod.svc.cluster.local",
        ] {
            assert!(internal(text), "{text}");
        }
        for text in [
            "127.0.0.1",
            "8.8.8.8",
            "172.32.0.1",
            "lghttplab.supabase.co",
            "localhost",
        ] {
            assert!(!internal(text), "{text}");
        }
        let hits: Vec<&str> = ADDRESS
            .captures_iter("version 1.10.0.3.4 at 10.0.3.7:5432 and v10.1.2.3b")
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert_eq!(hits, ["10.0.3.7"]);
    }
}
