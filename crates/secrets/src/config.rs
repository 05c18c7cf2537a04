//! `[logs]`: where the logs are and which files to read, validated into resolved paths and
//! compiled globs.

use std::num::NonZeroU64;

use launchguard_core::config::{Invalid, SectionContext};
use launchguard_core::{Target, TargetKind};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::agent::LogsAgent;
use crate::scan::ScanOptions;

fn default_max_expansion() -> NonZeroU64 {
    NonZeroU64::new(200).expect("non-zero")
}

/// `[logs]`: where the logs are and which files to read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// Files or directories (read recursively), relative to the configuration file's directory;
    /// gzip and zstd files are decompressed.
    #[schemars(with = "Vec<String>")]
    pub paths: Vec<Spanned<String>>,
    /// Globs a file inside a directory must match, e.g. `["*.log", "*.log.*"]`. Empty: every file.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub include: Vec<Spanned<String>>,
    /// Globs that exclude files inside directories.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude: Vec<Spanned<String>>,
    /// Threads for scanning, at most one per core; 0 uses every core.
    #[serde(default)]
    pub threads: u32,
    /// Decompression stops beyond this many times a file's compressed size (a bomb guard); the
    /// file is then reported as not fully scanned.
    #[serde(default = "default_max_expansion")]
    pub max_expansion: NonZeroU64,
}

pub(crate) fn validate(config: LogsConfig, cx: &SectionContext<'_>) -> Result<LogsAgent, Invalid> {
    if config.paths.is_empty() {
        return Err(cx.invalid("[logs].paths is empty: name the log files or directories to scan"));
    }
    for pattern in config.include.iter().chain(&config.exclude) {
        globset::Glob::new(pattern.get_ref())
            .map_err(|e| Invalid::at(pattern, format!("glob `{}`: {e}", pattern.get_ref())))?;
    }
    let roots = config
        .paths
        .iter()
        .map(|path| {
            let resolved = cx.path(path.get_ref().as_ref());
            let target = Target::new(
                format!("logs:{}", path.get_ref()),
                TargetKind::File,
                resolved.display().to_string(),
            )
            .declared_at(cx.line_of(path.span().start));
            (resolved, target)
        })
        .collect();
    let options = ScanOptions {
        include: config.include.iter().map(|g| g.get_ref().clone()).collect(),
        exclude: config.exclude.iter().map(|g| g.get_ref().clone()).collect(),
        threads: config.threads as usize,
        max_expansion: config.max_expansion.get(),
    };
    Ok(LogsAgent { roots, options })
}
