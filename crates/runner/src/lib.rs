//! The `launchguard` binary: CLI, configuration, orchestration, reports and weekly-audit tooling.

pub mod agents;
pub mod audit;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod correlate;
pub mod demo;
pub mod logging;
pub mod merge;
pub mod orchestrate;
pub mod reference;
pub mod report;

use std::io::IsTerminal;
use std::process::ExitCode;

use cli::{ColorChoice, Command};
use report::{EXIT_UNVERIFIED, EXIT_USAGE};

/// A usage or configuration mistake: exit 64.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// Parses the command line, runs the command and maps its result to an exit code.
pub fn main() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE as u8 } else { 0 });
        }
    };
    logging::init(cli.verbose);
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    match run(cli.command, color) {
        Ok(code) => ExitCode::from(code as u8),
        Err(error) => {
            if error.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // Errors quote files, peers and arguments: through the one door to a terminal.
            // ... and through the redaction every finding gets: an error can quote a peer's answer.
            report::escape::print_stderr(&launchguard_secrets::redact_text(&format!(
                "error: {error:#}\n"
            )));
            let code = if error.downcast_ref::<UsageError>().is_some() {
                EXIT_USAGE
            } else {
                EXIT_UNVERIFIED
            };
            ExitCode::from(code as u8)
        }
    }
}

fn run(command: Command, color: bool) -> anyhow::Result<i32> {
    match command {
        Command::Audit(args) => audit::audit(args, color),
        Command::Demo(args) => demo::demo(args, color),
        Command::Checks(args) => catalog::checks(args.format),
        Command::Merge(args) => merge::merge_command(args, color),
        Command::Completions { shell } => {
            let mut command = cli::command();
            clap_complete::generate(shell, &mut command, "launchguard", &mut std::io::stdout());
            Ok(report::EXIT_OK)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cli::command()).render(&mut page)?;
            std::io::Write::write_all(&mut std::io::stdout().lock(), &page)?;
            Ok(report::EXIT_OK)
        }
        Command::Explain { id } => catalog::explain(&id),
        Command::Init { path, force } => catalog::init(&path, force),
        Command::Diff(args) => audit::diff(args, color),
        Command::ScanLogs(args) => audit::scan_logs(args, color),
    }
}
