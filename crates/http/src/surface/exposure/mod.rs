//! Files and endpoints that should not be public, judged by content (never by status alone) and
//! against a soft-404 baseline: a random path fetched first, so that single-page apps that answer
//! 200 with their shell everywhere do not look exposed.

pub(crate) mod backup_file;
pub(crate) mod debug;
pub(crate) mod directory_listing;
pub(crate) mod dotenv;
pub(crate) mod git;
pub(crate) mod internal_address;
pub(crate) mod metrics;
pub(crate) mod secret;
pub(crate) mod sourcemap;

use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;
use url::Url;

use super::Examined;
use super::fetch::Probe;
use super::judge::listed;

/// Which check a fixed path serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exposure {
    Dotenv,
    Git,
    Metrics,
    Debug,
    Listing,
    Backup,
}

/// The fixed paths tried on every target, relative to its URL's origin.
pub(crate) static EXPOSURE_PATHS: &[(Exposure, &str)] = &[
    (Exposure::Dotenv, "/.env"),
    (Exposure::Dotenv, "/.env.local"),
    (Exposure::Dotenv, "/.env.production"),
    (Exposure::Dotenv, "/.env.production.local"),
    (Exposure::Dotenv, "/.env.development"),
    (Exposure::Dotenv, "/.env.bak"),
    (Exposure::Dotenv, "/api/.env"),
    (Exposure::Git, "/.git/config"),
    (Exposure::Git, "/.git/HEAD"),
    (Exposure::Metrics, "/metrics"),
    (Exposure::Metrics, "/actuator/prometheus"),
    (Exposure::Debug, "/debug"),
    (Exposure::Debug, "/__debug__/"),
    (Exposure::Debug, "/actuator/env"),
    (Exposure::Debug, "/_profiler/"),
    (Exposure::Listing, "/static/"),
    (Exposure::Listing, "/uploads/"),
    (Exposure::Listing, "/assets/"),
    (Exposure::Backup, "/backup.sql"),
    (Exposure::Backup, "/dump.sql"),
    (Exposure::Backup, "/db.sql"),
    (Exposure::Backup, "/backup.zip"),
    (Exposure::Backup, "/backup.tar.gz"),
];

pub(crate) fn looks_html(response: &Response) -> bool {
    let typed = response
        .header("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    let body = response
        .body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect::<Vec<_>>();
    typed || body.starts_with(b"<!doctype") || body.starts_with(b"<html")
}

/// Whether `response` for `url` is the site's answer to any unknown path, judged against the
/// baseline answer for a random path.
pub(crate) fn soft_404(url: &Url, response: &Response, baseline: &Probe) -> bool {
    let Some(base) = baseline.ok() else {
        return false;
    };
    if base.status != response.status {
        return false;
    }
    let without = |body: &[u8], path: &str| String::from_utf8_lossy(body).replace(path, "");
    let ours = without(&response.body, url.path());
    let theirs = without(&base.body, baseline.url.path());
    if ours == theirs {
        return true;
    }
    // Shells that embed the path elsewhere (a build ID, a nonce) differ by a few bytes.
    let (a, b) = (ours.len() as f64, theirs.len() as f64);
    looks_html(response) && looks_html(base) && (a - b).abs() <= 0.02 * a.max(b).max(1.0)
}

/// A 2xx answer to a probe that is not the soft-404 answer: the only answers judged by content.
pub(crate) fn real_answer<'a>(probe: &'a Probe, baseline: &Probe) -> Option<&'a Response> {
    probe
        .ok()
        .filter(|r| (200..300).contains(&r.status) && !soft_404(&probe.url, r, baseline))
}

/// What a check saw on its fixed paths: the places it recognised, the requests that failed, and
/// how many answers it looked at.
pub(crate) struct Tally {
    pub found: Vec<(String, Severity)>,
    pub failed: Vec<String>,
    pub tried: usize,
}

/// Looks at every path of `exposure`: a request that failed is counted as failed, an answer that
/// `recognise` names (as a place and a severity) is found.
pub(crate) fn tally_paths(
    x: &Examined<'_>,
    exposure: Exposure,
    recognise: impl Fn(&Probe) -> Option<(String, Severity)>,
) -> Tally {
    let mut tally = Tally {
        found: Vec::new(),
        failed: Vec::new(),
        tried: 0,
    };
    for path in x.surface.paths.iter().filter(|p| p.exposure == exposure) {
        tally.tried += 1;
        match &path.probe.answer {
            Err(reason) => tally.failed.push(format!("{}: {reason}", path.probe.url)),
            Ok(_) => tally.found.extend(recognise(&path.probe)),
        }
    }
    tally
}

/// The common judge of the fixed-path checks: every path of `exposure` whose real answer
/// `validate` recognises fails the check; paths that could not be fetched make it `error` when
/// nothing was found.
pub(crate) fn judge_paths(
    def: &CheckDef,
    x: &Examined<'_>,
    exposure: Exposure,
    validate: fn(&Response) -> Option<(String, Severity)>,
) -> Vec<Finding> {
    let tally = tally_paths(x, exposure, |probe| {
        let (detail, severity) = validate(real_answer(probe, &x.surface.baseline)?)?;
        Some((format!("{} ({detail})", probe.url), severity))
    });
    conclude(def, x, tally)
}

/// One finding from what a check found, what it could not fetch and how much it tried.
pub(crate) fn conclude(def: &CheckDef, x: &Examined<'_>, tally: Tally) -> Vec<Finding> {
    let Tally {
        found,
        failed,
        tried,
    } = tally;
    if !found.is_empty() {
        let severity = found.iter().map(|(_, s)| *s).max().unwrap_or(def.severity);
        let places: Vec<String> = found.into_iter().map(|(place, _)| place).collect();
        return vec![
            Finding::fail(
                def,
                x.target.clone(),
                format!("{}: {}", def.title, listed(&places, 5)),
            )
            .with_severity(severity)
            .with_evidence("found", places),
        ];
    }
    if let Some(first) = failed.first() {
        return vec![
            Finding::error(
                def,
                x.target.clone(),
                format!(
                    "not verified: {} of {tried} request(s) failed, e.g. {first}",
                    failed.len()
                ),
            )
            .with_evidence("failed", failed.into_iter().take(10).collect::<Vec<_>>()),
        ];
    }
    vec![Finding::pass(
        def,
        x.target.clone(),
        format!("nothing found in {tried} answer(s)"),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.as_bytes().to_vec(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn a_spa_shell_is_a_soft_404_and_a_real_file_is_not() {
        let shell = "<!doctype html><div id=root></div><script src=/app.js></script>";
        let baseline = Probe {
            url: Url::parse("https://app.lab.test/lg-x-not-found.txt").unwrap(),
            answer: Ok(response(200, "text/html", shell)),
        };
        let env = Url::parse("https://app.lab.test/.env").unwrap();
        assert!(soft_404(
            &env,
            &response(200, "text/html", shell),
            &baseline
        ));
        assert!(!soft_404(
            &env,
            &response(200, "text/plain", "A=1\nB=2\n"),
            &baseline
        ));
        let echoing = Probe {
            url: baseline.url.clone(),
            answer: Ok(response(404, "text/plain", "no /lg-x-not-found.txt here")),
        };
        assert!(soft_404(
            &env,
            &response(404, "text/plain", "no /.env here"),
            &echoing
        ));
    }
}

/// What part of the public surface a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Page,
    NotFoundPage,
    Script,
    SourceMap,
    ExposedFile,
    Health,
}

impl Part {
    pub fn describe(self) -> &'static str {
        match self {
            Part::Page => "page",
            Part::NotFoundPage => "not-found page",
            Part::Script => "script",
            Part::SourceMap => "source map",
            Part::ExposedFile => "exposed file",
            Part::Health => "health body",
        }
    }
}

/// Every body of the public surface the crawl read: the page walk, the not-found page, scripts,
/// source maps, real answers of the exposure paths and of the health paths.
pub(crate) fn public_bodies<'a>(x: &'a Examined<'_>) -> Vec<(Part, &'a Url, &'a Response)> {
    let surface = x.surface;
    let baseline = &surface.baseline;
    let mut bodies: Vec<(Part, &Url, &Response)> = surface
        .hops
        .iter()
        .map(|h| (Part::Page, &h.url, &h.response))
        .collect();
    if let Ok(response) = &baseline.answer {
        bodies.push((Part::NotFoundPage, &baseline.url, response));
    }
    let ok = |probe: &'a Probe| {
        probe
            .ok()
            .filter(|r| r.status == 200)
            .map(|r| (&probe.url, r))
    };
    bodies.extend(
        surface
            .scripts
            .iter()
            .filter_map(ok)
            .map(|(u, r)| (Part::Script, u, r)),
    );
    let real = |probe: &'a Probe| real_answer(probe, baseline).map(|r| (&probe.url, r));
    bodies.extend(
        surface
            .maps
            .iter()
            .filter_map(real)
            .map(|(u, r)| (Part::SourceMap, u, r)),
    );
    bodies.extend(
        surface
            .paths
            .iter()
            .filter_map(|p| real(&p.probe))
            .map(|(u, r)| (Part::ExposedFile, u, r)),
    );
    bodies.extend(
        surface
            .health
            .iter()
            .filter_map(real)
            .map(|(u, r)| (Part::Health, u, r)),
    );
    bodies
}

/// Line and column (1-based, in characters) of byte `offset` in `body`.
pub(crate) fn line_and_column(body: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(body.len());
    let before = &body[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&body[line_start..offset])
        .chars()
        .count()
        + 1;
    (line, column)
}
