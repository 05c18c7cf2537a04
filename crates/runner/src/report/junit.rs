//! JUnit XML for CI test dashboards (GitLab, Jenkins, Azure Pipelines): one suite per agent, one
//! test case per check and target; `failure` for fail, `error` for could-not-verify, `skipped`.

use std::collections::BTreeMap;
use std::time::Duration;

use launchguard_core::{Finding, Status};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::Report;

fn details(finding: &Finding) -> String {
    let mut text = format!(
        "{}\ntarget: {}\nfingerprint: {}\n",
        finding.message, finding.target.display, finding.fingerprint
    );
    for (key, value) in &finding.evidence {
        text.push_str(&format!("{key}: {value}\n"));
    }
    if let Some(fix) = &finding.remediation {
        text.push_str(&format!("fix: {fix}\n"));
    }
    text
}

fn case(finding: &Finding) -> TestCase {
    let status = match finding.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(finding.message.as_str());
            s
        }
        Status::Fail | Status::Error => {
            let kind = if finding.status == Status::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            let mut message = finding.message.clone();
            if let Some(state) = finding.baseline {
                message = format!(
                    "[{}] {message}",
                    serde_json::to_value(state)
                        .expect("serializes")
                        .as_str()
                        .unwrap_or("")
                );
            }
            if let Some(suppressed) = &finding.suppressed {
                message = format!(
                    "[suppressed until {}: {}] {message}",
                    suppressed.expires, suppressed.reason
                );
            }
            s.set_message(message)
                .set_type(finding.severity.as_str())
                .set_description(details(finding));
            s
        }
    };
    let mut case = TestCase::new(finding.check.as_str(), status);
    case.set_classname(format!(
        "launchguard.{}.{}",
        finding.agent, finding.target.id
    ))
    .add_property(Property::new("severity", finding.severity.as_str()))
    .add_property(Property::new("target", finding.target.display.as_str()))
    .add_property(Property::new("fingerprint", finding.fingerprint.as_str()));
    if let Some(state) = finding.baseline {
        let state = serde_json::to_value(state).expect("serializes");
        case.add_property(Property::new("baseline", state.as_str().unwrap_or("")));
    }
    case
}

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for finding in &report.findings {
        suites
            .entry(&finding.agent)
            .or_insert_with(|| TestSuite::new(finding.agent.as_str()))
            .add_test_case(case(finding));
    }
    for resolved in &report.resolved {
        if let Some(suite) = suites.get_mut(resolved.agent.as_str()) {
            let line = format!(
                "resolved since baseline: {} on {} ({})\n",
                resolved.check, resolved.target.display, resolved.fingerprint
            );
            let previous = suite
                .system_out
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            suite.set_system_out(previous + &line);
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
