//! launchguard's Postgres agent: row-level security lints from the catalog, then rollback-only
//! probes as each tenant's user and as anon that prove what leaks.
//!
//! Safety: the audit role must not be a superuser (unless allowed); every probe runs in its own
//! transaction that always rolls back ([`probes::guard::RollbackOnly`] has no commit), with a
//! savepoint, `statement_timeout` and `lock_timeout`; reads run read-only; writes touch one row
//! (found by `ctid` and locked inside that transaction) and only with `allow_writes`; every
//! identifier is quoted.

mod catalog;
mod config;
pub mod connection;
mod lints;
pub mod probes;
mod settings;
mod sql;

use std::sync::{Arc, LazyLock};

use launchguard_core::config::{Environment, Invalid, SectionContext};
use launchguard_core::{
    Agent, AgentContext, AgentFuture, AgentSpec, CheckDef, Finding, Registration, Status, Target,
};
use tokio_postgres::Client;

pub use catalog::Catalog;
pub use config::{PostgresConfig, TenantConfig};
pub use settings::Settings;

/// The `application_name` every probe connection carries, so that DBAs and audit logs see it.
pub const APPLICATION_NAME: &str = "launchguard-rls-probe";

/// Every check of this agent: the connection, lints, then probes.
pub static CHECKS: LazyLock<Vec<&'static CheckDef>> = LazyLock::new(|| {
    std::iter::once(&connection::CHECK)
        .chain(lints::LINTS.iter().map(|(check, _)| *check))
        .chain(probes::CHECKS.iter().copied())
        .collect()
});

/// One line for a database error: severity, SQLSTATE and message, never the connection string.
pub fn describe_db_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                text = format!("{text}: {inner}");
                source = inner.source();
            }
            text
        }
    }
}

/// The Postgres agent, built from a validated `[postgres]`. Not `Debug`: its environment may
/// hold a connection URL.
pub struct PgAgent {
    settings: Settings,
    database: Target,
    env: Environment,
}

/// The registration of `[postgres]`.
pub struct PgSpec;

pub static AGENT: Registration<PgSpec> = Registration::new();

impl AgentSpec for PgSpec {
    const NAME: &'static str = "postgres";
    const ABOUT: &'static str = "PostgreSQL / Supabase: row-level-security lints from the catalog, then rollback-only probes as each tenant's user and as anon";
    const GUIDE: &'static str = include_str!("guide.md");
    const STARTER: &'static str = include_str!("starter.toml");
    type Config = PostgresConfig;
    type Validated = PgAgent;

    fn checks() -> &'static [&'static CheckDef] {
        CHECKS.as_slice()
    }

    fn validate(config: PostgresConfig, cx: &SectionContext<'_>) -> Result<PgAgent, Invalid> {
        config::validate(config, cx)
    }

    fn build(agent: PgAgent) -> Arc<dyn Agent> {
        Arc::new(agent)
    }
}

impl PgAgent {
    /// Every check but the connection's is `error` for `reason`.
    fn error_everywhere(&self, ctx: &AgentContext, reason: &str) {
        for check in CHECKS.iter().filter(|c| c.id != connection::CHECK.id) {
            ctx.report(Finding::error(
                check,
                self.database.clone(),
                format!("not verified: {reason}"),
            ));
        }
    }

    /// The connection failed: its finding holds the cause and the fix, every other check points
    /// at it.
    fn connection_failed(&self, ctx: &AgentContext, reason: &str) {
        ctx.report(Finding::error(
            &connection::CHECK,
            self.database.clone(),
            reason,
        ));
        self.error_everywhere(
            ctx,
            &format!(
                "no usable database connection (see {})",
                connection::CHECK.id
            ),
        );
    }

    async fn connect(&self, ctx: &AgentContext) -> Result<(Client, connection::Connected), String> {
        let url = self
            .env
            .var(&self.settings.url_env)
            .map_err(|e| format!("{e} (the connection URL)"))?;
        let split = connection::split_sslmode(&url)
            .map_err(|e| format!("the URL in {}: {e}", self.settings.url_env))?;
        let mut config: tokio_postgres::Config = split.rest.parse().map_err(|e| {
            format!(
                "the URL in {} is not a valid connection string: {e}",
                self.settings.url_env
            )
        })?;
        for host in config.get_hosts() {
            let name = match host {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(_) => "localhost".to_owned(),
            };
            let shown = if name.contains(':') {
                format!("[{name}]")
            } else {
                name.clone()
            };
            let as_url = url::Url::parse(&format!("postgresql://{shown}/"))
                .map_err(|_| format!("database host `{name}` is not a host name"))?;
            ctx.scope.take_request(&as_url).map_err(|e| e.to_string())?;
        }
        let options = connection::Options {
            ca_file: self.settings.ca_file.as_deref(),
            application_name: APPLICATION_NAME,
            connect_timeout: ctx.scope.timeouts.connect,
        };
        connection::connect(&mut config, split.sslmode, &options).await
    }

    /// Who we connected as; refuses a superuser unless allowed.
    async fn refuse_superuser(&self, client: &Client) -> Result<String, String> {
        let row = client
            .query_one("select current_user::text, rolsuper, rolbypassrls from pg_roles where rolname = current_user", &[])
            .await
            .map_err(|e| describe_db_error(&e))?;
        let (user, superuser, bypass): (String, bool, bool) = (row.get(0), row.get(1), row.get(2));
        if superuser && !self.settings.allow_superuser {
            return Err(format!(
                "refusing to run as superuser {user}: connect as an audit role that can SET ROLE to the API roles, or set \
                 [postgres].allow_superuser = true"
            ));
        }
        if bypass {
            tracing::warn!(user = %user, "connected as a BYPASSRLS role; probes switch roles, but prefer an audit role");
        }
        Ok(user)
    }

    async fn load_catalog(&self, client: &mut Client) -> Result<Catalog, String> {
        let tx = client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .map_err(|e| describe_db_error(&e))?;
        tx.batch_execute("set local statement_timeout = '15s'; set local lock_timeout = '100ms'")
            .await
            .map_err(|e| describe_db_error(&e))?;
        let missing: Vec<String> = tx
            .query(
                "select r from unnest($1::text[]) r where not exists (select 1 from pg_roles where rolname = r)",
                &[&vec![self.settings.anon_role.clone(), self.settings.authenticated_role.clone()]],
            )
            .await
            .map_err(|e| describe_db_error(&e))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "role(s) {} do not exist: set [postgres].anon_role / authenticated_role",
                missing.join(", ")
            ));
        }
        let catalog = catalog::load(tx.client(), &self.settings)
            .await
            .map_err(|e| e.to_string());
        tx.rollback().await.map_err(|e| describe_db_error(&e))?;
        catalog
    }
}

/// Adds to each dynamic failure the lints that failed on the same object: the cause of the proof.
fn link_proofs_to_lints(findings: &mut [Finding]) {
    let lint_failures: Vec<(String, String)> = findings
        .iter()
        .filter(|f| {
            f.status == Status::Fail && lints::LINTS.iter().any(|(c, _)| c.id == f.check.as_str())
        })
        .map(|f| (f.target.id.clone(), f.check.to_string()))
        .collect();
    for finding in findings.iter_mut().filter(|f| {
        f.status == Status::Fail && probes::CHECKS.iter().any(|c| c.id == f.check.as_str())
    }) {
        let causes: Vec<String> = lint_failures
            .iter()
            .filter(|(target, _)| *target == finding.target.id)
            .map(|(_, check)| check.clone())
            .collect();
        if !causes.is_empty() {
            finding
                .evidence
                .insert("explained_by".into(), causes.into());
        }
    }
}

impl Agent for PgAgent {
    fn targets(&self) -> Vec<Target> {
        vec![self.database.clone()]
    }

    fn run<'a>(&'a self, ctx: &'a AgentContext) -> AgentFuture<'a> {
        Box::pin(async move {
            let (mut client, connected) = match self.connect(ctx).await {
                Ok(connected) => connected,
                Err(reason) => return self.connection_failed(ctx, &reason),
            };
            let user = match self.refuse_superuser(&client).await {
                Ok(user) => user,
                Err(reason) => return self.connection_failed(ctx, &reason),
            };
            let transport = connected.transport();
            if connected.tls && !connected.verified() {
                tracing::warn!(database = %self.database.id, "{transport}");
            }
            ctx.report(
                Finding::pass(
                    &connection::CHECK,
                    self.database.clone(),
                    format!("connected as {user} {transport}"),
                )
                .with_evidence("sslmode", connected.sslmode.name())
                .with_evidence("tls", connected.tls),
            );
            tracing::info!(database = %self.database.id, "reading the catalog");
            let catalog = match self.load_catalog(&mut client).await {
                Ok(catalog) => catalog,
                Err(reason) => return self.error_everywhere(ctx, &reason),
            };
            if catalog.relations.is_empty() {
                return self.error_everywhere(
                    ctx,
                    &format!(
                        "no table or view in the exposed schemas [{}] ({}): nothing to verify",
                        catalog.exposed_schemas.join(", "),
                        catalog.schemas_source
                    ),
                );
            }
            let mut findings = lints::run(&catalog, &self.settings, &self.database);
            if self.settings.probes {
                tracing::info!(database = %self.database.id, "probing as each tenant");
                let mut prober = probes::Prober::new(&mut client, &self.settings, &catalog);
                match prober.discover_tenants().await {
                    Ok(tenants) => findings.extend(prober.run(&tenants, &self.database).await),
                    Err(reason) => {
                        for check in probes::CHECKS {
                            findings.push(Finding::error(
                                check,
                                self.database.clone(),
                                format!("not verified: finding tenants failed: {reason}"),
                            ));
                        }
                    }
                }
            } else {
                for check in probes::CHECKS {
                    findings.push(Finding::skipped(
                        check,
                        self.database.clone(),
                        "dynamic probes are off ([postgres].probes = false)",
                    ));
                }
            }
            link_proofs_to_lints(&mut findings);
            for finding in findings {
                ctx.report(finding);
            }
        })
    }
}
