//! `[postgres]`: one database, validated into the agent's [`Settings`].

use std::num::NonZeroU32;
use std::path::PathBuf;

use launchguard_core::config::{Invalid, SectionContext, env_var_name, target_name};
use launchguard_core::{Target, TargetKind};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::PgAgent;
use crate::settings::{Settings, Tenant};

fn default_pg_name() -> Spanned<String> {
    Spanned::new(0..0, "db".to_owned())
}
fn default_anon_role() -> String {
    "anon".to_owned()
}
fn default_authenticated_role() -> String {
    "authenticated".to_owned()
}
fn default_service_role() -> String {
    "service_role".to_owned()
}
fn default_authenticator_role() -> String {
    "authenticator".to_owned()
}
fn default_tenant_column() -> String {
    "tenant_id".to_owned()
}
fn default_users_table() -> String {
    "auth.users".to_owned()
}
fn default_claims_template() -> String {
    r#"{"sub":"{user_id}","role":"authenticated","app_metadata":{"tenant_id":"{tenant_id}"}}"#
        .to_owned()
}
fn default_tamper_claim() -> String {
    "user_metadata.tenant_id".to_owned()
}
fn default_max_tenants() -> NonZeroU32 {
    NonZeroU32::new(3).expect("non-zero")
}
fn default_true() -> bool {
    true
}

/// `[postgres]`: one database, linted from its catalog and probed as each tenant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    /// A short name for the database; findings are about `pg:<name>/<schema>.<table>`.
    #[serde(default = "default_pg_name")]
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The environment variable holding the connection URL (`postgresql://user@host:port/db`).
    /// Connect as a dedicated audit role that can `SET ROLE` to the API roles, not as a superuser.
    #[schemars(with = "String")]
    pub url_env: Spanned<String>,
    /// A PEM file of CA certificates to trust for the server's TLS certificate, relative to the
    /// configuration file, in addition to the public roots (hosted databases such as Supabase sign
    /// with their own CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The schemas the API exposes. Default: the authenticator role's `pgrst.db_schemas` setting,
    /// else `["public"]`. Reports say which source was used.
    #[serde(default)]
    pub exposed_schemas: Option<Vec<String>>,
    /// The role unauthenticated API requests run as.
    #[serde(default = "default_anon_role")]
    pub anon_role: String,
    /// The role signed-in API requests run as.
    #[serde(default = "default_authenticated_role")]
    pub authenticated_role: String,
    /// A BYPASSRLS role the probe uses (read-only) to find each tenant's sample rows.
    #[serde(default = "default_service_role")]
    pub service_role: String,
    /// The login role the API gateway (PostgREST) connects as.
    #[serde(default = "default_authenticator_role")]
    pub authenticator_role: String,
    /// Login roles the application's own backend connects as: they must not own exposed tables
    /// without FORCE ROW LEVEL SECURITY, nor be able to become a BYPASSRLS role. The probes also
    /// read as each of them (the audit role needs to be a member: `GRANT app_backend TO audit`).
    #[serde(default)]
    pub backend_roles: Vec<String>,
    /// The column that holds the tenant in tenant-scoped tables.
    #[serde(default = "default_tenant_column")]
    pub tenant_column: String,
    /// The table of signed-in users (`schema.table`). A copied row inserted as a tenant's user
    /// carries that user's id in the columns that reference this table or that policies compare
    /// to `auth.uid()`, as an attacker's own insert would.
    #[serde(default = "default_users_table")]
    pub users_table: String,
    /// The JWT claims of a signed-in user of a tenant, with `{tenant_id}` and `{user_id}`
    /// placeholders, as `request.jwt.claims` would hold them.
    #[serde(default = "default_claims_template")]
    pub claims_template: String,
    /// The dotted path of a claim the user can edit (Supabase's `user_metadata`); the probe sets it
    /// to another tenant to see whether a policy trusts it.
    #[serde(default = "default_tamper_claim")]
    pub tamper_claim: String,
    /// The tenants to probe as. Default: discovered from tenant columns, at most `max_tenants`.
    #[serde(default)]
    pub tenants: Vec<TenantConfig>,
    /// Most tenants discovered when `tenants` is empty; every ordered pair is probed.
    #[serde(default = "default_max_tenants")]
    pub max_tenants: NonZeroU32,
    /// Run the dynamic probes (as each tenant, rolled back). Off: catalog lints only.
    #[serde(default = "default_true")]
    pub probes: bool,
    /// Attempt writes (UPDATE/DELETE of one row, found by `ctid` inside the attempt's transaction;
    /// INSERT without RETURNING), each in a transaction that always rolls back. Off by default: use
    /// on staging or a copy.
    #[serde(default)]
    pub allow_writes: bool,
    /// Also attempt inserts into tables whose key comes from a sequence: a rolled-back insert still
    /// advances the sequence, and the report says which sequences moved.
    #[serde(default)]
    pub allow_sequence_inserts: bool,
    /// Probe even when connected as a superuser (refused by default: a superuser bypasses RLS and
    /// every mistake would have full power).
    #[serde(default)]
    pub allow_superuser: bool,
}

/// `[[postgres.tenants]]`: one tenant to act as.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The tenant's value in the tenant column.
    pub id: String,
    /// A user of that tenant, for the `{user_id}` placeholder of `claims_template`.
    #[serde(default)]
    pub user_id: Option<String>,
}

pub(crate) fn validate(
    config: PostgresConfig,
    cx: &SectionContext<'_>,
) -> Result<PgAgent, Invalid> {
    env_var_name(&config.url_env)?;
    // The default name has no place in the file: point at the section instead.
    if config.name.span() == (0..0) {
        target_name(&config.name, "[postgres].name").map_err(|e| cx.invalid(e.message))?;
    } else {
        target_name(&config.name, "[postgres].name")?;
    }
    let settings = Settings {
        name: config.name.get_ref().clone(),
        url_env: config.url_env.get_ref().clone(),
        ca_file: config.ca_file.as_deref().map(|path| cx.path(path)),
        exposed_schemas: config.exposed_schemas,
        anon_role: config.anon_role,
        authenticated_role: config.authenticated_role,
        service_role: config.service_role,
        authenticator_role: config.authenticator_role,
        backend_roles: config.backend_roles,
        tenant_column: config.tenant_column,
        users_table: config.users_table,
        claims_template: config.claims_template,
        tamper_claim: config.tamper_claim,
        tenants: config
            .tenants
            .into_iter()
            .map(|t| Tenant {
                id: t.id,
                user_id: t.user_id,
            })
            .collect(),
        max_tenants: config.max_tenants.get() as usize,
        probes: config.probes,
        allow_writes: config.allow_writes,
        allow_sequence_inserts: config.allow_sequence_inserts,
        allow_superuser: config.allow_superuser,
    };
    let database = Target::new(
        format!("pg:{}", settings.name),
        TargetKind::Host,
        format!("postgres ${}", settings.url_env),
    )
    .declared_at(cx.line_of(config.url_env.span().start));
    Ok(PgAgent {
        settings,
        database,
        env: cx.env().clone(),
    })
}
