use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;

use super::{Exposure, judge_paths, looks_html};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.metrics",
    agent: "http",
    title: "A Prometheus metrics endpoint is readable from outside",
    severity: Severity::Medium,
    what: "Requests `/metrics` and `/actuator/prometheus` and fails when a real answer is in the Prometheus or \
           OpenMetrics text format (`# HELP` and `# TYPE` lines).",
    why: "Metrics name every route, tenant-labelled series, queue and dependency, with versions and internal \
          host names; some exporters label series with user IDs or e-mail addresses.",
    fix: "Serve metrics on an internal port or path that the load balancer does not route, or require \
          authentication for the scraper.",
    references: &["https://prometheus.io/docs/instrumenting/exposition_formats/"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn validate(response: &Response) -> Option<(String, Severity)> {
    if looks_html(response) {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    let families = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
    (families > 0 && text.lines().any(|l| l.starts_with("# HELP ")))
        .then(|| (format!("{families} metric families"), Severity::Medium))
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_paths(&DEF, x, Exposure::Metrics, validate)
}
