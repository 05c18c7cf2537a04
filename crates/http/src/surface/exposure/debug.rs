use std::sync::LazyLock;

use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;
use regex::Regex;

use super::{Exposure, conclude, soft_404, tally_paths};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.debug",
    agent: "http",
    title: "A stack trace or framework debug page is public",
    severity: Severity::High,
    what: "Requests `/debug`, `/__debug__/`, `/actuator/env` and `/_profiler/`, and reads the page, the answer \
           to a random missing path and the health bodies; fails when one shows a stack trace (Python, Node.js, \
           Java, Go, PHP) or a framework's debug page (Django DEBUG, the Werkzeug debugger, Spring actuator env, \
           Rails, Laravel, Express in development mode). The evidence names the signature, not the trace.",
    why: "Debug pages reveal source paths, settings and environment variables; the Werkzeug console runs \
          arbitrary code, and actuator/env lists every configuration property with its value.",
    fix: "Turn debug mode off in production (`DEBUG = False`, `NODE_ENV=production`, no Werkzeug debugger), \
          render generic error pages, and keep actuator endpoints on an internal port.",
    references: &["https://cwe.mitre.org/data/definitions/215.html"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

static SIGNATURES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("Python traceback", r"Traceback \(most recent call last\)"),
        ("Werkzeug debugger", r"Werkzeug Debugger|__debugger__"),
        (
            "Django debug page",
            r"You're seeing this error because you have <code>DEBUG = True</code>",
        ),
        ("Spring actuator env", r#""propertySources"\s*:"#),
        (
            "Rails exception page",
            r"Action Controller: Exception caught",
        ),
        (
            "Laravel/Ignition error page",
            r"Illuminate\\|Ignition|Whoops, looks like something went wrong",
        ),
        (
            "Node.js stack trace",
            r"\n\s*(?:&nbsp;|\s)*at [^\n]{1,200}\((?:/|[A-Za-z]:\\|node:|file:)[^)\n]*:\d+:\d+\)",
        ),
        (
            "Java stack trace",
            r"\n\s*at (?:java|javax|org\.springframework|org\.apache)\.[\w.$]+\(",
        ),
        ("Go panic", r"goroutine \d+ \[running\]"),
        (
            "PHP error",
            r"(?:Fatal error|Warning|Parse error)</b>:.{1,300} on line <b>\d+",
        ),
    ]
    .into_iter()
    .map(|(name, pattern)| {
        (
            name,
            Regex::new(pattern).expect("built-in pattern compiles"),
        )
    })
    .collect()
});

pub(crate) fn signature(response: &Response) -> Option<&'static str> {
    let text = String::from_utf8_lossy(&response.body);
    SIGNATURES
        .iter()
        .find(|(_, pattern)| pattern.is_match(&text))
        .map(|(name, _)| *name)
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    let surface = x.surface;
    // Debug pages answer 500 as often as 200: any status counts, but not the not-found page.
    let mut tally = tally_paths(x, Exposure::Debug, |probe| {
        let name = probe
            .answer
            .as_ref()
            .ok()
            .filter(|r| !soft_404(&probe.url, r, &surface.baseline))
            .and_then(signature)?;
        Some((format!("{} ({name})", probe.url), Severity::High))
    });
    // Pages that are public whatever their status: the page, the not-found page, health bodies.
    let mut public: Vec<(&url::Url, &Response)> =
        surface.hops.iter().map(|h| (&h.url, &h.response)).collect();
    if let Ok(response) = &surface.baseline.answer {
        public.push((&surface.baseline.url, response));
    }
    public.extend(
        surface
            .health
            .iter()
            .filter_map(|p| p.ok().map(|r| (&p.url, r))),
    );
    for (url, response) in public {
        tally.tried += 1;
        if let Some(name) = signature(response) {
            tally.found.push((
                format!("{url} ({name}, HTTP {})", response.status),
                Severity::High,
            ));
        }
    }
    conclude(&DEF, x, tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Response {
        Response {
            status: 500,
            headers: Vec::new(),
            body: text.as_bytes().to_vec(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn traces_are_named_and_prose_is_not() {
        assert_eq!(
            signature(&body(
                "Error: boom\n    at handler (/srv/app/server.js:10:5)\n"
            )),
            Some("Node.js stack trace")
        );
        assert_eq!(
            signature(&body("<h1>Werkzeug Debugger</h1>")),
            Some("Werkzeug debugger")
        );
        assert_eq!(signature(&body("We are at home (see page 3:4)")), None);
        assert_eq!(signature(&body("{\"status\":\"ok\"}")), None);
    }
}
