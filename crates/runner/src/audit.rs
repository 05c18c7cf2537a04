//! `launchguard audit` (and the audit half of `demo`): load, run, compare, report, exit code.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use globset::Glob;
use launchguard_core::config::{Environment, LoadedConfig, edit_distance};
use launchguard_core::{BaselineState, ConfiguredAgent, Registry, Scope, Status, Target, Timeouts};
use tokio_util::sync::CancellationToken;

use crate::agents::{self, AGENTS};
use crate::baseline::{self, Suppression};
use crate::cli::{AuditArgs, DiffArgs, PolicyArgs, ReportArgs, ReportFormat, ScanLogsArgs, Shard};
use crate::report::{
    self, EXIT_FINDINGS, EXIT_OK, EXIT_UNVERIFIED, GoneCounts, Policy, Report, RunInfo,
    SCHEMA_VERSION, Tool, escape,
};
use crate::usage;

/// Which checks `--only` and `--skip` leave, resolved against the registry.
#[derive(Debug)]
pub struct Selection {
    checks: BTreeSet<&'static str>,
}

impl Selection {
    /// Every check of `registry`, less what `--skip` names, limited to what `--only` names.
    pub fn new(only: &[String], skip: &[String], registry: &Registry) -> anyhow::Result<Self> {
        let all: BTreeSet<&'static str> = registry.iter().map(|d| d.id).collect();
        let mut checks = if only.is_empty() {
            all.clone()
        } else {
            let mut chosen = BTreeSet::new();
            for selector in only {
                chosen.extend(resolve(selector, "--only", registry)?);
            }
            chosen
        };
        for selector in skip {
            for id in resolve(selector, "--skip", registry)? {
                checks.remove(id);
            }
        }
        Ok(Selection { checks })
    }

    pub fn contains(&self, check: &str) -> bool {
        self.checks.contains(check)
    }

    /// Whether any check of `agent` is selected.
    pub fn runs(&self, agent: &ConfiguredAgent) -> bool {
        agent.checks().iter().any(|c| self.contains(c.id))
    }
}

/// The check IDs one `--only`/`--skip` word names: an agent, a check ID, or a glob of check IDs.
fn resolve(selector: &str, flag: &str, registry: &Registry) -> anyhow::Result<Vec<&'static str>> {
    let selector = selector.trim();
    if let Some(kind) = AGENTS.iter().find(|a| a.name() == selector) {
        return Ok(kind.checks().iter().map(|c| c.id).collect());
    }
    if selector.contains(['*', '?', '[']) {
        let glob = Glob::new(selector)
            .map_err(|e| usage(format!("{flag} {selector}: not a valid glob: {e}")))?
            .compile_matcher();
        let matched: Vec<&'static str> = registry
            .iter()
            .map(|d| d.id)
            .filter(|id| glob.is_match(id))
            .collect();
        if matched.is_empty() {
            return Err(usage(format!(
                "{flag} {selector}: matches no check (`launchguard checks` lists them)"
            )));
        }
        return Ok(matched);
    }
    if let Some(def) = registry.get(selector) {
        return Ok(vec![def.id]);
    }
    let known = agents::names()
        .into_iter()
        .chain(registry.iter().map(|d| d.id));
    let closest = known
        .map(|name| (edit_distance(selector, name), name))
        .min()
        .filter(|(distance, name)| *distance <= (name.len() / 4).max(2));
    let hint = match closest {
        Some((_, name)) => format!("; did you mean `{name}`?"),
        None => format!(
            " (agents: {}; `launchguard checks` lists the check IDs)",
            agents::names().join(", ")
        ),
    };
    Err(usage(format!(
        "{flag} {selector}: no agent, check or glob of that name{hint}"
    )))
}

pub fn audit(args: AuditArgs, color: bool) -> anyhow::Result<i32> {
    let loaded = LoadedConfig::load(&args.config, AGENTS, &Environment::process())
        .map_err(|e| usage(e.to_string()))?;
    let registry = agents::registry();
    let selection = Selection::new(&args.only, &args.skip, &registry)?;
    let names = agents::names();
    if loaded.agents.is_empty() {
        return Err(usage(format!(
            "{} configures no agent: add a section for one of: {}",
            args.config.display(),
            names.join(", ")
        )));
    }
    for selector in &args.only {
        let owner = AGENTS.iter().find(|kind| {
            kind.name() == selector.trim()
                || (kind.checks().iter().any(|c| c.id == selector.trim()))
        });
        if let Some(kind) = owner
            && loaded.agent(kind.name()).is_none()
        {
            return Err(usage(format!(
                "--only {selector}: {} has no [{}] section",
                args.config.display(),
                kind.name()
            )));
        }
    }
    let mut selected: Vec<ConfiguredAgent> = loaded
        .agents
        .iter()
        .filter(|a| selection.runs(a))
        .cloned()
        .collect();
    if selected.is_empty() {
        return Err(usage("--only / --skip left no configured agent to run"));
    }
    if let Some(shard) = args.shard {
        selected = shard_agents(selected, shard);
    }
    run_and_report(
        &loaded,
        selected,
        &Run {
            selection: Some(&selection),
            shard: args.shard,
            report: &args.report,
        },
        color,
    )
}

/// A number in `0..count` that depends only on `key`: the same split on every machine and
/// every release (FNV-1a, not the standard library's randomly keyed hasher).
fn bucket(key: &str, count: u32) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(count)) as u32
}

/// The part of `agents` that shard `shard` runs: the targets of agents that judge targets apart,
/// split by target ID; every other agent whole, in the shard its name falls in.
pub fn shard_agents(agents: Vec<ConfiguredAgent>, shard: Shard) -> Vec<ConfiguredAgent> {
    let mine = shard.index - 1;
    agents
        .into_iter()
        .filter_map(|configured| {
            let keep = |target: &Target| {
                bucket(
                    &format!("{}\u{0}{}", configured.name(), target.id),
                    shard.count,
                ) == mine
            };
            match configured.agent.only_targets(&keep) {
                Some(part) if part.targets().is_empty() => None,
                Some(part) => Some(ConfiguredAgent::new(
                    configured.name(),
                    configured.checks(),
                    part,
                )),
                None => (bucket(configured.name(), shard.count) == mine).then_some(configured),
            }
        })
        .collect()
}

/// How a run's findings are selected, split and reported.
pub struct Run<'a> {
    pub selection: Option<&'a Selection>,
    pub shard: Option<Shard>,
    pub report: &'a ReportArgs,
}

/// Runs `agents` against `loaded`, writes the reports and returns the exit code.
pub fn run_and_report(
    loaded: &LoadedConfig,
    agents: Vec<ConfiguredAgent>,
    run: &Run<'_>,
    color: bool,
) -> anyhow::Result<i32> {
    let policy_args = &run.report.policy;
    let registry = agents::registry();
    let (previous, suppressions) = load_history(policy_args, &registry)?;
    let scope_config = &loaded.scope;
    let hosts: Vec<String> = scope_config
        .hosts
        .iter()
        .map(|h| h.get_ref().clone())
        .collect();
    let timeouts = Timeouts {
        connect: Duration::from_millis(scope_config.connect_timeout_ms.get()),
        request: Duration::from_millis(scope_config.request_timeout_ms.get()),
        agent_deadline: Duration::from_secs(scope_config.agent_deadline_secs.get()),
    };
    let scope = Arc::new(
        Scope::new(&hosts, scope_config.requests_per_host.get(), timeouts)
            .map_err(|e| usage(e.to_string()))?,
    );
    let agent_names: Vec<String> = agents.iter().map(|a| a.name().to_owned()).collect();
    let show_progress = !policy_args.quiet && std::io::stderr().is_terminal();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let started_at = Utc::now();
    let (mut findings, timings) = runtime.block_on(async {
        let cancel = CancellationToken::new();
        let on_interrupt = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupted: finishing the report with what was verified so far");
                on_interrupt.cancel();
            }
        });
        let progress = show_progress.then(|| indicatif::ProgressBar::new(0));
        crate::orchestrate::run_agents(agents, scope, cancel, progress).await
    });
    crate::correlate::caa_against_certificates(&mut findings);
    // Agents past their deadline may leave a blocking read behind (a log on a hung network
    // file system): never wait for it, the report is written without it and the process exits.
    runtime.shutdown_background();
    let finished_at = Utc::now();
    if let Some(selection) = run.selection {
        findings.retain(|f| selection.contains(f.check.as_str()));
    }
    let mut info = run_info(
        policy_args,
        loaded.path.display().to_string(),
        loaded.digest.clone(),
        agent_names,
        (started_at, finished_at),
    );
    info.shard = run.shard.map(|s| s.to_string());
    info.timings = Some(timings);
    if show_progress && let Some(timings) = &info.timings {
        escape::print_stderr(&format!("{}\n", report::terminal::timings_line(timings)));
    }
    let report = assemble(findings, previous.as_ref(), &suppressions, info);
    emit(&report, &registry, run.report, color)?;
    Ok(report.summary.exit_code)
}

/// Last week's report (`--baseline`) and the accepted findings (`--suppressions`).
fn load_history(
    policy: &PolicyArgs,
    registry: &Registry,
) -> anyhow::Result<(Option<Report>, Vec<Suppression>)> {
    let previous = policy
        .baseline
        .as_deref()
        .map(baseline::load_report)
        .transpose()
        .map_err(|e| usage(format!("--baseline: {e:#}")))?;
    let suppressions = policy
        .suppressions
        .as_deref()
        .map(|path| baseline::load_suppressions(path, registry))
        .transpose()
        .map_err(|e| usage(e.to_string()))?
        .unwrap_or_default();
    Ok((previous, suppressions))
}

/// What a report records about its run.
fn run_info(
    policy: &PolicyArgs,
    config_path: String,
    config_digest: String,
    agents: Vec<String>,
    (started_at, finished_at): (chrono::DateTime<Utc>, chrono::DateTime<Utc>),
) -> RunInfo {
    let shown = |path: &Option<PathBuf>| path.as_ref().map(|p| p.display().to_string());
    RunInfo {
        started_at,
        finished_at,
        config_path,
        config_digest,
        agents,
        fail_on: policy.fail_on,
        fail_on_new: policy.fail_on_new,
        allow_errors: policy.allow_errors,
        baseline: shown(&policy.baseline),
        suppressions: shown(&policy.suppressions),
        shard: None,
        timings: None,
    }
}

/// Applies baseline and suppressions, sorts, and decides the exit code.
pub fn assemble(
    mut findings: Vec<launchguard_core::Finding>,
    previous: Option<&Report>,
    suppressions: &[Suppression],
    run: RunInfo,
) -> Report {
    // The one redaction pass every finding of every agent goes through before any renderer.
    findings
        .iter_mut()
        .for_each(launchguard_secrets::redact_finding);
    let mut gone = previous
        .map(|prev| baseline::apply_baseline(&mut findings, prev))
        .unwrap_or_default();
    for list in [
        &mut gone.resolved,
        &mut gone.not_rechecked,
        &mut gone.no_longer_audited,
    ] {
        list.iter_mut()
            .for_each(launchguard_secrets::redact_finding);
    }
    let suppression_notes = baseline::apply_suppressions(
        findings.iter_mut().chain(gone.not_rechecked.iter_mut()),
        suppressions,
        run.finished_at.date_naive(),
    );
    report::sort_findings(&mut findings);
    for list in [
        &mut gone.resolved,
        &mut gone.not_rechecked,
        &mut gone.no_longer_audited,
    ] {
        report::sort_findings(list);
    }
    let policy = Policy {
        fail_on: run.fail_on,
        fail_on_new: run.fail_on_new,
        allow_errors: run.allow_errors,
    };
    let summary = report::summarize(
        &findings,
        GoneCounts {
            resolved: gone.resolved.len(),
            not_rechecked: gone.not_rechecked.len(),
            no_longer_audited: gone.no_longer_audited.len(),
        },
        report::verdict(&findings, &gone.not_rechecked, policy),
    );
    Report {
        schema_version: SCHEMA_VERSION.to_owned(),
        tool: Tool {
            name: "launchguard".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        run,
        summary,
        findings,
        resolved: gone.resolved,
        not_rechecked: gone.not_rechecked,
        no_longer_audited: gone.no_longer_audited,
        suppression_notes,
    }
}

/// Writes the reports `args` asks for, says the verdict, and posts what is new.
pub fn emit(
    report: &Report,
    registry: &Registry,
    args: &ReportArgs,
    color: bool,
) -> anyhow::Result<()> {
    let view = args.view.view();
    let quiet = args.policy.quiet;
    let mut written = Vec::new();
    let mut terminal_on_stdout = false;
    if let Some(output) = &args.output {
        let [format] = args.formats.as_slice() else {
            return Err(usage(format!(
                "-o {} takes exactly one --format (given: {})",
                output.display(),
                args.formats.len()
            )));
        };
        let text = report::render_view(*format, report, registry, view)?;
        if output.as_os_str() == "-" {
            let coloured = color && *format == ReportFormat::Terminal;
            let text = if coloured {
                report::terminal::render_view(report, registry, true, view)
            } else {
                text
            };
            escape::print_stdout(&text, coloured)?;
            terminal_on_stdout = *format == ReportFormat::Terminal;
        } else {
            if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            report::write_atomically(output, text.as_bytes())
                .with_context(|| format!("cannot write {}", output.display()))?;
            written.push(output.clone());
        }
    } else {
        written = report::write_files(&args.output_dir, &args.formats, report, registry, view)?;
        if !quiet && args.formats.contains(&ReportFormat::Terminal) {
            escape::print_stdout(
                &report::terminal::render_view(report, registry, color, view),
                color,
            )?;
            terminal_on_stdout = true;
        }
    }
    if let Some(var) = &args.notify.notify_webhook_env {
        let outcome = report::notify::post_new_findings(
            report,
            registry,
            var,
            args.notify.notify_min_severity,
            &Environment::process(),
        );
        // A failed post is said, never fatal: the reports are already written.
        escape::print_stderr(&format!("{outcome}\n"));
    }
    if quiet {
        return Ok(());
    }
    if !terminal_on_stdout {
        // Without the terminal report, still say the verdict (on stderr, keeping stdout clean).
        escape::print_stderr(&report::terminal::render_summary(report, false));
    }
    if !written.is_empty() {
        let mut list = "reports written:\n".to_owned();
        for path in written {
            list.push_str(&format!(
                "  {}\n",
                escape::visible(&path.display().to_string())
            ));
        }
        escape::print_stderr(&list);
    }
    Ok(())
}

/// `launchguard diff OLD NEW`.
pub fn diff(args: DiffArgs, color: bool) -> anyhow::Result<i32> {
    use ReportFormat as F;
    let format = args
        .format
        .require("diff", &[F::Terminal, F::Json, F::Markdown])?;
    let mut old = baseline::load_report(&args.old).map_err(|e| usage(format!("{e:#}")))?;
    let mut new = baseline::load_report(&args.new).map_err(|e| usage(format!("{e:#}")))?;
    for report in [&mut old, &mut new] {
        for list in [
            &mut report.findings,
            &mut report.resolved,
            &mut report.not_rechecked,
            &mut report.no_longer_audited,
        ] {
            list.iter_mut()
                .for_each(launchguard_secrets::redact_finding);
        }
    }
    let diff = baseline::diff(&args.old, &old, &args.new, &new);
    let text = match format {
        F::Json => report::json::render_diff(&diff)?,
        F::Markdown => report::markdown::render_diff(&diff),
        _ => report::terminal::render_diff(&diff, color),
    };
    escape::print_stdout(&text, color && format == F::Terminal)?;
    let regressed = diff.new_problems.iter().any(|f| {
        f.status == Status::Fail && args.fail_on.reached_by(f.severity) && f.suppressed.is_none()
    });
    // A new error, or an old problem nobody could look at again, is unverified: never a pass.
    let unverified = diff
        .new_problems
        .iter()
        .chain(&diff.not_rechecked)
        .any(|f| {
            f.suppressed.is_none()
                && (f.status == Status::Error || f.baseline == Some(BaselineState::NotRechecked))
        });
    Ok(if regressed {
        EXIT_FINDINGS
    } else if unverified && !args.allow_errors {
        EXIT_UNVERIFIED
    } else {
        EXIT_OK
    })
}

/// `launchguard scan-logs`: the logs agent without a configuration file.
pub fn scan_logs(args: ScanLogsArgs, color: bool) -> anyhow::Result<i32> {
    use launchguard_core::{Target, TargetKind};
    use launchguard_secrets::{ScanOptions, Scanner};

    let scanner = Scanner::new();
    let options = ScanOptions {
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        threads: args.threads,
        max_expansion: args.max_expansion.max(1),
    };
    if let Some(out) = &args.scrub {
        let [input] = args.paths.as_slice() else {
            return Err(usage("--scrub takes exactly one input PATH"));
        };
        return scrub(input, out, &options, &scanner);
    }
    let registry = agents::registry();
    let policy = &args.report.policy;
    let (previous, suppressions) = load_history(policy, &registry)?;
    let started_at = Utc::now();
    let mut findings = Vec::new();
    for path in &args.paths {
        let shown = path.display().to_string();
        let root = Target::new(format!("logs:{shown}"), TargetKind::File, shown.clone());
        let report =
            launchguard_secrets::scan_paths(std::slice::from_ref(path), &options, &scanner)
                .map_err(usage)?;
        findings.extend(launchguard_secrets::findings(&report, &root));
    }
    let finished_at = Utc::now();
    let mut digest = <sha2::Sha256 as sha2::Digest>::new();
    for path in &args.paths {
        sha2::Digest::update(&mut digest, path.display().to_string().as_bytes());
    }
    let report = assemble(
        findings,
        previous.as_ref(),
        &suppressions,
        run_info(
            policy,
            "(scan-logs command line)".to_owned(),
            format!("sha256:{}", hex::encode(sha2::Digest::finalize(digest))),
            vec!["logs".to_owned()],
            (started_at, finished_at),
        ),
    );
    emit(&report, &registry, &args.report, color)?;
    Ok(report.summary.exit_code)
}

/// `scan-logs --scrub OUT`: a masked copy of one input, read exactly as a scan reads it, in the
/// input's compression. A file is written atomically and never left behind on an error; standard
/// output gets terminal-safe text, and no compressed data while it is a terminal.
fn scrub(
    input: &Path,
    out: &Path,
    options: &launchguard_secrets::ScanOptions,
    scanner: &launchguard_secrets::Scanner,
) -> anyhow::Result<i32> {
    use launchguard_secrets::scan::{Compression, ScrubInput};

    let shown = |path: &Path| escape::visible(&path.display().to_string()).into_owned();
    let source = ScrubInput::open(input, options).map_err(|e| {
        usage(format!(
            "cannot scrub {}: {}",
            shown(input),
            escape::visible(&e)
        ))
    })?;
    let failed = |e: String| {
        anyhow::anyhow!(
            "scrubbing {} failed, no masked copy was written: {}",
            shown(input),
            escape::visible(&e)
        )
    };
    let done = if out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let terminal = stdout.is_terminal();
        if terminal && source.compression() != Compression::Plain {
            return Err(usage(
                "refusing to write compressed data to a terminal: give --scrub a file name",
            ));
        }
        let mut lock = stdout.lock();
        let result = if terminal {
            source.scrub_into(&mut TerminalSafe::new(&mut lock), scanner)
        } else {
            source.scrub_into(&mut lock, scanner)
        };
        result.map_err(|e| {
            anyhow::anyhow!(
                "scrubbing {} stopped: {} (what was written above is masked but incomplete)",
                shown(input),
                escape::visible(&e)
            )
        })?
    } else {
        if std::fs::metadata(out).is_ok_and(|m| !m.is_file()) {
            return Err(usage(format!(
                "--scrub {}: not a regular file (use - for standard output)",
                shown(out)
            )));
        }
        let dir = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut file = tempfile::Builder::new()
            .prefix(".launchguard-scrub-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write {}", shown(out)))?;
        let done = {
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, file.as_file_mut());
            source.scrub_into(&mut writer, scanner).map_err(failed)?
        };
        file.as_file().sync_all()?;
        file.persist(out)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", shown(out)))?;
        done
    };
    eprintln!(
        "masked {} match(es) in {} bytes of {}",
        done.masked,
        done.bytes,
        shown(input)
    );
    Ok(EXIT_OK)
}

/// A writer that escapes C0 and C1 control bytes (but line breaks and tabs) so that hostile log
/// lines cannot drive the terminal they are printed on.
struct TerminalSafe<W: Write> {
    inner: W,
    /// The previous byte was 0xC2, the lead byte of a UTF-8 C1 control.
    after_c2: bool,
}

impl<W: Write> TerminalSafe<W> {
    fn new(inner: W) -> Self {
        TerminalSafe {
            inner,
            after_c2: false,
        }
    }
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len());
        for &byte in buf {
            let c1 = self.after_c2 && (0x80..=0x9f).contains(&byte);
            if self.after_c2 && !c1 {
                out.push(0xc2);
            }
            self.after_c2 = byte == 0xc2 && !c1;
            match byte {
                _ if c1 => out.extend_from_slice(format!("\\u{{{byte:x}}}").as_bytes()),
                0xc2 => {}
                b'\n' | b'\t' => out.push(byte),
                0..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{byte:02x}").as_bytes()),
                _ => out.push(byte),
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if std::mem::take(&mut self.after_c2) {
            self.inner.write_all(&[0xc2])?;
        }
        self.inner.flush()
    }
}
