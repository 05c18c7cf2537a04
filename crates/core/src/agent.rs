//! The trait every agent implements, and what the runner hands it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::check::CheckDef;
use crate::finding::{Finding, Target};
use crate::scope::Scope;

pub type AgentFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A family of checks that runs against the targets of one config section.
///
/// The runner calls [`Agent::run`] under the agent's deadline and cancels it (drops the future and
/// fires [`AgentContext::cancel`]) when the deadline passes. Every `(check, target)` pair of
/// [`Agent::checks`] x [`Agent::targets`] that has no finding by then becomes an `error`: an agent
/// that forgets a check fails closed instead of passing silently.
///
/// Agents that discover what they examine (tables of a database) declare the container (`pg:main`)
/// and report on what they found below it with IDs under it (`pg:main/public.invoices`); a finding
/// below a declared target concludes the check for it.
pub trait Agent: Send + Sync {
    /// The name `--only` and `--skip` use, and the config section.
    fn name(&self) -> &'static str;
    /// The checks this agent judges on each of its targets.
    fn checks(&self) -> &'static [&'static CheckDef];
    /// The targets this run will examine, known before it starts.
    fn targets(&self) -> Vec<Target>;
    /// Examines every target and reports one finding per check and target through `ctx`.
    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a>;
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
