use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use launchguard_core::{CheckDef, Finding, Redacted, Severity, Target};
use regex::Regex;

use super::Answer;

pub static CHECK: CheckDef = CheckDef {
    id: "health.verbose",
    agent: "health",
    title: "Health endpoint leaks internals",
    severity: Severity::Medium,
    what: "Reads the health answer (first 64 KiB, any status) and fails when it reveals software versions, \
           host or pod names, private IP addresses (RFC 1918, CGNAT, link-local, IPv6 ULA), stack traces, \
           environment variables or database/cache connection strings. The evidence names each category with \
           short examples; passwords in connection strings and environment values are never shown.",
    why: "Health endpoints are public and unauthenticated by design. Versions point attackers at known CVEs, \
          internal names and addresses map the network for SSRF, stack traces reveal code paths, and a \
          connection string or environment dump can hand over a database password outright.",
    fix: "Return only what a monitor needs, e.g. `{\"status\":\"ok\"}` plus per-dependency up/down flags. Move \
          detailed diagnostics (versions, dependency latencies, build info) to an authenticated endpoint, catch \
          exceptions in the health handler instead of rendering them, and rotate any credential that was exposed.",
    references: &[
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/01-Information_Gathering/02-Fingerprint_Web_Server",
        "https://cwe.mitre.org/data/definitions/497.html",
    ],
};

const MAX_EXAMPLES_PER_CATEGORY: usize = 3;
const MAX_EXAMPLE_CHARS: usize = 100;

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern compiles")
}

static VERSION: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(
            r#"(?i)"(?:[a-z_]*version|build(?:_?id)?|commit|git_?sha|git_?commit|revision)"\s*:\s*"[^"]{1,80}""#,
        ),
        regex(
            r"(?i)\b(?:nginx|apache|express|gunicorn|uvicorn|python|node(?:\.js)?|php|openssl|postgresql|postgres|redis|django|flask|fastapi|werkzeug|next\.js|tomcat|jetty|spring(?:[- ]boot)?)[/ ]v?\d+\.\d+(?:\.\d+)?\b",
        ),
    ]
});

static HOSTNAME: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(
            r#"(?i)"(?:hostname|host_name|host|server|node_?name|pod(?:_?name)?|instance(?:_?id)?|container(?:_?id)?)"\s*:\s*"[^"]{1,120}""#,
        ),
        regex(
            r"(?i)\b(?:[a-z0-9-]+\.)+(?:internal|localdomain|svc\.cluster\.local|cluster\.local|corp|lan|intranet)\b",
        ),
        regex(r"\bip-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}\b"),
    ]
});

static IPV4: LazyLock<Regex> = LazyLock::new(|| regex(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"));
static IPV6_ULA: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\bf[cd][0-9a-f]{2}:[0-9a-f:]*[0-9a-f]\b"));

static STACK_TRACE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(r"Traceback \(most recent call last\)"),
        regex(r#"\bFile \\?"[^"\\]{1,200}\\?", line \d+"#),
        regex(r"\bat [\w$.<>/]+ ?\([^()\s]{1,200}:\d+(?::\d+)?\)"),
        regex(r"\bpanicked at\b"),
        regex(r"\bgoroutine \d+ \["),
        regex(r"\bException in thread\b"),
    ]
});

/// An ALL_CAPS name with an underscore as a JSON key or in `NAME=value`, or an `env` object.
static ENVIRONMENT: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        regex(r#""([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"\s*:"#),
        regex(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)=\S"),
        regex(r"\b(PATH|HOME|PWD|HOSTNAME)=/?\S"),
        regex(r#"(?i)"(env|environ|environment_variables)"\s*:\s*\{"#),
    ]
});

static CONNECTION_STRING: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse)://[^\s"'<>\\]+"#,
    )
});

/// One category of leak and what was seen of it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Leak {
    pub category: &'static str,
    pub examples: Vec<String>,
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(MAX_EXAMPLE_CHARS).collect();
    // Never cut a redaction in half: a cut one could look like a different secret.
    if let (Some(open), None) = (
        short.rfind('<'),
        short[short.rfind('<').unwrap_or(0)..].find('>'),
    ) {
        short.truncate(open);
    }
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private() || ip.is_link_local() || (a == 100 && (64..128).contains(&b))
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    (ip.segments()[0] & 0xfe00) == 0xfc00
}

/// What a report may show of a matched text: secrets and credentials redacted first, over the
/// whole match, so that shortening can never leave a piece of a secret the rules no longer know.
fn example(matched: &str) -> String {
    shorten(&launchguard_secrets::redact_text(matched))
}

/// A connection string with its password replaced by its redacted form.
fn redact_connection_string(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(url) => match url.password() {
            Some(password) => raw.replacen(
                &format!(":{password}@"),
                &format!(":<{}>@", Redacted::new(password)),
                1,
            ),
            None => raw.to_owned(),
        },
        Err(_) => {
            let scheme = raw.split("://").next().unwrap_or("");
            format!("{scheme}://<{}>", Redacted::new(raw))
        }
    }
}

/// Finds every category of leak in `body`.
pub(crate) fn find_leaks(body: &str) -> Vec<Leak> {
    let mut leaks = Vec::new();
    let mut add = |category: &'static str, examples: Vec<String>| {
        let mut unique: Vec<String> = Vec::new();
        for example in examples {
            if !unique.contains(&example) && unique.len() < MAX_EXAMPLES_PER_CATEGORY {
                unique.push(example);
            }
        }
        if !unique.is_empty() {
            leaks.push(Leak {
                category,
                examples: unique,
            });
        }
    };
    let whole_matches = |patterns: &[Regex]| -> Vec<String> {
        patterns
            .iter()
            .flat_map(|p| p.find_iter(body))
            .map(|m| example(m.as_str()))
            .collect()
    };

    add("version", whole_matches(&VERSION));
    add("hostname", whole_matches(&HOSTNAME));
    let mut addresses: Vec<String> = IPV4
        .find_iter(body)
        .filter(|m| m.as_str().parse::<Ipv4Addr>().is_ok_and(is_internal_v4))
        .map(|m| m.as_str().to_owned())
        .collect();
    addresses.extend(
        IPV6_ULA
            .find_iter(body)
            .filter(|m| m.as_str().parse::<Ipv6Addr>().is_ok_and(is_internal_v6))
            .map(|m| IpAddr::V6(m.as_str().parse().expect("filtered")).to_string()),
    );
    add("internal_ip", addresses);
    add("stack_trace", whole_matches(&STACK_TRACE));
    // Only the variable's name: its value may be a secret.
    add(
        "environment",
        ENVIRONMENT
            .iter()
            .flat_map(|p| p.captures_iter(body))
            .filter_map(|c| c.get(1).map(|m| m.as_str().to_owned()))
            .collect(),
    );
    add(
        "connection_string",
        CONNECTION_STRING
            .find_iter(body)
            .map(|m| example(&redact_connection_string(m.as_str())))
            .collect(),
    );
    leaks
}

pub(crate) fn judge(target: &Target, answer: &Answer) -> Finding {
    let body = String::from_utf8_lossy(&answer.body);
    let leaks = find_leaks(&body);
    let finding = if leaks.is_empty() {
        Finding::pass(
            &CHECK,
            target.clone(),
            format!(
                "{} bytes examined, nothing internal seen",
                answer.body.len()
            ),
        )
    } else {
        let categories: Vec<&str> = leaks.iter().map(|l| l.category).collect();
        let examples: Vec<String> = leaks
            .iter()
            .flat_map(|l| {
                l.examples
                    .iter()
                    .map(move |e| format!("{}: {e}", l.category))
            })
            .collect();
        Finding::fail(
            &CHECK,
            target.clone(),
            format!("{} reveals {}", target.display, categories.join(", ")),
        )
        .with_evidence("categories", categories)
        .with_evidence("examples", examples)
    };
    finding
        .with_evidence("body_bytes_examined", answer.body.len() as u64)
        .with_evidence("body_truncated", answer.truncated)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::health::test_support::{answer, target};

    fn categories(body: &str) -> Vec<&'static str> {
        find_leaks(body).into_iter().map(|l| l.category).collect()
    }

    #[test]
    fn each_category_is_recognised() {
        assert_eq!(
            categories(r#"{"status":"ok","version":"2.4.1"}"#),
            ["version"]
        );
        assert_eq!(categories("Server: gunicorn/21.2.0"), ["version"]);
        assert_eq!(categories(r#"{"hostname":"api-7f9c"}"#), ["hostname"]);
        assert_eq!(
            categories("db at pg-primary.prod.svc.cluster.local"),
            ["hostname"]
        );
        assert_eq!(
            categories("upstream 10.0.3.7 and 172.20.1.1 and 100.64.0.9"),
            ["internal_ip"]
        );
        assert_eq!(categories("peer fd12:3456:789a::1"), ["internal_ip"]);
        assert_eq!(
            categories("Traceback (most recent call last):\n  boom"),
            ["stack_trace"]
        );
        assert_eq!(
            categories(r#"{"err":"  File \"/app/db.py\", line 12, in connect"}"#),
            ["stack_trace"]
        );
        assert_eq!(
            categories("    at Object.<anonymous> (/srv/app/index.js:10:15)"),
            ["stack_trace"]
        );
        assert_eq!(
            categories("thread 'main' panicked at src/main.rs:3:5"),
            ["stack_trace"]
        );
        assert_eq!(categories(r#"{"NODE_ENV":"production"}"#), ["environment"]);
        assert_eq!(categories("PATH=/usr/local/bin"), ["environment"]);
        assert_eq!(categories("redis://cache:6379/0"), ["connection_string"]);
    }

    #[test]
    fn connection_string_passwords_and_env_values_never_appear() {
        let body = r#"{"DATABASE_URL":"postgres://app:Sup3r-S3cret-pw@10.0.3.7:5432/prod"}"#;
        let leaks = find_leaks(body);
        let shown = format!("{leaks:?}");
        assert!(!shown.contains("Sup3r-S3cret-pw"), "{shown}");
        assert!(shown.contains("DATABASE_URL"));
        assert!(shown.contains("10.0.3.7"));
        let connection = leaks
            .iter()
            .find(|l| l.category == "connection_string")
            .unwrap();
        assert!(
            connection.examples[0].starts_with("postgres://app:"),
            "{:?}",
            connection.examples
        );
    }

    #[test]
    fn minimal_bodies_and_public_look_alikes_pass() {
        for body in [
            r#"{"status":"ok"}"#,
            r#"{"status":"ok","checks":{"db":"up","cache":"up"},"environment":"production"}"#,
            "OK",
            "public 8.8.8.8 and loopback 127.0.0.1, date 2026-11-26T10:00:00Z",
            "",
        ] {
            assert!(
                categories(body).is_empty(),
                "{body:?} -> {:?}",
                categories(body)
            );
        }
        let finding = judge(&target(), &answer(200, 1, r#"{"status":"ok"}"#));
        assert_eq!(finding.status, Status::Pass);
    }

    #[test]
    fn binary_and_invalid_utf8_bodies_do_not_panic() {
        let mut garbage = answer(200, 1, "");
        garbage.body = (0..=255u8).cycle().take(70_000).collect();
        let finding = judge(&target(), &garbage);
        assert_ne!(finding.status, Status::Error);
    }

    #[test]
    fn a_leaky_answer_fails_with_examples() {
        let finding = judge(
            &target(),
            &answer(
                503,
                1,
                "Traceback (most recent call last):\n version 10.1.1.1",
            ),
        );
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("stack_trace"));
        assert!(
            finding.evidence["examples"]
                .to_string()
                .contains("10.1.1.1")
        );
    }
}
