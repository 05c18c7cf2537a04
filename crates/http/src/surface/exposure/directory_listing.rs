use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;

use super::{Exposure, conclude, real_answer, tally_paths};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.directory_listing",
    agent: "http",
    title: "A directory listing is public",
    severity: Severity::Medium,
    what: "Requests `/static/`, `/uploads/` and `/assets/` and reads the page; fails when a real answer is a \
           server-generated index (nginx/Apache `Index of /`, Python's `Directory listing for`, IIS \
           `[To Parent Directory]`).",
    why: "A listing shows files nobody linked: uploads of other tenants, old bundles with source maps, backups \
          and configuration left next to the assets.",
    fix: "Turn autoindex off (`autoindex off` in nginx, `Options -Indexes` in Apache) and serve an explicit \
          404 for directories.",
    references: &["https://cwe.mitre.org/data/definitions/548.html"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

const MARKERS: &[&str] = &[
    "<title>Index of /",
    "<h1>Index of /",
    "Directory listing for /",
    "[To Parent Directory]",
];

fn listing(response: &Response) -> bool {
    let head = String::from_utf8_lossy(&response.body[..response.body.len().min(4096)]);
    MARKERS.iter().any(|m| head.contains(m))
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    let surface = x.surface;
    let mut tally = tally_paths(x, Exposure::Listing, |probe| {
        real_answer(probe, &surface.baseline)
            .is_some_and(listing)
            .then(|| (probe.url.to_string(), Severity::Medium))
    });
    if let Ok(hop) = surface.page() {
        tally.tried += 1;
        if (200..300).contains(&hop.response.status) && listing(&hop.response) {
            tally.found.push((hop.url.to_string(), Severity::Medium));
        }
    }
    conclude(&DEF, x, tally)
}
