//! Cross-tenant probes over HTTP: with tenant A's credentials, ask for tenant B's resources through
//! every way the application chooses a tenant (header, subdomain, cookie, path, query), and judge
//! by B's canary in the answer, never by the status alone.
//!
//! Per selector, three kinds of requests, all GET:
//! - the positive control: each account reads its own resources and must see its own canary, else
//!   the selector's verdicts rest on nothing (`tenant.http_control_failed`, status `error`);
//! - the attack: each account asks for every other account's resources, selecting the other
//!   tenant (`tenant.cross_access.<kind>`);
//! - without credentials: each account's resources, selecting its tenant
//!   (`tenant.unauthenticated_access`).
//!
//! Findings are on one child target per selector (`tenants:probes/<selector>`); kinds with no
//! selector are `skipped` on the parent `tenants:probes`.

mod config;
mod control;
mod cross_access;
mod unauthenticated;

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::StreamExt;
use launchguard_core::config::{Environment, Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, Finding, Redacted, Registration, Target,
};
use launchguard_net::{HttpClient, HttpOptions, NetError, Pins};
use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

use crate::canary::{self, Sighting};

pub use config::{AccountConfig, SelectorConfig, TENANT_PLACEHOLDER, TenantsConfig};

/// Body bytes read from each answer: canaries are searched in this much.
const BODY_CAP: usize = 256 * 1024;
/// Cases kept as evidence per finding.
const EVIDENCE_CASES: usize = 5;

pub static CHECKS: &[&CheckDef] = &[
    &control::CHECK,
    &cross_access::HEADER,
    &cross_access::SUBDOMAIN,
    &cross_access::COOKIE,
    &cross_access::PATH,
    &cross_access::QUERY,
    &unauthenticated::CHECK,
];

/// How a tenant is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SelectorKind {
    Header,
    Subdomain,
    Cookie,
    Path,
    Query,
}

impl SelectorKind {
    const ALL: [SelectorKind; 5] = [
        SelectorKind::Header,
        SelectorKind::Subdomain,
        SelectorKind::Cookie,
        SelectorKind::Path,
        SelectorKind::Query,
    ];

    pub fn word(self) -> &'static str {
        match self {
            SelectorKind::Header => "header",
            SelectorKind::Subdomain => "subdomain",
            SelectorKind::Cookie => "cookie",
            SelectorKind::Path => "path",
            SelectorKind::Query => "query",
        }
    }
}

/// How an account proves who it is.
#[derive(Debug, Clone)]
pub(crate) enum Credential {
    Bearer { variable: String },
    Cookie { name: String, variable: String },
}

/// One configured test account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub name: String,
    /// What a selector carries to choose this tenant.
    pub value: String,
    pub credential: Credential,
    pub canaries: Vec<String>,
    pub resources: Vec<String>,
}

/// One configured selector.
#[derive(Debug, Clone)]
pub(crate) struct Selector {
    pub kind: SelectorKind,
    pub base: String,
    /// The header, cookie or query parameter name (empty for path and subdomain).
    pub key: String,
    pub connect_to: Option<SocketAddr>,
    pub target: Target,
}

/// Who asks, in one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asker {
    /// The owner of the resource (the positive control).
    Owner,
    /// Another account (the index of the attacker).
    Other(usize),
    /// Nobody: no credentials.
    Nobody,
}

/// One request and what came of it.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub asker: Asker,
    /// The account whose resource was asked for.
    pub owner: usize,
    pub resource: usize,
    /// The request as evidence: method, URL, the selector and credentials (redacted).
    pub request: String,
    pub result: Result<Answer, String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    /// The owner's canary, where it appeared.
    pub sighting: Option<Sighting>,
}

/// What the probes of one selector saw.
pub(crate) struct SelectorRun<'a> {
    pub accounts: &'a [Account],
    pub selector: &'a Selector,
    pub probes: Vec<Probe>,
}

impl SelectorRun<'_> {
    pub fn of(&self, asker: fn(&Asker) -> bool) -> impl Iterator<Item = &Probe> {
        self.probes.iter().filter(move |p| asker(&p.asker))
    }

    /// Controls that did not show the owner's canary, as `account resource: why`.
    pub fn failed_controls(&self) -> Vec<String> {
        self.of(|a| *a == Asker::Owner)
            .filter(|p| !matches!(&p.result, Ok(a) if a.sighting.is_some()))
            .map(|p| {
                let account = &self.accounts[p.owner];
                let why = match &p.result {
                    Ok(answer) => format!("HTTP {} without the account's canary", answer.status),
                    Err(e) => e.clone(),
                };
                format!("{} {}: {why}", account.name, account.resources[p.resource])
            })
            .collect()
    }

    /// Evidence for probes that found the owner's canary: at most [`EVIDENCE_CASES`] cases.
    pub fn leak_evidence(&self, leaks: &[&Probe], finding: Finding) -> Finding {
        let cases: Vec<String> = leaks
            .iter()
            .take(EVIDENCE_CASES)
            .map(|p| {
                let owner = &self.accounts[p.owner];
                let asker = match p.asker {
                    Asker::Other(i) => format!("{}'s credentials", self.accounts[i].name),
                    Asker::Nobody => "no credentials".to_owned(),
                    Asker::Owner => format!("{}'s credentials", owner.name),
                };
                let (status, seen) = match &p.result {
                    Ok(Answer {
                        status,
                        sighting: Some(seen),
                    }) => (*status, seen),
                    _ => unreachable!("leaks are answers with a sighting"),
                };
                let canary = Redacted::with_type_prefix(&owner.canaries[seen.canary], "");
                format!(
                    "{} with {asker}: HTTP {status}, {}'s canary {canary} at byte {} (line {})",
                    p.request, owner.name, seen.offset, seen.line
                )
            })
            .collect();
        let first = leaks[0];
        let mut finding = finding
            .with_evidence("leaks", leaks.len() as u64)
            .with_evidence("cases", cases)
            .with_evidence("request", first.request.as_str());
        if let Ok(Answer {
            status,
            sighting: Some(seen),
        }) = &first.result
        {
            finding = seen
                .evidence(&self.accounts[first.owner].canaries, finding)
                .with_evidence("http_status", *status);
        }
        finding
    }
}

/// The tenants agent, built from a validated `[tenants]`.
#[derive(Debug)]
pub struct TenantsAgent {
    accounts: Vec<Account>,
    selectors: Vec<Selector>,
    parent: Target,
    concurrency: usize,
    env: Environment,
}

/// The registration of `[tenants]`.
pub struct TenantsSpec;

pub static AGENT: Registration<TenantsSpec> = Registration::new();

impl AgentSpec for TenantsSpec {
    const NAME: &'static str = "tenants";
    const ABOUT: &'static str = "tenant isolation over HTTP: tenant A's credentials never read tenant B's canaries, by any tenant selector";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = TenantsConfig;
    type Validated = TenantsAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS
    }

    fn validate(config: TenantsConfig, cx: &SectionContext<'_>) -> Result<TenantsAgent, Invalid> {
        config::validate(config, cx)
    }

    fn build(agent: TenantsAgent) -> Arc<dyn Agent> {
        Arc::new(agent)
    }
}

/// One account's credential as request headers.
#[derive(Clone)]
struct Secret {
    header: (HeaderName, HeaderValue),
    /// As evidence: `Authorization: Bearer <redacted>`.
    shown: String,
}

impl Agent for TenantsAgent {
    fn targets(&self) -> Vec<Target> {
        vec![self.parent.clone()]
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            for kind in SelectorKind::ALL {
                if !self.selectors.iter().any(|s| s.kind == kind) {
                    ctx.report(Finding::skipped(
                        cross_access::check(kind),
                        self.parent.clone(),
                        format!("no {} selector is configured", kind.word()),
                    ));
                }
            }
            let secrets = match self.secrets() {
                Ok(secrets) => secrets,
                Err(reason) => {
                    self.report_not_probed(ctx, &reason);
                    return;
                }
            };
            let mut clients = Vec::new();
            for selector in &self.selectors {
                match self.client(ctx, selector) {
                    Ok(client) => clients.push(client),
                    Err(e) => {
                        self.report_not_probed(ctx, &e.to_string());
                        return;
                    }
                }
            }
            let mut jobs = Vec::new();
            for (s, selector) in self.selectors.iter().enumerate() {
                for (owner, account) in self.accounts.iter().enumerate() {
                    for resource in 0..account.resources.len() {
                        let mut askers = vec![Asker::Owner, Asker::Nobody];
                        askers.extend(
                            (0..self.accounts.len())
                                .filter(|i| *i != owner)
                                .map(Asker::Other),
                        );
                        for asker in askers {
                            jobs.push((s, selector, asker, owner, resource));
                        }
                    }
                }
            }
            let requests: Vec<_> = jobs
                .into_iter()
                .map(|(s, selector, asker, owner, resource)| {
                    let client = &clients[s];
                    let secrets = &secrets;
                    async move {
                        let probe = self
                            .probe(client, selector, secrets, asker, owner, resource)
                            .await;
                        (s, probe)
                    }
                })
                .collect();
            let probes: Vec<(usize, Probe)> = futures_util::stream::iter(requests)
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            let mut by_selector: Vec<Vec<Probe>> = vec![Vec::new(); self.selectors.len()];
            for (s, probe) in probes {
                by_selector[s].push(probe);
            }
            for (selector, probes) in self.selectors.iter().zip(by_selector) {
                let mut probes = probes;
                probes.sort_by_key(|p| (p.owner, p.resource, asker_order(p.asker)));
                let run = SelectorRun {
                    accounts: &self.accounts,
                    selector,
                    probes,
                };
                ctx.report(control::judge(&run));
                ctx.report(cross_access::judge(&run));
                ctx.report(unauthenticated::judge(&run));
            }
        })
    }
}

fn asker_order(asker: Asker) -> usize {
    match asker {
        Asker::Owner => 0,
        Asker::Other(i) => i + 1,
        Asker::Nobody => usize::MAX,
    }
}

impl TenantsAgent {
    fn report_not_probed(&self, ctx: &AgentContext, reason: &str) {
        for selector in &self.selectors {
            for check in [
                &control::CHECK,
                cross_access::check(selector.kind),
                &unauthenticated::CHECK,
            ] {
                ctx.report(Finding::error(
                    check,
                    selector.target.clone(),
                    format!("not verified: {reason}"),
                ));
            }
        }
    }

    /// Every account's credential, read from the environment now.
    fn secrets(&self) -> Result<Vec<Secret>, String> {
        self.accounts
            .iter()
            .map(|account| {
                let (variable, header, shown) = match &account.credential {
                    Credential::Bearer { variable } => {
                        let value = self.env.var(variable).map_err(|e| e.to_string())?;
                        (
                            variable,
                            (
                                reqwest::header::AUTHORIZATION,
                                HeaderValue::from_str(&format!("Bearer {value}")),
                            ),
                            format!("Authorization: Bearer {}", Redacted::new(&value)),
                        )
                    }
                    Credential::Cookie { name, variable } => {
                        let value = self.env.var(variable).map_err(|e| e.to_string())?;
                        (
                            variable,
                            (
                                reqwest::header::COOKIE,
                                HeaderValue::from_str(&format!("{name}={value}")),
                            ),
                            format!("Cookie: {name}={}", Redacted::new(&value)),
                        )
                    }
                };
                let (name, value) = header;
                let mut value = value.map_err(|_| {
                    format!(
                        "the value of environment variable {variable} is not a valid HTTP header value"
                    )
                })?;
                value.set_sensitive(true);
                Ok(Secret {
                    header: (name, value),
                    shown,
                })
            })
            .collect()
    }

    fn client(&self, ctx: &AgentContext, selector: &Selector) -> Result<HttpClient, NetError> {
        let mut options = HttpOptions::new("cross-tenant probe", BODY_CAP);
        if let Some(address) = selector.connect_to {
            let hosts: Vec<String> = self
                .accounts
                .iter()
                .filter_map(|a| {
                    Url::parse(&selector.base.replace(TENANT_PLACEHOLDER, &a.value))
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_owned))
                })
                .collect();
            options.pins = Pins::new(hosts.iter().map(String::as_str), address);
        }
        HttpClient::new(ctx.scope.clone(), options)
    }

    async fn probe(
        &self,
        client: &HttpClient,
        selector: &Selector,
        secrets: &[Secret],
        asker: Asker,
        owner: usize,
        resource: usize,
    ) -> Probe {
        let target = &self.accounts[owner];
        let mut url = match Url::parse(&selector.base.replace(TENANT_PLACEHOLDER, &target.value))
            .and_then(|base| base.join(&target.resources[resource]))
        {
            Ok(url) => url,
            Err(e) => {
                return Probe {
                    asker,
                    owner,
                    resource,
                    request: format!("GET {}", selector.base),
                    result: Err(format!("the resource does not make a URL: {e}")),
                };
            }
        };
        if selector.kind == SelectorKind::Query {
            url.query_pairs_mut()
                .append_pair(&selector.key, &target.value);
        }
        let credential = match asker {
            Asker::Owner => Some(&secrets[owner]),
            Asker::Other(attacker) => Some(&secrets[attacker]),
            Asker::Nobody => None,
        };
        let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        let mut shown: Vec<String> = Vec::new();
        let mut cookies: Vec<String> = Vec::new();
        if let Some(secret) = credential {
            shown.push(secret.shown.clone());
            if secret.header.0 == reqwest::header::COOKIE {
                // Joined with the selector's cookie below: one Cookie header.
                cookies.push(secret.header.1.to_str().unwrap_or_default().to_owned());
            } else {
                headers.push(secret.header.clone());
            }
        }
        match selector.kind {
            SelectorKind::Header => {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(selector.key.as_bytes()),
                    HeaderValue::from_str(&target.value),
                ) {
                    shown.push(format!("{}: {}", selector.key, target.value));
                    headers.push((name, value));
                }
            }
            SelectorKind::Cookie => {
                shown.push(format!("Cookie: {}={}", selector.key, target.value));
                cookies.push(format!("{}={}", selector.key, target.value));
            }
            SelectorKind::Subdomain | SelectorKind::Path | SelectorKind::Query => {}
        }
        if !cookies.is_empty()
            && let Ok(mut value) = HeaderValue::from_str(&cookies.join("; "))
        {
            value.set_sensitive(true);
            headers.push((reqwest::header::COOKIE, value));
        }
        let request = if shown.is_empty() {
            format!("GET {url}")
        } else {
            format!("GET {url} with {}", shown.join(", "))
        };
        let result = match client.get(&url, &headers).await {
            Ok(response) => Ok(Answer {
                status: response.status,
                sighting: canary::find(&response.body, &target.canaries),
            }),
            Err(e) => Err(e.to_string()),
        };
        Probe {
            asker,
            owner,
            resource,
            request,
            result,
        }
    }
}
