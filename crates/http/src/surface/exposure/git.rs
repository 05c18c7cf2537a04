use std::sync::LazyLock;

use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;
use regex::Regex;

use super::{Exposure, judge_paths, looks_html};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.git",
    agent: "http",
    title: "The .git directory is publicly readable",
    severity: Severity::High,
    what: "Requests `/.git/config` and `/.git/HEAD` and fails when a real answer is a git config (a `[core]` \
           section) or a HEAD (`ref: refs/...` or a commit hash). Critical when the config's remote URL carries \
           credentials (they are not shown).",
    why: "With .git readable, tools rebuild the whole repository: source code, history, deleted secrets, \
          infrastructure files. A remote URL with a token gives write access to the code itself.",
    fix: "Deploy build output, not the working copy; deny `/.git` at the web server or CDN; rotate any token \
          found in the remote URL and any secret in the history.",
    references: &["https://cwe.mitre.org/data/definitions/527.html"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

static HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\A(?:ref: refs/\S+|[0-9a-f]{40})\s*\z").expect("built-in pattern compiles")
});
static CREDENTIAL_REMOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*url\s*=\s*[a-z+]+://[^/\s@:]+:[^/\s@]+@")
        .expect("built-in pattern compiles")
});

fn validate(response: &Response) -> Option<(String, Severity)> {
    if looks_html(response) {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    if text.contains("[core]") {
        if CREDENTIAL_REMOTE.is_match(&text) {
            return Some((
                "git config whose remote URL carries credentials".into(),
                Severity::Critical,
            ));
        }
        return Some(("git config".into(), Severity::High));
    }
    HEAD.is_match(&text)
        .then(|| ("git HEAD".into(), Severity::High))
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_paths(&DEF, x, Exposure::Git, validate)
}
