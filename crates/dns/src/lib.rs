//! The DNS agent: records, e-mail authentication, delegation, DNSSEC, dangling records and
//! takeovers, for each configured apex domain.
//!
//! For each domain the agent gathers one [`observe::DomainView`] (questions through the
//! configured resolver, questions to each nameserver directly, DNSSEC validation from the trust
//! anchor), then every check judges that view offline. Checks that need another agent's results
//! (`dns.caa.issuer_mismatch`) leave their evidence for the runner, which correlates findings.

mod checks;
mod config;
pub mod dnssec;
pub mod email;
mod inventory;
pub mod observe;
pub mod takeover;
pub mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use launchguard_core::config::{Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, Finding, Registration, Target,
};

pub use checks::{CAA_ISSUER_MISMATCH, RUNNER_DECIDES};
pub use config::{DnsConfig, DnsDomain, Domain};

use crate::checks::{JUDGES, Judging, judge_every};
use crate::inventory::Inventory;
use crate::observe::Observer;
use crate::wire::Wire;

/// Every DNS check, in report order.
pub static CHECKS: LazyLock<Vec<&'static CheckDef>> =
    LazyLock::new(|| JUDGES.iter().map(|(def, _, _)| *def).collect());

/// The DNS agent, built from a validated `[dns]`.
#[derive(Debug)]
pub struct DnsAgent {
    domains: Vec<Domain>,
    resolver: SocketAddr,
    nameserver_override: Option<SocketAddr>,
    nameserver_port: u16,
    trust_anchor: Option<PathBuf>,
    inventory: Inventory,
    issuer_caa_domains: BTreeMap<String, String>,
    query_timeout: Duration,
}

/// The registration of `[dns]`.
pub struct DnsSpec;

pub static AGENT: Registration<DnsSpec> = Registration::new();

impl AgentSpec for DnsSpec {
    const NAME: &'static str = "dns";
    const ABOUT: &'static str = "DNS: resolution, CAA, SPF/DMARC/MTA-STS, delegation, AXFR, open \
                                 recursion, DNSSEC, dangling records, takeovers, wildcards, TTL/SOA";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = DnsConfig;
    type Validated = DnsAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS.as_slice()
    }

    fn validate(config: DnsConfig, cx: &SectionContext<'_>) -> Result<DnsAgent, Invalid> {
        config::validate(config, cx)
    }

    fn build(agent: DnsAgent) -> Arc<dyn Agent> {
        Arc::new(agent)
    }
}

impl Agent for DnsAgent {
    fn targets(&self) -> Vec<Target> {
        self.domains.iter().map(|d| d.target.clone()).collect()
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let observations = self.domains.iter().map(|domain| {
                // One observer per domain: it keeps the foreign records of that domain's answers.
                let observer = Observer {
                    wire: Wire {
                        scope: &ctx.scope,
                        timeout: self.query_timeout.min(ctx.scope.timeouts.request),
                    },
                    scope: Arc::clone(&ctx.scope),
                    resolver: self.resolver,
                    nameserver_override: self.nameserver_override,
                    nameserver_port: self.nameserver_port,
                    trust_anchor: self.trust_anchor.as_deref(),
                    foreign: Mutex::default(),
                };
                async move {
                    tracing::info!(domain = %domain.target.display, "examining DNS");
                    let view = observer.observe(domain).await;
                    let judging = Judging {
                        view: &view,
                        inventory: &self.inventory,
                        issuer_caa_domains: &self.issuer_caa_domains,
                    };
                    for finding in judge_every(&judging) {
                        ctx.report(finding);
                    }
                }
            });
            futures_util::future::join_all(observations).await;
        })
    }
}

/// The findings of every check for a view, for tests that build a view by hand.
pub fn judge_all(agent: &DnsAgent, view: &observe::DomainView) -> Vec<Finding> {
    let judging = Judging {
        view,
        inventory: &agent.inventory,
        issuer_caa_domains: &agent.issuer_caa_domains,
    };
    judge_every(&judging)
}

/// The findings of every check for a view, judged without an inventory or private issuers: for
/// views built by hand from hostile answers ([`observe::DomainView::unobserved`]).
pub fn judge_view(view: &observe::DomainView) -> Vec<Finding> {
    let judging = Judging {
        view,
        inventory: &Inventory::default(),
        issuer_caa_domains: &BTreeMap::new(),
    };
    judge_every(&judging)
}
