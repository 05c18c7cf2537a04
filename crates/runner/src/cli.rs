//! Every command and flag, with the help text `launchguard --help` prints.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use launchguard_core::Severity;

use crate::report::FailOn;

/// The command line, with the help text that lists the agents derived from [`crate::agents::AGENTS`].
pub fn command() -> clap::Command {
    Cli::command().long_about(crate::agents::help_text())
}

/// Parses the process's arguments (see [`command`]).
pub fn parse() -> Result<Cli, clap::Error> {
    let matches = command().try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

#[derive(Debug, Parser)]
#[command(
    name = "launchguard",
    version,
    about = "Verifies, with evidence, that a multi-tenant web product is safe to launch",
    after_help = "Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; \
2 checks that could not run (unless --allow-errors); 64 usage or configuration error.\n\
Environment: LAUNCHGUARD_LOG (tracing filter, e.g. debug), NO_COLOR, LAUNCHGUARD_REDACTION_KEY."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Show what each agent does on stderr (-v info, -vv debug); LAUNCHGUARD_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to colour terminal output (NO_COLOR also turns it off).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the deployment described by a configuration file.
    Audit(AuditArgs),
    /// Start a lab of flawed services on loopback, audit it, and write every report format.
    Demo(DemoArgs),
    /// List every check with its severity and docs.
    Checks(ChecksArgs),
    /// Explain one check: what it checks, why it matters, how to fix it.
    Explain {
        /// A check ID, e.g. health.verbose
        id: String,
    },
    /// Write a commented starter configuration.
    Init {
        /// Where to write it.
        #[arg(default_value = "launchguard.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Compare two JSON reports: what is new, unchanged, resolved, not re-checked and no longer
    /// audited.
    Diff(DiffArgs),
    /// Scan log files, directories, gzip/zstd archives or stdin (`-`) for secrets and personal data.
    ScanLogs(ScanLogsArgs),
    /// Join the JSON reports of the shards of one run (`audit --shard I/N`) into one report.
    Merge(MergeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `launchguard man > launchguard.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' JSON reports.
    #[arg(required = true, value_name = "SHARD.json")]
    pub reports: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ScanLogsArgs {
    /// Files or directories (read recursively), or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Only files matching these globs inside directories (repeatable), e.g. --include '*.log*'.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files matching these globs inside directories (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Scanning threads (default 0: one per core; more than the cores is cut to one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Decompression stops beyond this many times a file's compressed size (bomb guard).
    #[arg(long, default_value_t = 200)]
    pub max_expansion: u64,
    /// Instead of reporting, write a copy of the one input PATH with every match masked to OUT
    /// (`-` for standard output), read as a scan reads it: a gzip input gives a gzip copy; zstd
    /// inputs, directories and special files are refused.
    #[arg(long, value_name = "OUT")]
    pub scrub: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The configuration file.
    #[arg(short, long, default_value = "launchguard.toml")]
    pub config: PathBuf,
    /// Run only these agents, check IDs or check globs (repeatable or comma-separated), e.g.
    /// --only health --only 'tls.cert.*'. An agent whose checks are only partly selected still
    /// runs whole; the other checks' findings are left out of the report.
    #[arg(long, value_name = "AGENT|CHECK|GLOB", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Leave out these agents, check IDs or check globs (repeatable or comma-separated).
    #[arg(long, value_name = "AGENT|CHECK|GLOB", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Run shard I of N (1-based): each agent whose targets are judged apart gets a deterministic
    /// share of its targets, every other agent runs whole in one shard. Join the shards' JSON
    /// reports with `launchguard merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (index, count) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not I/N, e.g. 2/4"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{text}` is not I/N with whole numbers, e.g. 2/4"))
    };
    let (index, count) = (number(index)?, number(count)?);
    if count == 0 || index == 0 || index > count {
        return Err(format!(
            "`{text}`: I must be between 1 and N, and N at least 1"
        ));
    }
    Ok(Shard { index, count })
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the lab's configuration and reports are written.
    #[arg(long, default_value = "launchguard-demo")]
    pub output_dir: PathBuf,
    /// Report formats (repeatable or comma-separated). Default: every format.
    #[arg(
        long = "format",
        short = 'f',
        value_enum,
        value_name = "FORMAT",
        value_delimiter = ','
    )]
    pub formats: Vec<ReportFormat>,
    #[command(flatten)]
    pub view: ViewArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report formats (repeatable or comma-separated); files go to --output-dir as
    /// launchguard-report.<ext>, the terminal report to standard output.
    #[arg(long = "format", short = 'f', value_enum, value_name = "FORMAT", value_delimiter = ',', default_values_t = [ReportFormat::Terminal])]
    pub formats: Vec<ReportFormat>,
    /// Write the one --format to FILE instead (`-` for standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Directory for report files (created when missing).
    #[arg(long, default_value = ".")]
    pub output_dir: PathBuf,
    #[command(flatten)]
    pub view: ViewArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// What the reports a person reads (terminal, Markdown, HTML) list; counts, exit codes and the
/// machine formats are not affected.
#[derive(Debug, Args, Clone)]
pub struct ViewArgs {
    /// One line per finding: severity, status, check, target, message.
    #[arg(long)]
    pub compact: bool,
    /// List failing findings of at least this severity (the others are counted, not listed).
    #[arg(long, value_name = "SEVERITY", default_value = "info", value_parser = parse_severity)]
    pub min_severity: Severity,
}

impl ViewArgs {
    pub fn view(&self) -> crate::report::layout::View {
        crate::report::layout::View {
            min_severity: self.min_severity,
            compact: self.compact,
        }
    }
}

/// Posting what is new to a chat channel.
#[derive(Debug, Args, Clone)]
pub struct NotifyArgs {
    /// The environment variable holding a Slack-compatible incoming-webhook URL: new failing
    /// findings at or above --notify-min-severity are posted there (nothing when nothing is new;
    /// without --baseline every finding is new). A failed post is reported, never fatal.
    #[arg(long, value_name = "ENV_VAR")]
    pub notify_webhook_env: Option<String>,
    /// The least severity posted by --notify-webhook-env.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub notify_min_severity: Severity,
}

#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    /// Exit 1 when a failing finding has at least this severity (`none`: never).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// With --baseline: exit 1 only for findings that are new since the baseline.
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Exit 0 instead of 2 when some checks could not run (they stay `error` in the report).
    #[arg(long)]
    pub allow_errors: bool,
    /// A previous JSON report: marks each problem new or unchanged, and each of its problems that
    /// is gone resolved (checked again), not re-checked (the check could not run) or no longer
    /// audited (the target is gone).
    #[arg(long, value_name = "PREVIOUS.json")]
    pub baseline: Option<PathBuf>,
    /// A TOML file of accepted findings (fingerprint or check + target, reason, expires).
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,
    /// No progress display and no terminal report (files are still written).
    #[arg(short, long)]
    pub quiet: bool,
}

/// The one set of format names every subcommand takes (each says which it supports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum ReportFormat {
    /// Text for a person at a terminal.
    #[value(alias = "text")]
    Terminal,
    Json,
    /// JSON Lines: one finding per line.
    Jsonl,
    Sarif,
    Junit,
    Markdown,
    Html,
    /// A node_exporter textfile-collector file.
    Prometheus,
}

impl ReportFormat {
    /// What `demo` writes by default.
    pub const ALL: [ReportFormat; 8] = [
        ReportFormat::Terminal,
        ReportFormat::Json,
        ReportFormat::Jsonl,
        ReportFormat::Sarif,
        ReportFormat::Junit,
        ReportFormat::Markdown,
        ReportFormat::Html,
        ReportFormat::Prometheus,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Terminal => "terminal",
            ReportFormat::Json => "json",
            ReportFormat::Jsonl => "jsonl",
            ReportFormat::Sarif => "sarif",
            ReportFormat::Junit => "junit",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Html => "html",
            ReportFormat::Prometheus => "prometheus",
        }
    }

    /// A usage error unless this format is among `supported` for `command`.
    pub fn require(self, command: &str, supported: &[ReportFormat]) -> anyhow::Result<Self> {
        if supported.contains(&self) {
            Ok(self)
        } else {
            let names: Vec<&str> = supported.iter().map(|f| f.name()).collect();
            Err(crate::usage(format!(
                "`{command}` writes {}; not --format {}",
                names.join(", "),
                self.name()
            )))
        }
    }

    /// The report file's name, for the formats written to files.
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            ReportFormat::Terminal => None,
            ReportFormat::Json => Some("launchguard-report.json"),
            ReportFormat::Jsonl => Some("launchguard-report.jsonl"),
            ReportFormat::Prometheus => Some("launchguard.prom"),
            ReportFormat::Sarif => Some("launchguard-report.sarif"),
            ReportFormat::Junit => Some("launchguard-report.junit.xml"),
            ReportFormat::Markdown => Some("launchguard-report.md"),
            ReportFormat::Html => Some("launchguard-report.html"),
        }
    }
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// terminal, json or markdown.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Terminal)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older JSON report.
    pub old: PathBuf,
    /// The newer JSON report.
    pub new: PathBuf,
    /// terminal, json or markdown.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Terminal)]
    pub format: ReportFormat,
    /// Exit 1 when a new failing finding has at least this severity (`none`: never).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Exit 0 instead of 2 when the newer report has new errors or old problems it could not
    /// re-check.
    #[arg(long)]
    pub allow_errors: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}
