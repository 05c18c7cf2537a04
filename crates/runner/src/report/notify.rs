//! Posting new findings to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat,
//! Discord's `/slack` endpoint): `{"text": ...}` in Slack's mrkdwn.
//!
//! The webhook URL is a credential: it is read from the environment variable the user names and
//! never written anywhere, error messages included.

use std::fmt;
use std::time::Duration;

use launchguard_core::config::{EnvVarError, Environment};
use launchguard_core::{BaselineState, Finding, Registry, Severity, Status};

use super::Report;
use super::escape::visible;

/// Lines of findings in one message; the rest are counted.
const MAX_LISTED: usize = 20;
/// How long a post may take.
const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// What happened to a notification; printed on stderr, never fatal.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Posted { count: usize, var: String },
    NothingNew { min_severity: Severity },
    Failed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Posted { count, var } => write!(
                f,
                "notification: posted {count} new finding(s) to the webhook in ${var}"
            ),
            Outcome::NothingNew { min_severity } => write!(
                f,
                "notification: nothing new at or above {min_severity}; nothing posted"
            ),
            Outcome::Failed(why) => write!(
                f,
                "warning: the notification was not posted: {why} (the reports are complete)"
            ),
        }
    }
}

/// The open failing findings a notification is about: new since the baseline (every finding is
/// new without one), at or above `min_severity`, not suppressed.
pub fn new_findings(report: &Report, min_severity: Severity) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail && f.suppressed.is_none())
        .filter(|f| f.severity >= min_severity)
        .filter(|f| matches!(f.baseline, None | Some(BaselineState::New)))
        .collect()
}

/// Slack mrkdwn: `&`, `<` and `>` are the only characters it wants escaped; controls are made
/// visible so nothing reorders what a reader sees.
fn mrkdwn(text: &str) -> String {
    visible(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The message text.
pub fn message(report: &Report, registry: &Registry, findings: &[&Finding]) -> String {
    let mut text = format!(
        "*launchguard*: {} new failing finding(s) in `{}`. {}\n",
        findings.len(),
        mrkdwn(&report.run.config_path).replace('`', "'"),
        mrkdwn(&report.summary.verdict)
    );
    for finding in findings.iter().take(MAX_LISTED) {
        let title = registry
            .get(finding.check.as_str())
            .map(|d| d.title)
            .unwrap_or_default();
        text.push_str(&format!(
            "• *{}* {} ({}) on {}: {}\n",
            finding.severity,
            mrkdwn(finding.check.as_str()),
            mrkdwn(title),
            mrkdwn(&finding.target.display),
            mrkdwn(&finding.message)
        ));
    }
    if findings.len() > MAX_LISTED {
        text.push_str(&format!(
            "… and {} more in the report.\n",
            findings.len() - MAX_LISTED
        ));
    }
    text
}

/// Posts the new findings of `report` to the webhook whose URL `var` holds.
pub fn post_new_findings(
    report: &Report,
    registry: &Registry,
    var: &str,
    min_severity: Severity,
    env: &Environment,
) -> Outcome {
    let findings = new_findings(report, min_severity);
    if findings.is_empty() {
        return Outcome::NothingNew { min_severity };
    }
    let url = match env.var(var) {
        Ok(url) if !url.trim().is_empty() => url,
        Ok(_) | Err(EnvVarError::NotSet(_)) => {
            return Outcome::Failed(format!("environment variable {var} is not set"));
        }
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let body = serde_json::json!({ "text": message(report, registry, &findings) });
    match post(&url, &body) {
        Ok(()) => Outcome::Posted {
            count: findings.len(),
            var: var.to_owned(),
        },
        Err(why) => Outcome::Failed(why),
    }
}

fn post(url: &str, body: &serde_json::Value) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(POST_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {}", e.without_url()))?;
        // `without_url`: the URL carries the webhook's secret token.
        let response = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| format!("the webhook did not answer: {}", e.without_url()))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the webhook answered HTTP {}", status.as_u16()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrkdwn_cannot_open_a_link_or_mention() {
        assert_eq!(
            mrkdwn("<!channel> & <https://x|y>"),
            "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
        );
    }
}
