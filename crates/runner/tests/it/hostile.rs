//! Hostile text in findings (what a health body, a `Location`, a certificate subject, a Postgres
//! error or a file name can carry): every format escapes it for its own grammar, each format
//! still parses, and no terminal output holds a raw control character.

use std::path::Path;

use chrono::{TimeZone, Utc};
use launchguard::agents::registry;
use launchguard::audit::assemble;
use launchguard::baseline::diff;
use launchguard::cli::ReportFormat;
use launchguard::report::{
    FailOn, Report, RunInfo, SCHEMA_VERSION, Summary, Timings, Tool, render,
};
use launchguard::report::{json, markdown, terminal};
use launchguard_core::{CheckDef, Finding, Target, TargetKind};
use launchguard_http::health::CHECKS;
use serde_json::Value;

use crate::support::{
    assert_valid, launchguard, raw_http_server, read_json, workspace_root, write,
};

/// Control characters, an OSC window title, a screen clear, the C1 CSI, bidi overrides and
/// isolates, XML-illegal noncharacters, markup, a code-span breakout into a heading, a
/// `javascript:` link, quotes and an ampersand.
const HOSTILE: &str = "h\u{0}\u{1}\u{8}\u{b}\u{c}\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31m\u{9b}2J\u{7f}\
    \u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}\u{fffe}\u{ffff}\
    <script>alert(1)</script><img src=x onerror=alert(1)>`code`\r\n\n# injected heading\n\
    [click](javascript:alert(1)) ](javascript:alert(2)) \"quoted\" & 'single' | pipe";

fn check(id: &str) -> &'static CheckDef {
    CHECKS.iter().copied().find(|c| c.id == id).unwrap()
}

fn hostile_target(name: &str, kind: TargetKind) -> Target {
    Target::new(
        format!("health:{name}{HOSTILE}"),
        kind,
        format!("{name} {HOSTILE}"),
    )
    .declared_at(3)
}

fn finding(def: &str, name: &str, status: &str) -> Finding {
    let target = hostile_target(name, TargetKind::Url);
    let message = format!("{status}: {HOSTILE}");
    let finding = match status {
        "fail" => Finding::fail(check(def), target, message),
        "error" => Finding::error(check(def), target, message),
        "skipped" => Finding::skipped(check(def), target, message),
        _ => Finding::pass(check(def), target, message),
    };
    finding
        .with_evidence("location", HOSTILE)
        .with_evidence("examples", vec![HOSTILE, "second"])
}

fn run_info(baseline: bool) -> RunInfo {
    RunInfo {
        started_at: Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap(),
        finished_at: Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 2).unwrap(),
        config_path: format!("configs/{HOSTILE}.toml"),
        config_digest: "sha256:0f".into(),
        agents: vec!["health".into()],
        fail_on: FailOn::High,
        fail_on_new: false,
        allow_errors: false,
        baseline: baseline.then(|| format!("{HOSTILE}.json")),
        suppressions: None,
        shard: Some(HOSTILE.into()),
        timings: Some(Timings {
            agents: [(HOSTILE.to_owned(), 5)].into(),
            checks: [(HOSTILE.to_owned(), 5)].into(),
        }),
    }
}

/// Last week's report: problems that this run resolves, cannot re-check, and no longer audits.
fn previous() -> Report {
    Report {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool {
            name: "launchguard".into(),
            version: "0.0.9".into(),
        },
        run: run_info(false),
        summary: Summary::default(),
        findings: vec![
            finding("health.status", "a", "fail"),
            finding("health.slow", "b", "fail"),
            finding("health.verbose", "gone", "fail"),
        ],
        resolved: vec![],
        not_rechecked: vec![],
        no_longer_audited: vec![],
        suppression_notes: vec![],
    }
}

/// Every status, every baseline state, a file target, all of them hostile.
fn hostile_report() -> Report {
    let mut file = finding("health.verbose", "logs", "fail");
    file.target = Target::new(
        format!("logs:{HOSTILE}"),
        TargetKind::File,
        format!("logs/app{HOSTILE}.log:7"),
    );
    let findings = vec![
        finding("health.unreachable", "a", "fail"),
        finding("health.status", "a", "pass"),
        finding("health.slow", "b", "error"),
        finding("health.verbose", "b", "skipped"),
        file,
    ];
    let report = assemble(findings, Some(&previous()), &[], run_info(true));
    assert_eq!(
        (
            report.resolved.len(),
            report.not_rechecked.len(),
            report.no_longer_audited.len()
        ),
        (1, 1, 1),
        "the fixture covers every baseline state"
    );
    report
}

/// Characters that must never reach a reader raw, as `escape::is_hostile` says, but with the
/// line break allowed (reports are made of lines).
fn raw_controls(text: &str) -> Vec<String> {
    text.chars()
        .filter(|&c| c != '\n' && launchguard::report::escape::is_hostile(c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect()
}

fn assert_no_raw_controls(text: &str, what: &str) {
    let raw = raw_controls(text);
    assert!(raw.is_empty(), "{what} holds raw {raw:?}:\n{text}");
}

#[test]
fn the_terminal_report_shows_hostile_text_escaped_and_only_its_own_colours() {
    let report = hostile_report();
    let plain = terminal::render(&report, &registry(), false);
    assert_no_raw_controls(&plain, "the terminal report");
    assert!(
        !plain.contains('\u{1b}'),
        "no escape at all with colour off"
    );
    for shown in [
        "\\e]0;pwned\\u{7}",
        "\\e[2J",
        "\\u{9b}2J",
        "\\u{202e}",
        "\\u{2066}",
        "\\n",
    ] {
        assert!(plain.contains(shown), "{shown:?} not shown in:\n{plain}");
    }
    // With colour, the only escapes are the renderer's SGR sequences, once through the door.
    let coloured = terminal::render(&report, &registry(), true);
    let out = launchguard::report::escape::terminal_output(&coloured, true);
    for (at, _) in out.match_indices('\u{1b}') {
        let rest = &out[at + 1..];
        let params = rest.strip_prefix('[').expect("CSI");
        let end = params
            .find(|c: char| !c.is_ascii_digit() && c != ';')
            .unwrap();
        assert_eq!(&params[end..=end], "m", "only SGR: {:?}", &rest[..end + 2]);
    }
    assert_ne!(out.matches('\u{1b}').count(), 0, "colour is on");
    let without_sgr: String = out.split('\u{1b}').collect();
    assert!(raw_controls(&without_sgr).is_empty());
}

#[test]
fn json_and_sarif_keep_the_data_and_validate_against_their_schemas() {
    let report = hostile_report();
    let text = render(ReportFormat::Json, &report, &registry()).unwrap();
    assert_no_raw_controls(&text, "the JSON report");
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_valid(
        &read_json(&workspace_root().join("docs/report.schema.json")),
        &value,
        "the hostile JSON report",
    );
    let back: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(
        back.findings[0].evidence["location"].to_string(),
        HOSTILE,
        "JSON keeps the data as found"
    );

    let sarif_text = render(ReportFormat::Sarif, &report, &registry()).unwrap();
    assert_no_raw_controls(&sarif_text, "the SARIF report");
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    match std::env::var_os("LAUNCHGUARD_SARIF_SCHEMA")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_file())
    {
        Some(path) => assert_valid(&read_json(&path), &sarif, "the hostile SARIF report"),
        None => eprintln!(
            "SKIPPED full SARIF validation: LAUNCHGUARD_SARIF_SCHEMA is not set (scripts/test.sh sets it)"
        ),
    }
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
            "a URI reference: {uri}"
        );
        let text = result["message"]["text"].as_str().unwrap();
        assert!(
            raw_controls(text).is_empty() && !text.contains('\n'),
            "{text}"
        );
    }
}

#[test]
fn junit_is_well_formed_xml() {
    let text = render(ReportFormat::Junit, &hostile_report(), &registry()).unwrap();
    assert_no_raw_controls(&text, "the JUnit report");
    let document = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{text}"));
    let failure = document
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    let message = failure.attribute("message").unwrap();
    assert!(
        message.contains("<script>alert(1)</script>") && message.contains("\\u{fffe}"),
        "markup kept as text, noncharacters visible: {message}"
    );
    assert!(
        !document.descendants().any(|n| n.has_tag_name("script")),
        "no element injected"
    );
}

/// Our own headings; nothing else may become one.
const MARKDOWN_HEADINGS: &[&str] = &[
    "launchguard report",
    "Failures",
    "Could not verify",
    "Suppressed",
    "Not re-checked since the baseline",
    "Resolved since the baseline",
    "No longer audited",
    "Suppressions to review",
    "Evidence and fixes",
];

/// Renders Markdown as GitHub would (tables, strikethrough) and checks it like a sanitiser: only
/// our own tags, no attribute but table alignment, no link, no heading but ours.
fn assert_markdown_is_inert(text: &str, headings: &[&str]) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut in_heading = false;
    let mut heading = String::new();
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                heading.clear();
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                assert!(
                    headings.contains(&heading.as_str()),
                    "injected heading {heading:?}"
                );
            }
            Event::Text(t) | Event::Code(t) if in_heading => heading.push_str(&t),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                panic!("a link or image to {dest_url:?} in:\n{text}")
            }
            _ => {}
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(text, options));
    let allowed = [
        "p", "h1", "h2", "table", "thead", "tbody", "tr", "th", "td", "code", "strong", "em", "ul",
        "li", "details", "summary", "b", "sub", "br",
    ];
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap();
        let tag = tag.strip_prefix('/').unwrap_or(tag);
        let name: String = tag
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        assert!(
            allowed.contains(&name.as_str()),
            "tag <{tag}> in the rendered Markdown:\n{html}"
        );
        let attributes = tag[name.len()..].trim().trim_end_matches('/').trim();
        assert!(
            attributes.is_empty() || attributes.starts_with("style=\"text-align"),
            "attributes {attributes:?} on <{name}>"
        );
    }
    let lower = html.to_lowercase();
    assert!(
        !lower.contains("<script") && !lower.contains("<img"),
        "{html}"
    );
}

#[test]
fn markdown_renders_to_inert_html() {
    let text = render(ReportFormat::Markdown, &hostile_report(), &registry()).unwrap();
    assert_no_raw_controls(&text, "the Markdown report");
    assert_markdown_is_inert(&text, MARKDOWN_HEADINGS);
    assert!(text.contains("\\<script\\>"), "markup shown as text");
}

#[test]
fn html_escapes_hostile_markup() {
    let text = render(ReportFormat::Html, &hostile_report(), &registry()).unwrap();
    assert_no_raw_controls(&text, "the HTML report");
    assert_eq!(
        text.matches("<script").count(),
        1,
        "only the report's own filter script"
    );
    for raw in [
        "<img",
        "javascript:alert(1)\"",
        "<script>alert",
        "onerror=alert(1)>",
    ] {
        assert!(!text.contains(raw), "{raw:?} unescaped");
    }
    assert!(text.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(text.contains("\\u{202e}"), "bidi shown, not applied");
}

#[test]
fn diff_formats_escape_hostile_reports() {
    let old = previous();
    let new = hostile_report();
    let changes = diff(Path::new(HOSTILE), &old, Path::new("new.json"), &new);
    let text = terminal::render_diff(&changes, false);
    assert_no_raw_controls(&text, "diff as text");
    assert!(text.contains("\\e]0;pwned"));
    let md = markdown::render_diff(&changes);
    assert_no_raw_controls(&md, "diff as Markdown");
    assert_markdown_is_inert(&md, &[]);
    let json_text = json::render_diff(&changes).unwrap();
    assert_no_raw_controls(&json_text, "diff as JSON");
    serde_json::from_str::<Value>(&json_text).unwrap();
}

/// The binary end to end: `diff` of two hostile report files prints nothing raw.
#[test]
fn launchguard_diff_of_hostile_reports_prints_nothing_raw() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry();
    let old = write(
        dir.path(),
        "old.json",
        &render(ReportFormat::Json, &previous(), &registry).unwrap(),
    );
    let new = write(
        dir.path(),
        "new.json",
        &render(ReportFormat::Json, &hostile_report(), &registry).unwrap(),
    );
    for format in ["text", "markdown", "json"] {
        let run = launchguard(
            &[
                "diff",
                old.to_str().unwrap(),
                new.to_str().unwrap(),
                "--format",
                format,
            ],
            dir.path(),
        );
        assert_eq!(run.code, 1, "a new critical failure: {run:?}");
        assert_no_raw_controls(&run.stdout, &format!("diff --format {format}"));
        assert_no_raw_controls(&run.stderr, "stderr");
    }
}

/// A health endpoint whose `Location` carries the C1 CSI and a bidi override (a header cannot
/// carry ESC) and whose body carries an OSC title, a screen clear and a bidi override.
#[test]
fn a_hostile_health_endpoint_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let body = "{\"hostname\": \"db\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}lanretni\"}";
    let mut response = format!(
        "HTTP/1.1 302 Found\r\ncontent-length: {}\r\nconnection: close\r\nlocation: /next",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice("\u{9b}2J\u{202e}txen\r\n\r\n".as_bytes());
    response.extend_from_slice(body.as_bytes());
    let addr = raw_http_server(response);
    let config = write(
        dir.path(),
        "launchguard.toml",
        &format!(
            "[scope]\nhosts = [\"127.0.0.1\"]\n[health]\n[[health.endpoints]]\nname = \"api\"\nurl = \"http://{addr}/health\"\n"
        ),
    );
    let run = launchguard(&["audit", "--config", config.to_str().unwrap()], dir.path());
    assert_eq!(run.code, 1, "{run:?}");
    assert_no_raw_controls(&run.stdout, "the audit's terminal report");
    for shown in [
        "\\u{9b}2J\\u{202e}txen",
        "\\e]0;pwned\\u{7}\\e[2J\\u{202e}lanretni",
    ] {
        assert!(run.stdout.contains(shown), "{shown:?} not in {run:?}");
    }
}

/// A log file whose name carries ESC sequences and a bidi override.
#[test]
fn a_hostile_log_file_name_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let name = "app\u{1b}]0;pwned\u{7}\u{202e}gol.log";
    std::fs::write(
        logs.join(name),
        "Authorization: Bearer sk-proj-lgFixture0123456789abcdefGHIJKLMNOPQRSTUVwxyz_-0123456789ABCDEFGH\n",
    )
    .unwrap();
    let run = launchguard(&["scan-logs", logs.to_str().unwrap()], dir.path());
    assert_eq!(run.code, 1, "{run:?}");
    assert_no_raw_controls(&run.stdout, "scan-logs' terminal report");
    assert!(
        run.stdout.contains("app\\e]0;pwned\\u{7}\\u{202e}gol.log"),
        "{run:?}"
    );
}

/// `--baseline` and `diff` read regular files up to a cap, with a clear error otherwise.
#[test]
fn baselines_refuse_devices_and_oversized_files() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "launchguard.toml",
        "[scope]\nhosts = [\"127.0.0.1\"]\n[health]\n[[health.endpoints]]\nname = \"api\"\nurl = \"http://127.0.0.1:9/health\"\n",
    );
    let huge = dir.path().join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(launchguard::baseline::MAX_REPORT_BYTES + 1)
        .unwrap();
    for (baseline, expected) in [
        ("/dev/zero", "not a regular file"),
        (dir.path().to_str().unwrap(), "not a regular file"),
        (huge.to_str().unwrap(), "over the 256 MiB limit"),
    ] {
        let run = launchguard(
            &[
                "audit",
                "--config",
                config.to_str().unwrap(),
                "--baseline",
                baseline,
            ],
            dir.path(),
        );
        assert_eq!(run.code, 64, "{run:?}");
        assert!(run.stderr.contains(expected), "{expected:?}: {run:?}");
        let diff = launchguard(&["diff", baseline, huge.to_str().unwrap()], dir.path());
        assert_eq!(diff.code, 64, "{diff:?}");
        assert!(diff.stderr.contains(expected), "{expected:?}: {diff:?}");
    }
}
