use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{Agent, Finding, Scope, Status, Timeouts, run_alone};
use launchguard_lab::pg::LabDatabase;

/// A superuser URL on the test server: `LAUNCHGUARD_TEST_DATABASE_URL` (scripts/test.sh sets it),
/// else the development machines' 127.0.0.1:5432.
pub fn admin_url() -> String {
    std::env::var("LAUNCHGUARD_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into())
}

/// A lab database that is dropped however the test ends.
pub struct Lab(Option<LabDatabase>);

impl Lab {
    pub async fn new() -> Lab {
        let lab = LabDatabase::create(&admin_url())
            .await
            .unwrap_or_else(|e| panic!("no PostgreSQL to test against ({e}); run scripts/test.sh or set LAUNCHGUARD_TEST_DATABASE_URL"));
        Lab(Some(lab))
    }
}

impl std::ops::Deref for Lab {
    type Target = LabDatabase;
    fn deref(&self) -> &LabDatabase {
        self.0.as_ref().expect("present until dropped")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(lab) = self.0.take() {
            // Drop runs inside the test's runtime; clean up from a thread with its own.
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(lab.drop())
            })
            .join()
            .unwrap();
        }
    }
}

pub fn agent(
    lab: &LabDatabase,
    allow_writes: bool,
    extra: &str,
    url: String,
) -> (Arc<dyn Agent>, Arc<Scope>) {
    let text = format!(
        "[scope]\nhosts = [\"127.0.0.1\", \"localhost\", \"::1\"]\n\n{}",
        lab.config_section(URL_VAR, allow_writes, extra)
    );
    let agent = configure(&text, url);
    let t = Duration::from_secs(5);
    let scope = Scope::new(
        &["127.0.0.1".into(), "localhost".into()],
        100,
        Timeouts {
            connect: t,
            request: t,
            agent_deadline: Duration::from_secs(60),
        },
    )
    .unwrap();
    (agent, Arc::new(scope))
}

/// Runs the agent to the end and returns its findings.
/// The variable the test configurations name; its value is handed in through an [`Environment`].
pub const URL_VAR: &str = "LAUNCHGUARD_TEST_PROBE_URL";

/// The Postgres agent of configuration `text`, connecting to `url`.
pub fn configure(text: &str, url: String) -> Arc<dyn Agent> {
    let env = Environment::process().with_var(URL_VAR, url);
    let loaded = LoadedConfig::parse(
        Path::new("test.toml"),
        text,
        &[&launchguard_pg::AGENT],
        &env,
    )
    .unwrap_or_else(|e| panic!("{e}\n{text}"));
    loaded.agents[0].agent.clone()
}

pub async fn run(agent: &Arc<dyn Agent>, scope: Arc<Scope>) -> Vec<Finding> {
    run_alone(agent.as_ref(), scope, Duration::from_secs(60))
        .await
        .expect("the agent finishes")
}

pub fn failing<'a>(findings: &'a [Finding], check: &str) -> Vec<&'a str> {
    let mut objects: Vec<&str> = findings
        .iter()
        .filter(|f| f.check.as_str() == check && f.status == Status::Fail)
        .map(|f| f.target.id.split_once('/').map_or("", |(_, object)| object))
        .collect();
    objects.sort();
    objects
}
