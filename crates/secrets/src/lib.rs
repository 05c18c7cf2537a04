//! launchguard's secrets and PII engine (rules as data, offline validators) and log scanning.
//!
//! [`engine::Scanner`] works on bytes from anywhere; [`scan`] reads files, directories,
//! compressed logs and stdin with bounded memory; [`LogsAgent`] runs it for `[logs]`.

pub mod agent;
mod assigned;
mod config;
pub mod engine;
pub mod redact;
pub mod rules;
mod runs;
pub mod scan;
pub mod validate;

pub use agent::{AGENT, LogsAgent, LogsSpec, findings};
pub use config::LogsConfig;
pub use engine::{Encoding, Hit, Scanner};
pub use redact::{redact_finding, redact_text};
pub use rules::{CHECKS, RULES};
pub use scan::{
    Location, Occurrence, ScanOptions, ScanReport, Stop, Unscanned, scan_paths, scan_paths_until,
};
