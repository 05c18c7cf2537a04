//! The rate-limit probe and the cross-tenant probes (3 tenants x 5 selectors x 20 resources)
//! against the in-process lab API, timed and counted: wall time, requests sent per check against
//! its cap (counted by the lab servers), and, as the baseline, the same number of GETs sent one at a time by a bare reqwest
//! client in the same run. Run through scripts/bench-tenant.sh.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{AgentKind, Finding, Scope, Status, Timeouts, run_alone};
use launchguard_lab::{ratelimit, tenants};

const TENANTS: usize = 3;
const RESOURCES: usize = 20;

async fn run(
    kind: &'static dyn AgentKind,
    config: &str,
    env: &Environment,
) -> (Vec<Finding>, Duration) {
    let loaded = LoadedConfig::parse(Path::new("bench.toml"), config, &[kind], env)
        .unwrap_or_else(|e| panic!("{e}"));
    let agent = loaded
        .agent(kind.name())
        .expect("the section")
        .agent
        .clone();
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(5),
        agent_deadline: Duration::from_secs(60),
    };
    let hosts = [
        "127.0.0.1".to_owned(),
        format!("*.{}", tenants::SUBDOMAIN_BASE),
    ];
    let scope = Arc::new(Scope::new(&hosts, 100_000, timeouts).unwrap());
    let started = Instant::now();
    let findings = run_alone(agent.as_ref(), scope, timeouts.agent_deadline)
        .await
        .expect("finished in time");
    (findings, started.elapsed())
}

fn line(what: &str, sent: usize, cap: usize) -> bool {
    let within = sent <= cap;
    println!(
        "  {what:<44} {sent:>5} requests (cap {cap:>5}) {}",
        if within { "ok" } else { "OVER THE CAP" }
    );
    within
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut within_caps = true;
    let limits = ratelimit::start().await.unwrap();
    let rate_config = format!(
        "[scope]\nhosts = [\"127.0.0.1\"]\n[ratelimit]\n\
         [[ratelimit.endpoints]]\nname = \"unlimited\"\nurl = \"http://{a}/unlimited\"\nmethod = \"POST\"\nexpected_limit = 20\nconcurrency = 4\n\
         [[ratelimit.endpoints]]\nname = \"limited\"\nurl = \"http://{a}/limit/20\"\nmethod = \"POST\"\nexpected_limit = 20\nconcurrency = 4\n",
        a = limits.addr
    );
    let (findings, rate_wall) = run(
        &launchguard_http::ratelimit::AGENT,
        &rate_config,
        &Environment::process(),
    )
    .await;
    println!("rate-limit probe: {} ms wall", rate_wall.as_millis());
    within_caps &= line(
        "ratelimit (limited at 20, expected 20)",
        limits.counters.on("/limit/20"),
        25,
    );
    within_caps &= line(
        "ratelimit (unlimited, expected 20)",
        limits.counters.on("/unlimited"),
        25,
    );
    let status = |check: &str, target: &str| {
        findings
            .iter()
            .find(|f| f.check.as_str() == check && f.target.id == target)
            .map(|f| f.status)
    };
    assert_eq!(
        status("ratelimit.absent", "ratelimit:limited"),
        Some(Status::Pass)
    );
    assert_eq!(
        status("ratelimit.absent", "ratelimit:unlimited"),
        Some(Status::Fail)
    );

    let lab = tenants::start(TENANTS, RESOURCES).await.unwrap();
    let selectors: Vec<(String, &str)> = tenants::SELECTORS
        .iter()
        .map(|(kind, _)| (format!("flawed-{kind}"), *kind))
        .collect();
    let listed: Vec<(&str, &str, &str)> = selectors
        .iter()
        .map(|(name, kind)| (name.as_str(), "flawed", *kind))
        .collect();
    let config = format!(
        "[scope]\nhosts = [\"127.0.0.1\", \"*.{}\"]\n{}",
        tenants::SUBDOMAIN_BASE,
        lab.section(&listed)
            .replace("[tenants]\n", "[tenants]\nconcurrency = 16\n")
    );
    let env = lab
        .env_vars()
        .into_iter()
        .fold(Environment::process(), |env, (k, v)| env.with_var(k, v));
    let (findings, tenant_wall) = run(&launchguard_http::tenants::AGENT, &config, &env).await;
    let failed = findings.iter().filter(|f| f.status == Status::Fail).count();
    let errors = findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .count();
    let per_selector = TENANTS * RESOURCES;
    println!(
        "cross-tenant probes ({TENANTS} tenants x {} selectors x {RESOURCES} resources): {} ms wall, {failed} failing findings, {errors} errors",
        selectors.len(),
        tenant_wall.as_millis()
    );
    let planned = selectors.len() * per_selector * (TENANTS + 1);
    // Counted by the lab API from each request's credentials and the tenant it selected.
    let (own, other, anonymous) = lab.requests_by_asker();
    let per_kind = selectors.len() * per_selector;
    within_caps &= line("tenant.http_control_failed (own tenant)", own, per_kind);
    within_caps &= line(
        "tenant.cross_access.* (another tenant)",
        other,
        per_kind * (TENANTS - 1),
    );
    within_caps &= line(
        "tenant.unauthenticated_access (no credentials)",
        anonymous,
        per_kind,
    );
    within_caps &= line(
        "tenants agent, as counted by the lab API",
        lab.requests(),
        planned,
    );

    // Baseline: the same number of GETs, one at a time, from a bare reqwest client.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("http://{}/flawed/h/notes/acme-n1", lab.addr);
    let token = &lab.tenants[0].token;
    let started = Instant::now();
    for _ in 0..planned {
        let response = client
            .get(&url)
            .header("authorization", format!("Bearer {token}"))
            .header("x-tenant-id", "acme")
            .send()
            .await
            .unwrap();
        let _ = response.bytes().await.unwrap();
    }
    let baseline = started.elapsed();
    println!(
        "baseline: {planned} sequential GETs with bare reqwest: {} ms; the agent took {:.2}x that time",
        baseline.as_millis(),
        tenant_wall.as_secs_f64() / baseline.as_secs_f64()
    );
    let total = rate_wall + tenant_wall;
    println!(
        "total wall time: {} ms (goal: under 2000 ms); caps: {}",
        total.as_millis(),
        if within_caps {
            "never exceeded"
        } else {
            "EXCEEDED"
        }
    );
    assert!(within_caps, "a probe sent more requests than its cap");
}
