//! `launchguard merge`: the JSON reports of the shards of one run (`audit --shard I/N`) become the
//! report a single run would have written. Schedulers (a Kubernetes indexed Job, a CI matrix) do
//! the fan-out; this only joins.
//!
//! Findings never overlap between shards: every target runs in exactly one. A baseline problem is
//! judged by every shard, and only the shard that ran its target can say more than "no longer
//! audited"; so the most informed judgement wins (resolved, then not re-checked), and a problem
//! found again in one shard is not "gone" because another shard did not see it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::bail;
use launchguard_core::{BaselineState, Finding};

use crate::agents;
use crate::audit::emit;
use crate::baseline::load_report;
use crate::cli::MergeArgs;
use crate::report::{self, GoneCounts, Policy, Report, SuppressionNote, SuppressionState, Timings};
use crate::usage;

pub fn merge_command(args: MergeArgs, color: bool) -> anyhow::Result<i32> {
    let reports = args
        .reports
        .iter()
        .map(|path| load_report(path).map_err(|e| usage(format!("{e:#}"))))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = merge(&args.reports, reports).map_err(|e| usage(format!("{e:#}")))?;
    emit(&merged, &agents::registry(), &args.report, color)?;
    Ok(merged.summary.exit_code)
}

/// `I/N` of a shard report.
fn shard_of(path: &std::path::Path, report: &Report) -> anyhow::Result<(u32, u32)> {
    let Some(shard) = &report.run.shard else {
        bail!(
            "{} is not a shard (no run.shard): merge joins the reports of `audit --shard I/N`",
            path.display()
        );
    };
    let parsed = shard
        .split_once('/')
        .and_then(|(i, n)| Some((i.parse().ok()?, n.parse().ok()?)));
    parsed.ok_or_else(|| anyhow::anyhow!("{}: run.shard `{shard}` is not I/N", path.display()))
}

/// Joins the shards into one report; refuses shards of different runs, and a set with a shard
/// missing (the merged report would silently lack its targets).
pub fn merge(paths: &[PathBuf], reports: Vec<Report>) -> anyhow::Result<Report> {
    let Some(first) = reports.first() else {
        bail!("no report to merge");
    };
    let (_, count) = shard_of(&paths[0], first)?;
    let mut seen = BTreeSet::new();
    for (path, report) in paths.iter().zip(&reports) {
        let (index, of) = shard_of(path, report)?;
        if of != count {
            bail!(
                "{} is shard {index}/{of}, the first report is one of {count}",
                path.display()
            );
        }
        if !seen.insert(index) {
            bail!("shard {index}/{count} is given twice ({})", path.display());
        }
        let run = &report.run;
        let same_run = run.config_digest == first.run.config_digest
            && run.fail_on == first.run.fail_on
            && run.fail_on_new == first.run.fail_on_new
            && run.allow_errors == first.run.allow_errors
            && run.baseline.is_some() == first.run.baseline.is_some()
            && run.suppressions.is_some() == first.run.suppressions.is_some();
        if !same_run {
            bail!(
                "{} is not a shard of the same run as {}: the configuration digest, the policy \
                 flags, --baseline and --suppressions must match",
                path.display(),
                paths[0].display()
            );
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|i| !seen.contains(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        bail!("shard(s) {} missing", missing.join(", "));
    }

    let mut run = first.run.clone();
    run.started_at = reports
        .iter()
        .map(|r| r.run.started_at)
        .min()
        .unwrap_or(run.started_at);
    run.finished_at = reports
        .iter()
        .map(|r| r.run.finished_at)
        .max()
        .unwrap_or(run.finished_at);
    let ran: BTreeSet<&str> = reports
        .iter()
        .flat_map(|r| r.run.agents.iter().map(String::as_str))
        .collect();
    run.agents = agents::names()
        .into_iter()
        .filter(|name| ran.contains(name))
        .map(str::to_owned)
        .collect();
    run.shard = None;
    run.timings = Some(merged_timings(&reports));

    let mut findings: Vec<Finding> = reports.iter().flat_map(|r| r.findings.clone()).collect();
    let found_again: BTreeSet<(String, launchguard_core::Status)> = findings
        .iter()
        .map(|f| (f.fingerprint.clone(), f.status))
        .collect();
    let rank = |state: Option<BaselineState>| match state {
        Some(BaselineState::Resolved) => 0,
        Some(BaselineState::NotRechecked) => 1,
        _ => 2,
    };
    let mut gone: BTreeMap<(String, launchguard_core::Status), Finding> = BTreeMap::new();
    for problem in reports.iter().flat_map(|r| {
        r.resolved
            .iter()
            .chain(&r.not_rechecked)
            .chain(&r.no_longer_audited)
    }) {
        let key = (problem.fingerprint.clone(), problem.status);
        if found_again.contains(&key) {
            continue;
        }
        match gone.get(&key) {
            Some(kept) if rank(kept.baseline) <= rank(problem.baseline) => {}
            _ => {
                gone.insert(key, problem.clone());
            }
        }
    }
    let by_state = |state: BaselineState| {
        let mut list: Vec<Finding> = gone
            .values()
            .filter(|f| f.baseline == Some(state))
            .cloned()
            .collect();
        report::sort_findings(&mut list);
        list
    };
    let resolved = by_state(BaselineState::Resolved);
    let not_rechecked = by_state(BaselineState::NotRechecked);
    let no_longer_audited = by_state(BaselineState::NoLongerAudited);
    report::sort_findings(&mut findings);

    let suppression_notes = merged_notes(&reports);
    let policy = Policy {
        fail_on: run.fail_on,
        fail_on_new: run.fail_on_new,
        allow_errors: run.allow_errors,
    };
    let summary = report::summarize(
        &findings,
        GoneCounts {
            resolved: resolved.len(),
            not_rechecked: not_rechecked.len(),
            no_longer_audited: no_longer_audited.len(),
        },
        report::verdict(&findings, &not_rechecked, policy),
    );
    Ok(Report {
        schema_version: report::SCHEMA_VERSION.to_owned(),
        tool: first.tool.clone(),
        run,
        summary,
        findings,
        resolved,
        not_rechecked,
        no_longer_audited,
        suppression_notes,
    })
}

/// Each agent's and check's longest time in any shard: the shards ran side by side.
fn merged_timings(reports: &[Report]) -> Timings {
    let mut merged = Timings::default();
    for timings in reports.iter().filter_map(|r| r.run.timings.as_ref()) {
        for (into, from) in [
            (&mut merged.agents, &timings.agents),
            (&mut merged.checks, &timings.checks),
        ] {
            for (name, ms) in from {
                let slot = into.entry(name.clone()).or_default();
                *slot = (*slot).max(*ms);
            }
        }
    }
    merged
}

/// An expired suppression is expired everywhere; one is unused only if no shard used it.
fn merged_notes(reports: &[Report]) -> Vec<SuppressionNote> {
    let mut notes: Vec<SuppressionNote> = Vec::new();
    for note in reports.iter().flat_map(|r| &r.suppression_notes) {
        let everywhere = note.state == SuppressionState::Expired
            || reports
                .iter()
                .all(|r| r.suppression_notes.iter().any(|n| n == note));
        if everywhere && !notes.contains(note) {
            notes.push(note.clone());
        }
    }
    notes
}
