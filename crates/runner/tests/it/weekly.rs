//! Weekly audits: suppressions, expiry, regressions in `diff`.

use std::path::Path;

use launchguard::agents::registry;
use launchguard::baseline::load_suppressions;
use serde_json::Value;

use crate::support::{demo_json, launchguard, read_json, write};

fn finding<'a>(report: &'a Value, check: &str, endpoint: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check && f["target"]["id"] == format!("health:{endpoint}"))
        .unwrap()
}

#[test]
fn suppressions_hide_accepted_findings_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let suppressions = write(
        dir.path(),
        "suppressions.toml",
        r#"
[[suppress]]
check = "health.verbose"
target = "health:verbose"
reason = "Diagnostics endpoint, firewalled off (TICKET-12)"
expires = 2099-12-31

[[suppress]]
check = "health.slow"
reason = "Accepted during the migration"
expires = "2020-01-31"

[[suppress]]
check = "health.*"
target = "health:nonexistent"
reason = "Left over"
expires = 2099-01-01
"#,
    );
    let out = dir.path().join("out");
    let run = launchguard(
        &[
            "demo",
            "--output-dir",
            out.to_str().unwrap(),
            "--suppressions",
            suppressions.to_str().unwrap(),
            "--fail-on",
            "medium",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 1, "{run:?}");
    let report = read_json(&out.join("launchguard-report.json"));
    let verbose = finding(&report, "health.verbose", "verbose");
    assert_eq!(
        verbose["status"], "fail",
        "a suppressed finding keeps its status"
    );
    assert_eq!(
        verbose["suppressed"]["reason"],
        "Diagnostics endpoint, firewalled off (TICKET-12)"
    );
    assert!(
        finding(&report, "health.slow", "slow")
            .get("suppressed")
            .is_none(),
        "an expired suppression does not apply"
    );
    let notes = report["suppression_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert_eq!(notes[0]["state"], "expired");
    assert!(
        notes[0]["location"]
            .as_str()
            .unwrap()
            .ends_with("suppressions.toml:10"),
        "{notes:#?}"
    );
    assert_eq!(notes[1]["state"], "unused");
    assert!(
        run.stdout
            .contains("expired on 2020-01-31 and no longer applies"),
        "{run:?}"
    );
    assert!(run.stdout.contains("SUPPRESSED (1)"), "{run:?}");
    assert_eq!(report["summary"]["suppressed"], 1);
    let sarif = read_json(&out.join("launchguard-report.sarif"));
    let suppressed: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);

    // Suppressing every failing check leaves only what must still fail the run: nothing at all.
    let all = write(
        dir.path(),
        "all.toml",
        "[[suppress]]\ncheck = \"*\"\nreason = \"lab\"\nexpires = 2099-01-01\n",
    );
    let run = demo_json(
        dir.path(),
        &dir.path().join("all"),
        &["--suppressions", all.to_str().unwrap()],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn suppression_file_mistakes_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry();
    let cases = [
        (
            "[[suppress]]\ncheck = \"health.nope\"\nreason = \"r\"\nexpires = 2099-01-01\n",
            2,
            "unknown check",
        ),
        (
            "[[suppress]]\ncheck = \"health.slow\"\nreason = \"\"\nexpires = 2099-01-01\n",
            3,
            "needs a reason",
        ),
        (
            "[[suppress]]\ncheck = \"health.slow\"\nreason = \"r\"\nexpires = \"next week\"\n",
            4,
            "YYYY-MM-DD",
        ),
        (
            "[[suppress]]\nreason = \"r\"\nexpires = 2099-01-01\n",
            2,
            "needs `fingerprint` or `check`",
        ),
        (
            "[[suppress]]\ncheck = \"health.slow\"\nreason = \"r\"\n",
            1,
            "missing field `expires`",
        ),
        (
            "[[suppress]]\ncheck = \"health.slow\"\nreason = \"r\"\nexpires = 2099-01-01\nowner = \"me\"\n",
            5,
            "unknown field `owner`",
        ),
    ];
    for (text, line, needle) in cases {
        let path = write(dir.path(), "s.toml", text);
        let err = load_suppressions(&path, &registry).unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(line), "{err}");
        assert!(err.to_string().contains(needle), "{needle:?} not in {err}");
    }
    let good = write(
        dir.path(),
        "ok.toml",
        "[[suppress]]\nfingerprint = \"lgf1:00\"\nreason = \"r\"\nexpires = 2099-01-01\n",
    );
    assert_eq!(load_suppressions(&good, &registry).unwrap().len(), 1);
}

fn drop_finding(report: &Path, check: &str, out: &Path) {
    let mut value = read_json(report);
    value["findings"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["check"] != check);
    std::fs::write(out, serde_json::to_string(&value).unwrap()).unwrap();
}

#[test]
fn diff_names_regressions_and_resolutions_and_fails_on_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = demo_json(dir.path(), &out, &[], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let current = out.join("launchguard-report.json");
    let older = dir.path().join("older.json");
    drop_finding(&current, "health.status", &older);

    let diff = launchguard(
        &["diff", older.to_str().unwrap(), current.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(diff.code, 1, "a new high finding is a regression: {diff:?}");
    assert!(
        diff.stdout.contains("New (1)") && diff.stdout.contains("health.status"),
        "{diff:?}"
    );

    let reverse = launchguard(
        &[
            "diff",
            current.to_str().unwrap(),
            older.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(reverse.code, 0, "{reverse:?}");
    let value: Value = serde_json::from_str(&reverse.stdout).unwrap();
    assert_eq!(value["resolved"].as_array().unwrap().len(), 1);
    assert_eq!(value["new_problems"].as_array().unwrap().len(), 0);

    let mut future = read_json(&current);
    future["schema_version"] = "2.0".into();
    let future_path = dir.path().join("future.json");
    std::fs::write(&future_path, future.to_string()).unwrap();
    let refused = launchguard(
        &[
            "diff",
            current.to_str().unwrap(),
            future_path.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(refused.code, 64, "{refused:?}");
    assert!(refused.stderr.contains("schema version 2.0"), "{refused:?}");
}
