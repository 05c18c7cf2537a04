//! The trait every agent implements, and what the runner hands it.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use toml::Spanned;
use toml::de::{DeValue, ValueDeserializer};

use crate::check::CheckDef;
use crate::config::{Invalid, SectionContext};
use crate::finding::{Finding, Target};
use crate::scope::Scope;

pub type AgentFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A family of checks that runs against the targets of one config section, once configured.
///
/// The runner calls [`Agent::run`] under the agent's deadline and cancels it (drops the future and
/// fires [`AgentContext::cancel`]) when the deadline passes. Every `(check, target)` pair of the
/// agent's checks x [`Agent::targets`] that has no finding by then becomes an `error`: an agent
/// that forgets a check fails closed instead of passing silently.
///
/// Agents that discover what they examine (tables of a database) declare the container (`pg:main`)
/// and report on what they found below it with IDs under it (`pg:main/public.invoices`); a finding
/// below a declared target concludes the check for it.
pub trait Agent: Send + Sync {
    /// The targets this run will examine, known before it starts.
    fn targets(&self) -> Vec<Target>;
    /// Examines every target and reports one finding per check and target through `ctx`.
    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a>;
    /// This agent limited to the targets `keep` accepts, for `launchguard audit --shard`; `None`
    /// (the default) when its targets are judged together (certificates shared across hosts,
    /// secrets counted across files), so that the whole agent runs in one shard.
    fn only_targets(&self, _keep: &dyn Fn(&Target) -> bool) -> Option<Arc<dyn Agent>> {
        None
    }
}

/// What an agent crate declares, once: its name, its config section, its checks and how a
/// validated section becomes an [`Agent`]. Everything else (the registry, `--only`, the starter
/// config, the config reference, the help text) is derived from the runner's list of these.
pub trait AgentSpec: 'static {
    /// The config section and the word `--only` / `--skip` use.
    const NAME: &'static str;
    /// One line: what the agent verifies.
    const ABOUT: &'static str;
    /// Markdown for the config reference: how the agent works, safety, an example.
    const GUIDE: &'static str;
    /// The section as `launchguard init` writes it: commented TOML that contacts nothing until
    /// edited.
    const STARTER: &'static str;
    /// The section as written (serde, with spans where validation needs them).
    type Config: DeserializeOwned + JsonSchema;
    /// The section after validation: parsed types only (URLs, addresses, resolved paths).
    type Validated;
    /// The checks the agent judges on each of its targets.
    fn checks() -> &'static [&'static CheckDef];
    /// Checks what serde cannot and parses what the agent needs, pointing at the exact value.
    fn validate(config: Self::Config, cx: &SectionContext<'_>) -> Result<Self::Validated, Invalid>;
    /// The agent for a validated section.
    fn build(validated: Self::Validated) -> Arc<dyn Agent>;
}

/// An [`AgentSpec`] with its types erased, so that the runner can keep one list of agents.
pub trait AgentKind: Sync {
    fn name(&self) -> &'static str;
    fn about(&self) -> &'static str;
    fn guide(&self) -> &'static str;
    fn starter(&self) -> &'static str;
    fn checks(&self) -> &'static [&'static CheckDef];
    /// The section's JSON Schema, its definitions collected in `generator`.
    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema;
    /// Deserializes, validates and builds the agent of one section.
    fn configure(
        &self,
        section: Spanned<DeValue<'_>>,
        cx: &SectionContext<'_>,
    ) -> Result<Arc<dyn Agent>, Invalid>;
}

/// The registration of an agent crate: `pub static AGENT: Registration<MySpec> = Registration::new();`
pub struct Registration<S>(PhantomData<fn() -> S>);

impl<S> Registration<S> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Registration(PhantomData)
    }
}

impl<S: AgentSpec> AgentKind for Registration<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }
    fn about(&self) -> &'static str {
        S::ABOUT
    }
    fn guide(&self) -> &'static str {
        S::GUIDE
    }
    fn starter(&self) -> &'static str {
        S::STARTER
    }
    fn checks(&self) -> &'static [&'static CheckDef] {
        S::checks()
    }
    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<S::Config>()
    }
    fn configure(
        &self,
        section: Spanned<DeValue<'_>>,
        cx: &SectionContext<'_>,
    ) -> Result<Arc<dyn Agent>, Invalid> {
        let whole = section.span();
        let config = S::Config::deserialize(ValueDeserializer::from(section))
            .map_err(|e| Invalid::new(e.span().unwrap_or(whole), e.message()))?;
        S::validate(config, cx).map(S::build)
    }
}

/// One configured agent: its name and checks (from its registration) and the agent itself.
#[derive(Clone)]
pub struct ConfiguredAgent {
    name: &'static str,
    checks: &'static [&'static CheckDef],
    pub agent: Arc<dyn Agent>,
}

impl ConfiguredAgent {
    pub fn new(
        name: &'static str,
        checks: &'static [&'static CheckDef],
        agent: Arc<dyn Agent>,
    ) -> Self {
        ConfiguredAgent {
            name,
            checks,
            agent,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn checks(&self) -> &'static [&'static CheckDef] {
        self.checks
    }
}

/// What an agent gets from the runner: scope, deadline, cancellation and a place for findings.
pub struct AgentContext {
    pub scope: Arc<Scope>,
    pub deadline: Instant,
    pub cancel: CancellationToken,
    sink: mpsc::UnboundedSender<Finding>,
}

impl AgentContext {
    pub fn new(
        scope: Arc<Scope>,
        deadline: Instant,
        cancel: CancellationToken,
        sink: mpsc::UnboundedSender<Finding>,
    ) -> Self {
        AgentContext {
            scope,
            deadline,
            cancel,
            sink,
        }
    }

    /// Hands one finding to the runner as soon as it is known, so that findings reported before a
    /// deadline survive it.
    pub fn report(&self, finding: Finding) {
        // The receiver lives as long as the run; a closed channel means the run is being torn
        // down, and the finding has nowhere useful to go.
        let _ = self.sink.send(finding);
    }
}

/// Runs one agent on its own, without the runner's bookkeeping (no fail-closed filling), and
/// returns what it reported; `None` when it had not finished within `deadline`. For tests and
/// benchmarks of a single agent.
pub async fn run_alone(
    agent: &dyn Agent,
    scope: Arc<Scope>,
    deadline: std::time::Duration,
) -> Option<Vec<Finding>> {
    let (sink, mut received) = mpsc::unbounded_channel();
    let ctx = AgentContext::new(
        scope,
        Instant::now() + deadline,
        CancellationToken::new(),
        sink,
    );
    let finished = tokio::time::timeout(deadline, agent.run(&ctx))
        .await
        .is_ok();
    drop(ctx);
    let mut findings = Vec::new();
    while let Some(finding) = received.recv().await {
        findings.push(finding);
    }
    finished.then_some(findings)
}
