//! `scripts/bench-dns.sh`: every DNS check on five lab domains (Knot, zones signed at run time),
//! next to checkdmarc's SPF and DMARC checks of the same domains against the same server, in the
//! same run. Prints both times, their ratio, and what each tool reports per domain.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{Finding, Scope, Status, Timeouts, run_alone};
use launchguard_lab::dns::start_lab;

const DOMAINS: [&str; 5] = [
    "clean.test",
    "lab.test",
    "bogus.test",
    "expiring.test",
    "mail.test",
];
const ROUNDS: usize = 5;

/// checkdmarc has no port option: the resolver it is handed is a dnspython Resolver whose port
/// is set to the lab's.
const CHECKDMARC: &str = r#"
import json, sys, time
import dns.resolver
from checkdmarc.spf import check_spf
from checkdmarc.dmarc import check_dmarc
port = int(sys.argv[1]); domains = sys.argv[2:]
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = ["127.0.0.1"]
resolver.port = port
out = {}
started = time.perf_counter()
for domain in domains:
    out[domain] = {"spf": check_spf(domain, resolver=resolver, timeout=2.0),
                   "dmarc": check_dmarc(domain, resolver=resolver, timeout=2.0)}
elapsed = time.perf_counter() - started
def brief(result):
    if result.get("error"):
        return "error: " + str(result["error"])[:110]
    warnings = result.get("warnings") or []
    text = "valid"
    if "record" in result and result["record"]:
        text += " (" + str(result["record"])[:60] + ")"
    if warnings:
        text += "; warnings: " + "; ".join(str(w)[:80] for w in warnings)
    return text
print(json.dumps({"seconds": elapsed, "domains": {d: {"spf": brief(r["spf"]), "dmarc": brief(r["dmarc"])} for d, r in out.items()}}))
"#;

async fn audit(section: &str) -> (Duration, Vec<Finding>) {
    let config = format!(
        "[scope]\nhosts = [\"127.0.0.1\", \"127.0.0.2\", \"127.0.0.3\"]\nrequests_per_host = 100000\n\n{section}"
    );
    let loaded = LoadedConfig::parse(
        Path::new("bench.toml"),
        &config,
        &[&launchguard_dns::AGENT],
        &Environment::process(),
    )
    .expect("the bench configuration loads");
    let agent = loaded.agent("dns").expect("[dns]").agent.clone();
    let hosts: Vec<String> = loaded
        .scope
        .hosts
        .iter()
        .map(|h| h.get_ref().clone())
        .collect();
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(2),
        agent_deadline: Duration::from_secs(60),
    };
    let scope = Arc::new(Scope::new(&hosts, 100_000, timeouts).unwrap());
    let started = Instant::now();
    let findings = run_alone(agent.as_ref(), scope, timeouts.agent_deadline)
        .await
        .expect("the agent finished");
    (started.elapsed(), findings)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let lab = start_lab(dir.path()).await.expect("the Knot lab starts (apt-get install knot ldnsutils)");
        let section = lab.config_section(&DOMAINS);
        let checks = launchguard_dns::CHECKS.len();
        let _ = audit(&section).await;
        let mut times = Vec::new();
        let mut findings = Vec::new();
        for _ in 0..ROUNDS {
            let (elapsed, found) = audit(&section).await;
            times.push(elapsed);
            findings = found;
        }
        times.sort();
        let ours = times[ROUNDS / 2];
        println!(
            "launchguard dns: {checks} checks x {} domains = {} findings, median of {ROUNDS} runs {:.1} ms (min {:.1}, max {:.1})",
            DOMAINS.len(),
            findings.len(),
            ours.as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[ROUNDS - 1].as_secs_f64() * 1e3
        );
        for domain in DOMAINS {
            let target = format!("dns:{domain}");
            let mut failing: Vec<String> = findings
                .iter()
                .filter(|f| f.target.id == target && f.status == Status::Fail)
                .map(|f| f.check.to_string())
                .collect();
            failing.sort();
            let errors = findings
                .iter()
                .filter(|f| f.target.id == target && f.status == Status::Error)
                .count();
            println!(
                "  {domain:<14} fails: {}{}",
                if failing.is_empty() { "nothing".to_owned() } else { failing.join(", ") },
                if errors > 0 { format!(" ({errors} errors)") } else { String::new() }
            );
        }

        let Some(python) = std::env::var_os("LAUNCHGUARD_CHECKDMARC_PYTHON") else {
            println!("checkdmarc: not run (LAUNCHGUARD_CHECKDMARC_PYTHON unset; scripts/bench-dns.sh installs it)");
            return;
        };
        let started = Instant::now();
        let output = Command::new(python)
            .arg("-c")
            .arg(CHECKDMARC)
            .arg(lab.port().to_string())
            .args(DOMAINS)
            .output()
            .expect("python runs");
        let wall = started.elapsed();
        if !output.status.success() {
            println!("checkdmarc failed: {}", String::from_utf8_lossy(&output.stderr));
            return;
        }
        let result: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("checkdmarc's JSON");
        let theirs = result["seconds"].as_f64().unwrap_or_default();
        println!(
            "checkdmarc 6 (SPF + DMARC only): {:.1} ms inside Python ({:.1} ms with interpreter start)",
            theirs * 1e3,
            wall.as_secs_f64() * 1e3
        );
        for domain in DOMAINS {
            let r = &result["domains"][domain];
            println!("  {domain:<14} spf: {}", r["spf"].as_str().unwrap_or_default());
            println!("  {:<14} dmarc: {}", "", r["dmarc"].as_str().unwrap_or_default());
        }
        println!(
            "ratio: launchguard's {checks} checks take {:.2}x the time of checkdmarc's SPF+DMARC checks alone",
            ours.as_secs_f64() / theirs
        );
    });
}
