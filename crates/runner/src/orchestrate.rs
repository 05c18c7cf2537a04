//! Runs agents concurrently, each under its deadline, and makes sure every `(check, target)` pair
//! ends with a finding: what an agent did not conclude becomes `error`, never a silent pass.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use launchguard_core::{AgentContext, ConfiguredAgent, Finding, Scope, Target};

use crate::report::Timings;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How an agent's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Completed,
    DeadlineExceeded,
    Interrupted,
    Crashed,
}

/// The progress bar and the agents still running, named in its message.
#[derive(Clone)]
struct Progress {
    bar: ProgressBar,
    running: Arc<Mutex<BTreeSet<&'static str>>>,
}

impl Progress {
    fn finished(&self, agent: &'static str) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.remove(agent);
        self.bar.set_message(running_message(&running));
    }
}

fn running_message(running: &BTreeSet<&'static str>) -> String {
    let names: Vec<&str> = running.iter().copied().collect();
    format!("running: {}", names.join(", "))
}

/// Runs every agent at once and returns all findings, one per check and target at least, with
/// how long each agent ran and when each check concluded.
pub async fn run_agents(
    agents: Vec<ConfiguredAgent>,
    scope: Arc<Scope>,
    cancel: CancellationToken,
    progress: Option<ProgressBar>,
) -> (Vec<Finding>, Timings) {
    if let Some(bar) = &progress {
        let total: usize = agents
            .iter()
            .map(|a| a.checks().len() * a.agent.targets().len())
            .sum();
        bar.set_length(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} checks {elapsed} · {msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    let progress = progress.map(|bar| {
        let running: BTreeSet<&'static str> = agents.iter().map(|a| a.name()).collect();
        bar.set_message(running_message(&running));
        Progress {
            bar,
            running: Arc::new(Mutex::new(running)),
        }
    });
    let tasks: Vec<_> = agents
        .into_iter()
        .map(|agent| {
            let scope = Arc::clone(&scope);
            let cancel = cancel.clone();
            let progress = progress.clone();
            let name = agent.name();
            let planned_agent = agent.clone();
            let task = tokio::spawn(run_one(agent, scope, cancel, progress));
            (name, planned_agent, task)
        })
        .collect();
    let mut findings = Vec::new();
    let mut timings = Timings::default();
    for (name, agent, task) in tasks {
        let (mut found, ending) = match task.await {
            Ok(Ran {
                findings,
                ending,
                elapsed_ms,
                checks,
            }) => {
                timings.agents.insert(name.to_owned(), elapsed_ms);
                for (check, ms) in checks {
                    let slowest = timings.checks.entry(check).or_default();
                    *slowest = (*slowest).max(ms);
                }
                (findings, ending)
            }
            Err(join_error) => {
                tracing::error!(agent = name, "agent crashed: {join_error}");
                if let Some(progress) = &progress {
                    progress.finished(name);
                }
                (Vec::new(), Ending::Crashed)
            }
        };
        fill_missing(
            &agent,
            &mut found,
            ending,
            scope.timeouts.agent_deadline.as_secs(),
        );
        findings.extend(found);
    }
    if let Some(progress) = progress {
        progress.bar.finish_and_clear();
    }
    (findings, timings)
}

/// What one agent's run produced.
struct Ran {
    findings: Vec<Finding>,
    ending: Ending,
    elapsed_ms: u64,
    /// Per check ID: milliseconds from the agent's start to the check's last finding.
    checks: Vec<(String, u64)>,
}

async fn run_one(
    agent: ConfiguredAgent,
    scope: Arc<Scope>,
    cancel: CancellationToken,
    progress: Option<Progress>,
) -> Ran {
    let started = Instant::now();
    let since_start = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut concluded: std::collections::BTreeMap<String, u64> = Default::default();
    let deadline = Instant::now() + scope.timeouts.agent_deadline;
    let (sink, mut received) = mpsc::unbounded_channel();
    let ctx = AgentContext::new(scope, deadline, cancel.child_token(), sink);
    tracing::info!(
        agent = agent.name(),
        targets = agent.agent.targets().len(),
        "agent started"
    );
    let mut findings = Vec::new();
    let ending = {
        let run = agent.agent.run(&ctx);
        tokio::pin!(run);
        loop {
            tokio::select! {
                biased;
                Some(finding) = received.recv() => {
                    if let Some(progress) = &progress {
                        progress.bar.inc(1);
                    }
                    concluded.insert(finding.check.to_string(), since_start());
                    findings.push(finding);
                }
                () = &mut run => break Ending::Completed,
                () = tokio::time::sleep_until(deadline) => break Ending::DeadlineExceeded,
                () = cancel.cancelled() => break Ending::Interrupted,
            }
        }
    };
    ctx.cancel.cancel();
    drop(ctx);
    while let Some(finding) = received.recv().await {
        concluded.insert(finding.check.to_string(), since_start());
        findings.push(finding);
    }
    tracing::info!(
        agent = agent.name(),
        findings = findings.len(),
        ?ending,
        "agent ended"
    );
    if let Some(progress) = &progress {
        progress.finished(agent.name());
    }
    Ran {
        findings,
        ending,
        elapsed_ms: since_start(),
        checks: concluded.into_iter().collect(),
    }
}

/// Gives every `(check, target)` pair without a finding an `error` that says why. A finding on a
/// target discovered below a declared one concludes the pair.
fn fill_missing(
    agent: &ConfiguredAgent,
    findings: &mut Vec<Finding>,
    ending: Ending,
    deadline_secs: u64,
) {
    let reason = match ending {
        Ending::Completed => {
            "not verified: the agent ended without a result for this check (a launchguard bug; \
                              reported so that nothing passes unseen)"
                .to_owned()
        }
        Ending::DeadlineExceeded => format!(
            "not verified: the {} agent's deadline ({deadline_secs} s, [scope].agent_deadline_secs) ran out first",
            agent.name()
        ),
        Ending::Interrupted => "not verified: the run was interrupted".to_owned(),
        Ending::Crashed => format!(
            "not verified: the {} agent crashed (see the log)",
            agent.name()
        ),
    };
    let targets: Vec<Target> = agent.agent.targets();
    let mut missing = Vec::new();
    for check in agent.checks() {
        for target in &targets {
            let concluded = findings
                .iter()
                .any(|f| f.check.as_str() == check.id && target.covers(&f.target));
            if !concluded {
                missing.push(Finding::error(check, target.clone(), reason.clone()));
            }
        }
    }
    findings.extend(missing);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use launchguard_core::{Agent, AgentFuture, CheckDef, Severity, Status, TargetKind, Timeouts};

    use super::*;

    static FIRST: CheckDef = CheckDef {
        id: "test.first",
        agent: "test",
        title: "first",
        severity: Severity::High,
        what: "w",
        why: "y",
        fix: "f",
        references: &[],
    };
    static SECOND: CheckDef = CheckDef {
        id: "test.second",
        ..FIRST
    };
    static CHECKS: &[&CheckDef] = &[&FIRST, &SECOND];

    /// Passes `test.first` at once, then does `then`.
    struct Partial {
        then: fn() -> AgentFuture<'static>,
    }

    fn target() -> Target {
        Target::new("t:1", TargetKind::Host, "t1")
    }

    fn partial(then: fn() -> AgentFuture<'static>) -> ConfiguredAgent {
        ConfiguredAgent::new("test", CHECKS, Arc::new(Partial { then }))
    }

    impl Agent for Partial {
        fn targets(&self) -> Vec<Target> {
            vec![target()]
        }
        fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
            Box::pin(async move {
                ctx.report(Finding::pass(&FIRST, target(), "seen"));
                (self.then)().await;
            })
        }
    }

    fn scope(deadline: Duration) -> Arc<Scope> {
        let t = Duration::from_secs(1);
        Arc::new(
            Scope::new(
                &["127.0.0.1".into()],
                1,
                Timeouts {
                    connect: t,
                    request: t,
                    agent_deadline: deadline,
                },
            )
            .unwrap(),
        )
    }

    async fn run(then: fn() -> AgentFuture<'static>, cancel: CancellationToken) -> Vec<Finding> {
        let (mut findings, timings) = run_agents(
            vec![partial(then)],
            scope(Duration::from_millis(300)),
            cancel,
            None,
        )
        .await;
        if let Some(ms) = timings.agents.get("test") {
            assert!(timings.checks["test.first"] <= *ms, "{timings:?}");
        }
        findings.sort_by(|a, b| a.check.cmp(&b.check));
        findings
    }

    #[tokio::test]
    async fn each_agent_and_check_is_timed() {
        let (_, timings) = run_agents(
            vec![partial(|| {
                Box::pin(tokio::time::sleep(Duration::from_millis(50)))
            })],
            scope(Duration::from_secs(5)),
            CancellationToken::new(),
            None,
        )
        .await;
        assert!(timings.agents["test"] >= 50, "{timings:?}");
        assert!(
            timings.checks["test.first"] < timings.agents["test"],
            "{timings:?}"
        );
    }

    #[tokio::test]
    async fn a_forgotten_check_becomes_an_error() {
        let findings = run(|| Box::pin(async {}), CancellationToken::new()).await;
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].status, Status::Pass);
        assert_eq!(findings[1].status, Status::Error);
        assert!(findings[1].message.contains("launchguard bug"));
    }

    #[tokio::test]
    async fn the_deadline_stops_a_hanging_agent_and_keeps_what_it_found() {
        let findings = run(
            || Box::pin(std::future::pending()),
            CancellationToken::new(),
        )
        .await;
        assert_eq!(findings[0].status, Status::Pass);
        assert_eq!(findings[1].status, Status::Error);
        assert!(
            findings[1].message.contains("deadline"),
            "{}",
            findings[1].message
        );
    }

    #[test]
    fn a_finding_below_a_declared_target_concludes_it() {
        let below = target().child("public.t", TargetKind::Table, "db:public.t");
        let mut findings = vec![Finding::fail(&FIRST, below, "found")];
        fill_missing(
            &partial(|| Box::pin(async {})),
            &mut findings,
            Ending::Completed,
            1,
        );
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[1].check.as_str(), "test.second");
        assert_eq!(findings[1].status, Status::Error);
    }

    #[tokio::test]
    async fn a_crashing_agent_fails_closed() {
        let findings = run(
            || Box::pin(async { panic!("agent bug") }),
            CancellationToken::new(),
        )
        .await;
        assert!(
            findings
                .iter()
                .any(|f| f.status == Status::Error && f.message.contains("crashed"))
        );
        assert!(
            findings
                .iter()
                .all(|f| f.check.as_str() != "test.second" || f.status == Status::Error)
        );
    }

    #[tokio::test]
    async fn interruption_reports_the_rest_as_errors() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let findings = run(|| Box::pin(std::future::pending()), cancel).await;
        let second = findings
            .iter()
            .find(|f| f.check.as_str() == "test.second")
            .unwrap();
        assert_eq!(second.status, Status::Error);
        assert!(second.message.contains("interrupted"));
    }
}
