//! A lab of servers, the config that points the agent at them, and one agent run.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{EvidenceValue, Finding, Scope, Status, Timeouts, run_alone};
use launchguard_lab::tls::{self as lab, Authority, Leaf, LeafSpec, Reply};
use launchguard_tls::AGENT;
use rustls::pki_types::CertificateDer;
use tokio::net::TcpListener;

pub const GOOD_HSTS: &str = "max-age=63072000; includeSubDomains; preload";

/// Servers that live as long as the lab.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub root: Authority,
    pub intermediate: Authority,
    targets: Vec<String>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    servers: Vec<lab::OpensslServer>,
    peers: Vec<lab::OpensslServer>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// How one fixture's HTTPS server is built.
pub struct Site {
    pub name: &'static str,
    pub host: String,
    pub chain: Vec<CertificateDer<'static>>,
    pub leaf: Leaf,
    pub ocsp: bool,
    pub versions: &'static [&'static rustls::SupportedProtocolVersion],
    pub https_reply: Reply,
    /// `None`: no plain-HTTP server (the port is closed).
    pub http_reply: Option<Reply>,
    /// A second server on 127.0.0.2, same port, presenting this chain: a second address.
    pub edge: Option<(Vec<CertificateDer<'static>>, Leaf)>,
    pub extra: String,
}

impl Lab {
    pub fn new() -> Lab {
        let root = Authority::root("launchguard lab root");
        let intermediate = root.intermediate("launchguard lab intermediate");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), &root.pem).unwrap();
        Lab {
            dir,
            root,
            intermediate,
            targets: Vec::new(),
            tasks: Vec::new(),
            servers: Vec::new(),
            peers: Vec::new(),
        }
    }

    /// A clean site: full chain from the lab intermediate, stapled, TLS 1.2 and 1.3, good HSTS,
    /// a 301 from plain HTTP to the same host.
    pub fn clean(&self, name: &'static str, host: &str) -> Site {
        let leaf = self.intermediate.issue(&LeafSpec::for_names(&[host]));
        self.site_with(name, host, leaf)
    }

    pub fn site_with(&self, name: &'static str, host: &str, leaf: Leaf) -> Site {
        Site {
            name,
            host: host.to_owned(),
            chain: vec![leaf.cert.clone(), self.intermediate.cert.clone()],
            leaf,
            ocsp: true,
            versions: rustls::ALL_VERSIONS,
            https_reply: Reply::ok(&[("Strict-Transport-Security", GOOD_HSTS)]),
            http_reply: Some(Reply::redirect(301, "https://{request_host}:{https_port}/")),
            edge: None,
            extra: String::new(),
        }
    }

    /// Starts `site` and adds it to the configuration.
    pub async fn add(&mut self, site: Site) {
        let listening = lab::SiteServers {
            chain: site.chain,
            leaf: site.leaf,
            ocsp: site.ocsp,
            versions: site.versions,
            https_reply: site.https_reply,
            http_reply: site.http_reply,
            edge: site.edge,
        }
        .start()
        .await
        .unwrap();
        self.tasks.extend(listening.tasks);
        self.add_target_at(
            site.name,
            &site.host,
            &listening.addresses,
            listening.https_port,
            listening.http_port,
            &site.extra,
        );
    }

    pub fn add_target(&mut self, name: &str, host: &str, port: u16, http_port: u16, extra: &str) {
        self.add_target_at(name, host, &["127.0.0.1"], port, http_port, extra);
    }

    fn add_target_at(
        &mut self,
        name: &str,
        host: &str,
        addresses: &[&str],
        port: u16,
        http_port: u16,
        extra: &str,
    ) {
        let addresses: Vec<String> = addresses.iter().map(|a| format!("\"{a}\"")).collect();
        self.targets.push(format!(
            "[[tls.targets]]\nname = \"{name}\"\nhost = \"{host}\"\naddresses = [{}]\nport = {port}\nhttp_port = {http_port}\nca_file = \"ca.pem\"\n{extra}\n",
            addresses.join(", ")
        ));
    }

    /// Keeps a task alive as long as the lab.
    pub fn keep(&mut self, task: tokio::task::JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// A real legacy peer: see [`lab::openssl_legacy_server`].
    pub fn openssl_legacy(&mut self, host: &str, max_protocol: Option<&str>) -> u16 {
        which_openssl();
        let server = lab::openssl_legacy_server(self.dir.path(), host, max_protocol).unwrap();
        let port = server.port;
        self.servers.push(server);
        port
    }

    pub fn config(&self, scope_hosts: &[&str], extra_tls: &str) -> String {
        let hosts: Vec<String> = scope_hosts.iter().map(|h| format!("\"{h}\"")).collect();
        format!(
            "[scope]\nhosts = [{}]\n\n[tls]\n{extra_tls}\n{}",
            hosts.join(", "),
            self.targets.join("\n")
        )
    }
}

pub fn which_openssl() {
    let found = std::process::Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .status();
    assert!(
        found.is_ok_and(|s| s.success()),
        "openssl is not installed: scripts/test.sh installs it (apt-get install openssl)"
    );
}

/// The findings of one run, indexed by (check, target).
pub struct Run {
    pub findings: Vec<Finding>,
    scope: Arc<Scope>,
}

impl Run {
    pub fn get(&self, check: &str, target: &str) -> &Finding {
        self.findings
            .iter()
            .find(|f| f.check.as_str() == check && f.target.id == target)
            .unwrap_or_else(|| panic!("no {check} finding for {target}"))
    }

    /// Requests the run took from `host`'s budget.
    pub fn spent(&self, host: &str) -> u32 {
        self.scope.requests_spent(host)
    }

    pub fn status(&self, check: &str, target: &str) -> Status {
        self.get(check, target).status
    }
}

pub fn timeouts(request_ms: u64) -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(1_000),
        request: Duration::from_millis(request_ms),
        agent_deadline: Duration::from_secs(60),
    }
}

/// Runs the agent on `config` (written beside the lab's CA file) and checks that every
/// (check, target) pair got exactly one finding.
pub async fn run(dir: &Path, config: &str, timeouts: Timeouts) -> Run {
    run_with_budget(dir, config, timeouts, 500).await
}

/// [`run`] with `requests_per_host` as the budget.
pub async fn run_with_budget(dir: &Path, config: &str, timeouts: Timeouts, budget: u32) -> Run {
    let path = dir.join("launchguard.toml");
    std::fs::write(&path, config).unwrap();
    let loaded = LoadedConfig::parse(&path, config, &[&AGENT], &Environment::process())
        .unwrap_or_else(|e| panic!("{e}\n{config}"));
    let configured = loaded.agent("tls").expect("a [tls] section");
    let agent = configured.agent.as_ref();
    let hosts: Vec<String> = loaded
        .scope
        .hosts
        .iter()
        .map(|h| h.get_ref().clone())
        .collect();
    let scope = Arc::new(Scope::new(&hosts, budget, timeouts).unwrap());
    let findings = run_alone(agent, scope.clone(), timeouts.agent_deadline)
        .await
        .expect("the agent finished before its deadline");
    let mut seen = HashMap::new();
    for f in &findings {
        *seen
            .entry((f.check.clone(), f.target.id.clone()))
            .or_insert(0) += 1;
    }
    assert!(seen.values().all(|n| *n == 1), "duplicate findings");
    assert_eq!(
        findings.len(),
        agent.targets().len() * configured.checks().len(),
        "one finding per check and host"
    );
    Run { findings, scope }
}

/// Where a fixture listens, for peers built by hand.
pub async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

impl Lab {
    /// A real `openssl s_server` on a free loopback port presenting `leaf` (issued by the lab
    /// intermediate) and the intermediate, with `args` (protocol and cipher options) added.
    pub fn openssl_peer(&mut self, leaf: &Leaf, args: &[&str]) -> u16 {
        which_openssl();
        let dir = self.dir.path();
        let (cert, key, chain) = (
            dir.join(format!("peer{}.der", self.peers.len())),
            dir.join(format!("peer{}.key.der", self.peers.len())),
            dir.join("intermediate.pem"),
        );
        std::fs::write(&cert, &leaf.cert).unwrap();
        std::fs::write(&key, &leaf.key_pkcs8).unwrap();
        std::fs::write(&chain, &self.intermediate.pem).unwrap();
        let mut with_chain = vec!["-cert_chain", chain.to_str().expect("a UTF-8 temp path")];
        with_chain.extend_from_slice(args);
        let peer = lab::openssl_s_server(
            &["-certform", "DER", "-keyform", "DER"],
            &cert,
            &key,
            &with_chain,
        )
        .expect("openssl s_server starts and reports its port");
        let port = peer.port;
        self.peers.push(peer);
        port
    }
}

/// Fails when a finding's message or evidence shows a library's debug formatting
/// (`NotValidYetContext { time: UnixTime(..) }`, `Some(..)`, a bare Rust variant name) instead
/// of words.
pub fn assert_words_only(findings: &[Finding]) {
    const DEBUG_MARKS: &[&str] = &[
        "{ ", " }", "Context", "UnixTime", "Some(", "None", "Ok(", "Err(", "\\\"", "[\"",
    ];
    // Protocol and product names that are written in camel case.
    const NAMES: &[&str] = &["ClientHello", "ServerHello", "OpenSSL"];
    fn texts(value: &EvidenceValue, out: &mut Vec<String>) {
        match value {
            EvidenceValue::List(items) => items.iter().for_each(|item| texts(item, out)),
            other => out.push(other.to_string()),
        }
    }
    let mut wrong = Vec::new();
    for finding in findings {
        let mut all = vec![finding.message.clone()];
        finding
            .evidence
            .values()
            .for_each(|value| texts(value, &mut all));
        for text in all {
            let mark = DEBUG_MARKS.iter().find(|mark| text.contains(**mark));
            let variant = text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .find(|word| {
                    word.starts_with(|c: char| c.is_ascii_uppercase())
                        && word
                            .as_bytes()
                            .windows(2)
                            .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
                        && !NAMES.contains(word)
                });
            if let Some(found) = mark.copied().or(variant) {
                wrong.push(format!(
                    "{} on {}: `{found}` in {text}",
                    finding.check.as_str(),
                    finding.target.id
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "debug formatting:\n{}", wrong.join("\n"));
}
