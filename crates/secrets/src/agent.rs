//! The `[logs]` agent, and the conversion of scan results into findings that `scan-logs` shares.

use std::path::PathBuf;
use std::sync::Arc;

use launchguard_core::config::{Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, Finding, Registration, Target,
    TargetKind,
};

use crate::config::LogsConfig;

use crate::engine::Scanner;
use crate::rules::{CHECKS, RULES, UNSCANNED};
use crate::scan::{ScanOptions, ScanReport, Stop, scan_paths_until};

fn check(rule: &str) -> &'static CheckDef {
    RULES
        .iter()
        .find(|r| r.id() == rule)
        .map(|r| r.check)
        .expect("occurrences name built-in rules")
}

/// The findings of one scanned root: a failure per secret (one per rule and secret, however
/// often seen), an error per input not read in full, and a pass for every rule that found nothing.
pub fn findings(report: &ScanReport, root: &Target) -> Vec<Finding> {
    let mut findings = Vec::new();
    for occurrence in &report.occurrences {
        let def = check(occurrence.rule);
        let place = |l: &crate::scan::Location| format!("{}:{}", l.file, l.line);
        let target = root.child(
            &format!("{}:{}", occurrence.rule, occurrence.redacted.fingerprint),
            TargetKind::File,
            place(&occurrence.first),
        );
        let seen = if occurrence.count > 1 {
            format!(
                ", seen {} times, last at {}",
                occurrence.count,
                place(&occurrence.last)
            )
        } else {
            String::new()
        };
        let mut finding = Finding::fail(
            def,
            target,
            format!("{} at {}{seen}", def.title, place(&occurrence.first)),
        )
        .with_severity(occurrence.severity)
        .with_stable_key(&occurrence.redacted.fingerprint)
        .with_evidence("match", occurrence.redacted.clone())
        .with_evidence("count", occurrence.count)
        .with_evidence(
            "first",
            format!(
                "{} (byte {})",
                place(&occurrence.first),
                occurrence.first.offset
            ),
        )
        .with_evidence(
            "last",
            format!(
                "{} (byte {})",
                place(&occurrence.last),
                occurrence.last.offset
            ),
        );
        if let Some(encoding) = occurrence.encoding.describe() {
            finding = finding.with_evidence("encoding", encoding);
        }
        findings.push(finding);
    }
    let summary = format!(
        "{} input(s), {} bytes scanned",
        report.files_scanned, report.bytes_scanned
    );
    // Every input failed before a byte was read (an empty file that opened counts as read).
    let nothing_read =
        report.bytes_scanned == 0 && report.files_scanned as usize <= report.unscanned.len();
    for rule in RULES.iter() {
        if report.occurrences.iter().any(|o| o.rule == rule.id()) {
            continue;
        }
        // A rule passes only over input it actually read.
        findings.push(if nothing_read {
            Finding::skipped(
                rule.check,
                root.clone(),
                "not evaluated: nothing was read (see logs.unscanned)",
            )
        } else {
            Finding::pass(
                rule.check,
                root.clone(),
                format!("nothing found in {summary}"),
            )
        });
    }
    for problem in &report.unscanned {
        let target = root.child(&problem.file, TargetKind::File, problem.file.clone());
        findings.push(
            Finding::error(
                &UNSCANNED,
                target,
                format!("{}: {}", problem.file, problem.reason),
            )
            .with_evidence("bytes_scanned", problem.bytes_scanned),
        );
    }
    if report.files_scanned == 0 && report.unscanned.is_empty() {
        findings.push(Finding::error(
            &UNSCANNED,
            root.clone(),
            "no input matched: nothing was scanned",
        ));
    } else if report.unscanned.is_empty() {
        findings.push(Finding::pass(
            &UNSCANNED,
            root.clone(),
            format!("every input read in full: {summary}"),
        ));
    }
    findings
}

/// The logs agent, built from a validated `[logs]`.
#[derive(Debug)]
pub struct LogsAgent {
    pub(crate) roots: Vec<(PathBuf, Target)>,
    pub(crate) options: ScanOptions,
}

/// The registration of `[logs]`.
pub struct LogsSpec;

pub static AGENT: Registration<LogsSpec> = Registration::new();

impl AgentSpec for LogsSpec {
    const NAME: &'static str = "logs";
    const ABOUT: &'static str = "secrets and personal data in log files (plain, gzip, zstd)";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = LogsConfig;
    type Validated = LogsAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS.as_slice()
    }

    fn validate(config: LogsConfig, cx: &SectionContext<'_>) -> Result<LogsAgent, Invalid> {
        crate::config::validate(config, cx)
    }

    fn build(agent: LogsAgent) -> Arc<dyn Agent> {
        Arc::new(agent)
    }
}

impl Agent for LogsAgent {
    fn targets(&self) -> Vec<Target> {
        self.roots
            .iter()
            .map(|(_, target)| target.clone())
            .collect()
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            // The scan runs on a blocking thread the runner cannot cancel: it stops itself at the
            // deadline, and when this future is dropped (deadline, interrupt), through the guard.
            // It stops a little before the deadline, so that what it found still gets reported.
            let deadline = ctx.deadline.into_std();
            let stop = Stop::at(
                deadline
                    .checked_sub(std::time::Duration::from_millis(250))
                    .filter(|early| *early > std::time::Instant::now())
                    .unwrap_or(deadline),
            );
            let _guard = RaiseOnDrop(stop.clone());
            for (path, target) in &self.roots {
                tracing::info!(path = %path.display(), "scanning logs");
                let (path, options, stop) = (path.clone(), self.options.clone(), stop.clone());
                let scanned = tokio::task::spawn_blocking(move || {
                    scan_paths_until(&[path], &options, &Scanner::new(), &stop)
                })
                .await;
                match scanned {
                    Ok(Ok(report)) => findings(&report, target)
                        .into_iter()
                        .for_each(|f| ctx.report(f)),
                    Ok(Err(reason)) => {
                        ctx.report(Finding::error(&UNSCANNED, target.clone(), reason))
                    }
                    Err(join) => ctx.report(Finding::error(
                        &UNSCANNED,
                        target.clone(),
                        format!("the scan crashed: {join}"),
                    )),
                }
            }
        })
    }
}

/// Stops a scan when the agent's future is dropped.
struct RaiseOnDrop(Stop);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.raise();
    }
}
