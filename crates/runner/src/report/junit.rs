//! JUnit XML for CI test dashboards (GitLab, Jenkins, Azure Pipelines): one suite per agent, one
//! test case per check and target; `failure` for fail, `error` for could-not-verify, `skipped`.
//! Baseline problems that could not be re-checked are test cases too, as errors; resolved and no
//! longer audited ones are listed in the suite's output.
//!
//! Times: a suite's is its agent's wall time; a test case's is the time from its agent's start
//! until its check's last finding arrived (agents run checks side by side, so they overlap).

use std::collections::BTreeMap;
use std::time::Duration;

use launchguard_core::{BaselineState, Finding, Status};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::escape::visible;
use super::{Report, Timings};

/// XML 1.0 cannot hold most C0 controls or `U+FFFE`/`U+FFFF`, and CI logs show these texts on
/// terminals: every string from a finding is made visible first (quick-junit escapes markup).
fn x(text: &str) -> String {
    visible(text).into_owned()
}

fn baseline_label(state: BaselineState) -> &'static str {
    match state {
        BaselineState::New => "new",
        BaselineState::Unchanged => "unchanged",
        BaselineState::Resolved => "resolved",
        BaselineState::NotRechecked => "not re-checked",
        BaselineState::NoLongerAudited => "no longer audited",
    }
}

fn details(finding: &Finding) -> String {
    let mut text = format!(
        "{}\ntarget: {}\nfingerprint: {}\n",
        x(&finding.message),
        x(&finding.target.display),
        x(&finding.fingerprint)
    );
    for (key, value) in &finding.evidence {
        text.push_str(&format!("{}: {}\n", x(key), x(&value.to_string())));
    }
    if let Some(fix) = &finding.remediation {
        text.push_str(&format!("fix: {}\n", x(fix)));
    }
    text
}

fn case(finding: &Finding, timings: Option<&Timings>) -> TestCase {
    let status = match finding.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(x(&finding.message));
            s
        }
        Status::Fail | Status::Error => {
            // A baseline problem that could not be re-checked is reported like an error: it
            // is still open and nobody could look.
            let kind = if finding.status == Status::Fail
                && finding.baseline != Some(BaselineState::NotRechecked)
            {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            let mut message = x(&finding.message);
            if let Some(state) = finding.baseline {
                message = format!("[{}] {message}", baseline_label(state));
            }
            if let Some(suppressed) = &finding.suppressed {
                message = format!(
                    "[suppressed until {}: {}] {message}",
                    x(&suppressed.expires),
                    x(&suppressed.reason)
                );
            }
            s.set_message(message)
                .set_type(finding.severity.as_str())
                .set_description(details(finding));
            s
        }
    };
    let name = match finding.baseline {
        Some(BaselineState::NotRechecked) => {
            format!("{} (baseline problem)", x(finding.check.as_str()))
        }
        _ => x(finding.check.as_str()),
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(format!(
        "launchguard.{}.{}",
        x(&finding.agent),
        x(&finding.target.id)
    ))
    .add_property(Property::new("severity", finding.severity.as_str()))
    .add_property(Property::new("target", x(&finding.target.display)))
    .add_property(Property::new("fingerprint", x(&finding.fingerprint)));
    if let Some(state) = finding.baseline {
        let state = serde_json::to_value(state).expect("serializes");
        case.add_property(Property::new("baseline", state.as_str().unwrap_or("")));
    }
    if let Some(ms) = timings.and_then(|t| t.checks.get(finding.check.as_str())) {
        case.set_time(Duration::from_millis(*ms));
    }
    case
}

fn suite<'a>(suites: &'a mut BTreeMap<String, TestSuite>, agent: &str) -> &'a mut TestSuite {
    suites
        .entry(x(agent))
        .or_insert_with_key(|name| TestSuite::new(name.as_str()))
}

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    let timings = report.run.timings.as_ref();
    for finding in &report.findings {
        suite(&mut suites, &finding.agent).add_test_case(case(finding, timings));
    }
    // A baseline problem not re-checked took no time this run.
    for finding in &report.not_rechecked {
        suite(&mut suites, &finding.agent).add_test_case(case(finding, None));
    }
    for gone in report.resolved.iter().chain(&report.no_longer_audited) {
        let state = gone.baseline.map_or("gone", baseline_label);
        let line = format!(
            "{state} since baseline: {} on {} ({})\n",
            x(gone.check.as_str()),
            x(&gone.target.display),
            x(&gone.fingerprint)
        );
        let suite = suite(&mut suites, &gone.agent);
        let previous = suite
            .system_out
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        suite.set_system_out(previous + &line);
    }
    if let Some(timings) = timings {
        for (agent, suite) in suites.iter_mut() {
            if let Some(ms) = timings.agents.get(agent.as_str()) {
                suite.set_time(Duration::from_millis(*ms));
            }
        }
    }
    let mut junit = quick_junit::Report::new("launchguard");
    junit.set_timestamp(report.run.started_at.fixed_offset());
    let elapsed = (report.run.finished_at - report.run.started_at)
        .to_std()
        .unwrap_or(Duration::ZERO);
    junit.set_time(elapsed);
    junit.add_test_suites(suites.into_values());
    Ok(junit.to_string()?)
}
