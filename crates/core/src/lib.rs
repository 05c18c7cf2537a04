//! launchguard's model, shared by every agent and the runner.
//!
//! - [`check`]: check IDs, severities and the registry of documented checks;
//! - [`finding`]: what a check concludes about one target, with redacted evidence;
//! - [`redact`]: the only way a secret may appear in evidence;
//! - [`scope`]: which hosts may be contacted, how often and for how long;
//! - [`agent`]: the async trait every agent implements, and how an agent crate registers;
//! - [`config`]: `launchguard.toml`: `[scope]`, the loader that hands each agent its section, and
//!   errors with line and column.

pub mod agent;
pub mod check;
pub mod config;
pub mod finding;
pub mod redact;
pub mod scope;
pub mod text;

pub use agent::{
    Agent, AgentContext, AgentFuture, AgentKind, AgentSpec, ConfiguredAgent, Registration,
    run_alone,
};
pub use check::{CheckDef, CheckId, Registry, RegistryError, Severity};
pub use finding::{
    BaselineState, Evidence, EvidenceValue, Finding, Status, Suppressed, Target, TargetKind,
};
pub use redact::Redacted;
pub use scope::{Scope, ScopeError, Timeouts};
