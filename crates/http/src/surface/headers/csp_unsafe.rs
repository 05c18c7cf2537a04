use launchguard_core::{CheckDef, Finding, Severity};

use super::{Csp, enforced_csp};
use crate::surface::judge::{page, page_rules_apply, pass, shown};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "headers.csp.unsafe",
    agent: "http",
    title: "Content-Security-Policy does not stop injected scripts",
    severity: Severity::Medium,
    what: "Parses the enforced policy of the page and names each weakness: no `script-src` or \
           `default-src`; `'unsafe-inline'` without a nonce or hash (which would make browsers ignore it); \
           `'unsafe-eval'`; a wildcard, a bare scheme (`https:`, `http:`) or `data:`/`blob:` among the script \
           sources; no `object-src` while `default-src` is not `'none'`; no `base-uri`. Skipped when there is \
           no policy (see headers.csp.missing).",
    why: "A policy with these holes lets the same injected script run that it was meant to stop: inline \
          handlers, eval of attacker strings, scripts from any host or from data: URLs, plugins, or a \
          `<base>` tag that redirects every relative script to the attacker.",
    fix: "Use nonces or hashes instead of 'unsafe-inline' (add 'strict-dynamic' for bundlers that load \
          chunks), remove 'unsafe-eval' (or allow only 'wasm-unsafe-eval'), list hosts instead of wildcards \
          or schemes, and add `object-src 'none'; base-uri 'none'`.",
    references: &[
        "https://csp.withgoogle.com/docs/strict-csp.html",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Content-Security-Policy/script-src",
    ],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

/// Every weakness of a policy, in words.
pub(crate) fn weaknesses(csp: &Csp) -> Vec<String> {
    let mut found = Vec::new();
    let lower = |sources: &[String]| -> Vec<String> {
        sources.iter().map(|s| s.to_ascii_lowercase()).collect()
    };
    let script = csp
        .get("script-src")
        .map(|s| ("script-src", lower(s)))
        .or_else(|| csp.get("default-src").map(|s| ("default-src", lower(s))));
    match &script {
        None => {
            found.push("no script-src or default-src: scripts may load from anywhere".to_owned())
        }
        Some((directive, sources)) => {
            let has_nonce_or_hash = sources.iter().any(|s| {
                s.starts_with("'nonce-")
                    || s.starts_with("'sha256-")
                    || s.starts_with("'sha384-")
                    || s.starts_with("'sha512-")
            });
            if sources.iter().any(|s| s == "'unsafe-inline'") && !has_nonce_or_hash {
                found.push(format!(
                    "'unsafe-inline' in {directive} without a nonce or hash"
                ));
            }
            if sources.iter().any(|s| s == "'unsafe-eval'") {
                found.push(format!("'unsafe-eval' in {directive}"));
            }
            for source in sources {
                let wildcard = source == "*" || source == "http:" || source == "https:";
                if wildcard {
                    found.push(format!("`{source}` in {directive}: scripts from any host"));
                }
                if source == "data:" || source == "blob:" {
                    found.push(format!(
                        "`{source}` in {directive}: scripts from {source} URLs"
                    ));
                }
            }
        }
    }
    let default_none = csp
        .get("default-src")
        .is_some_and(|s| s.len() == 1 && s[0].eq_ignore_ascii_case("'none'"));
    if csp.get("object-src").is_none() && !default_none {
        found.push("no object-src (plugins may load; use object-src 'none')".to_owned());
    }
    if csp.get("base-uri").is_none() {
        found.push("no base-uri (a <base> tag may redirect relative scripts; use base-uri 'none' or 'self')".to_owned());
    }
    found
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    let hop = match page(&DEF, x) {
        Ok(hop) => hop,
        Err(findings) => return findings,
    };
    if let Err(reason) = page_rules_apply(x, &hop.response) {
        return vec![Finding::skipped(&DEF, x.target.clone(), reason)];
    }
    let Some((policy, _)) = enforced_csp(&hop.response) else {
        return vec![Finding::skipped(
            &DEF,
            x.target.clone(),
            "not evaluated: no enforced policy (see headers.csp.missing)",
        )];
    };
    let weaknesses = weaknesses(&Csp::parse(&policy));
    if weaknesses.is_empty() {
        return pass(&DEF, x.target, format!("policy: {}", shown(&policy)));
    }
    vec![
        Finding::fail(
            &DEF,
            x.target.clone(),
            format!("{}'s policy: {}", hop.url, weaknesses.join("; ")),
        )
        .with_evidence("url", hop.url.as_str())
        .with_evidence("policy", shown(&policy))
        .with_evidence("weaknesses", weaknesses),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_weakness_is_named() {
        let found = weaknesses(&Csp::parse(
            "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' data: *",
        ));
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(found[0].contains("'unsafe-inline'"));
        assert!(found.iter().any(|w| w.contains("data:")));
        assert!(found.iter().any(|w| w.contains("object-src")));
        assert!(found.iter().any(|w| w.contains("base-uri")));
    }

    #[test]
    fn a_strict_policy_has_none() {
        for policy in [
            "script-src 'nonce-abc' 'unsafe-inline' 'strict-dynamic'; object-src 'none'; base-uri 'none'",
            "default-src 'none'; script-src 'self'; base-uri 'self'",
        ] {
            assert_eq!(
                weaknesses(&Csp::parse(policy)),
                Vec::<String>::new(),
                "{policy}"
            );
        }
        assert_eq!(weaknesses(&Csp::parse("frame-ancestors 'none'")).len(), 3);
    }
}
