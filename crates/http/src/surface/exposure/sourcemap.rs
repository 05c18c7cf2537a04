use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;

use super::{Tally, conclude, real_answer};
use crate::surface::judge::page;
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.sourcemap",
    agent: "http",
    title: "Source maps of the page's scripts are public",
    severity: Severity::Medium,
    what: "For each same-origin script the page loads (and the chunks those name, bounded), requests the map \
           its `sourceMappingURL` names, or the script's URL + `.map`, and fails when a real answer is a source \
           map (JSON with `version` and `mappings`). High when it embeds the original sources \
           (`sourcesContent`); their secrets are reported by exposure.secret with line and column in the map.",
    why: "A source map turns the minified bundle back into the team's source: comments, internal endpoints, \
          feature flags, admin routes, and sometimes keys that the minifier had made hard to spot.",
    fix: "Do not upload maps to the public web root (`productionBrowserSourceMaps: false` in Next.js, \
          `build.sourcemap: false` or 'hidden' in Vite); send them to the error tracker instead.",
    references: &["https://developer.mozilla.org/en-US/docs/Glossary/Source_map"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

pub(crate) fn is_map(response: &Response) -> Option<bool> {
    let head = String::from_utf8_lossy(&response.body[..response.body.len().min(64 * 1024)]);
    let trimmed = head.trim_start().trim_start_matches(")]}'").trim_start();
    (trimmed.starts_with('{') && head.contains("\"mappings\"") && head.contains("\"version\""))
        .then(|| String::from_utf8_lossy(&response.body).contains("\"sourcesContent\""))
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    if let Err(findings) = page(&DEF, x) {
        return findings;
    }
    let surface = x.surface;
    let mut found = Vec::new();
    let mut failed: Vec<String> = surface
        .scripts
        .iter()
        .filter_map(|s| s.answer.as_ref().err().map(|e| format!("{}: {e}", s.url)))
        .collect();
    for map in &surface.maps {
        match &map.answer {
            Err(reason) => failed.push(format!("{}: {reason}", map.url)),
            Ok(_) => {
                if let Some(with_sources) = real_answer(map, &surface.baseline).and_then(is_map) {
                    found.push(if with_sources {
                        (format!("{} (with sourcesContent)", map.url), Severity::High)
                    } else {
                        (map.url.to_string(), Severity::Medium)
                    });
                }
            }
        }
    }
    if surface.scripts.is_empty() {
        return vec![Finding::pass(
            &DEF,
            x.target.clone(),
            "the page loads no same-origin script",
        )];
    }
    conclude(
        &DEF,
        x,
        Tally {
            found,
            failed,
            tried: surface.maps.len(),
        },
    )
}
