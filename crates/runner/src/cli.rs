//! Every command and flag, with the help text `launchguard --help` prints.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use launchguard_core::Severity;

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
    /// Run only these agents (repeatable), e.g. --only health; `launchguard --help` lists them.
    #[arg(long, value_name = "AGENT")]
    pub only: Vec<String>,
    /// Do not run these agents (repeatable).
    #[arg(long, value_name = "AGENT")]
    pub skip: Vec<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the lab's configuration and reports are written.
    #[arg(long, default_value = "launchguard-demo")]
    pub output_dir: PathBuf,
    /// Report formats (repeatable). Default: every format.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    pub formats: Vec<ReportFormat>,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report formats (repeatable); files go to --output-dir as launchguard-report.<ext>.
    #[arg(long = "format", value_enum, value_name = "FORMAT", default_values_t = [ReportFormat::Terminal])]
    pub formats: Vec<ReportFormat>,
    /// Directory for report files (created when missing).
    #[arg(long, default_value = ".")]
    pub output_dir: PathBuf,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    /// Exit 1 when a failing finding has at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub fail_on: Severity,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum ReportFormat {
    Terminal,
    Json,
    Sarif,
    Junit,
    Markdown,
    Html,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 6] = [
        ReportFormat::Terminal,
        ReportFormat::Json,
        ReportFormat::Sarif,
        ReportFormat::Junit,
        ReportFormat::Markdown,
        ReportFormat::Html,
    ];

    /// The report file's name, for the formats written to files.
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            ReportFormat::Terminal => None,
            ReportFormat::Json => Some("launchguard-report.json"),
            ReportFormat::Sarif => Some("launchguard-report.sarif"),
            ReportFormat::Junit => Some("launchguard-report.junit.xml"),
            ReportFormat::Markdown => Some("launchguard-report.md"),
            ReportFormat::Html => Some("launchguard-report.html"),
        }
    }
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
    pub format: CatalogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older JSON report.
    pub old: PathBuf,
    /// The newer JSON report.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
    pub format: CatalogFormat,
    /// Exit 1 when a new failing finding has at least this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Exit 0 instead of 2 when the newer report has new errors or old problems it could not
    /// re-check.
    #[arg(long)]
    pub allow_errors: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}
