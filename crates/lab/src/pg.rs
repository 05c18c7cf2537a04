//! A throwaway database loaded with the Supabase-like fixture (`fixtures/pg/`), for tests and
//! `launchguard demo`: its own database and its own roles, all dropped by [`LabDatabase::drop`].

use std::sync::atomic::{AtomicU32, Ordering};

use tokio_postgres::{Client, Config, NoTls};

const FIXTURE: &str = include_str!("../../../fixtures/pg/supabase_like.sql");
const ROLES: [&str; 7] = [
    "probe",
    "authenticator",
    "backend",
    "bypass",
    "anon",
    "authenticated",
    "service_role",
];

/// The lab's tenants and their users, as seeded by the fixture.
pub const TENANTS: [(&str, &str); 2] = [
    (
        "11111111-1111-4111-8111-111111111111",
        "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
    ),
    (
        "22222222-2222-4222-8222-222222222222",
        "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
    ),
];

/// A loaded lab database.
pub struct LabDatabase {
    admin: Config,
    /// The lab database's name.
    pub database: String,
    prefix: String,
    /// Holds the advisory lock of a fixed-name lab for as long as the lab lives.
    _lock: Option<Client>,
}

/// Serializes fixed-name labs (the demo's) across processes.
const FIXED_NAME_LOCK: i64 = 0x6c67_6465_6d6f;
const FIXED_PREFIX: &str = "lgdemo_";

async fn connect(config: &Config) -> Result<Client, String> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| describe_db_error(&e))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

impl LabDatabase {
    /// Creates the database and roles, with names unique to this call, through `admin_url` (a
    /// superuser on a local server) and loads the fixture.
    pub async fn create(admin_url: &str) -> Result<Self, String> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let prefix = format!(
            "lg{}x{}_",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        Self::create_with_prefix(admin_url, prefix, None).await
    }

    /// Like [`LabDatabase::create`], with the same names every time, so that findings keep their
    /// fingerprints from one run to the next (the demo). Waits until no other fixed-name lab
    /// exists, and first clears what a crashed one left behind.
    pub async fn create_fixed(admin_url: &str) -> Result<Self, String> {
        let admin: Config = admin_url
            .parse()
            .map_err(|e| format!("bad admin URL: {e}"))?;
        let lock = connect(&admin).await?;
        lock.execute("select pg_advisory_lock($1)", &[&FIXED_NAME_LOCK])
            .await
            .map_err(|e| describe_db_error(&e))?;
        let leftover = LabDatabase {
            admin,
            database: format!("{FIXED_PREFIX}lab"),
            prefix: FIXED_PREFIX.to_owned(),
            _lock: None,
        };
        leftover.drop().await;
        Self::create_with_prefix(admin_url, FIXED_PREFIX.to_owned(), Some(lock)).await
    }

    async fn create_with_prefix(
        admin_url: &str,
        prefix: String,
        lock: Option<Client>,
    ) -> Result<Self, String> {
        let admin: Config = admin_url
            .parse()
            .map_err(|e| format!("bad admin URL: {e}"))?;
        let database = format!("{prefix}lab");
        let client = connect(&admin).await?;
        client
            .batch_execute(&format!("create database {database}"))
            .await
            .map_err(|e| {
                format!(
                    "creating the lab database failed: {}",
                    describe_db_error(&e)
                )
            })?;
        let lab = LabDatabase {
            admin,
            database,
            prefix,
            _lock: lock,
        };
        let mut text = FIXTURE.replace("@db@", &lab.database);
        for role in ROLES {
            text = text.replace(&format!("@{role}@"), &lab.role(role));
        }
        let mut config = lab.admin.clone();
        config.dbname(&lab.database);
        let loaded = match connect(&config).await {
            Ok(client) => client
                .batch_execute(&text)
                .await
                .map_err(|e| format!("loading the fixture failed: {}", describe_db_error(&e))),
            Err(e) => Err(e),
        };
        if let Err(e) = loaded {
            lab.drop().await;
            return Err(e);
        }
        Ok(lab)
    }

    /// The run-unique name of a fixture role (`anon`, `authenticated`, `probe`, ...).
    pub fn role(&self, role: &str) -> String {
        format!("{}{role}", self.prefix)
    }

    /// A URL for the lab database as `user` (trust authentication on the local server).
    pub fn url_as(&self, user: &str) -> String {
        let host = match self.admin.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) if host.contains(':') => {
                format!("[{host}]")
            }
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = self.admin.get_ports().first().copied().unwrap_or(5432);
        format!(
            "postgresql://{user}@{host}:{port}/{}?sslmode=disable",
            self.database
        )
    }

    /// The URL of the audit role the probe should connect as.
    pub fn probe_url(&self) -> String {
        self.url_as(&self.role("probe"))
    }

    /// A `[postgres]` section for the lab, reading the URL from `url_env`, with `extra` keys.
    pub fn config_section(&self, url_env: &str, allow_writes: bool, extra: &str) -> String {
        let tenants: String = TENANTS
            .iter()
            .map(|(tenant, user)| {
                format!("\n[[postgres.tenants]]\nid = \"{tenant}\"\nuser_id = \"{user}\"\n")
            })
            .collect();
        format!(
            "[postgres]\nname = \"lab\"\nurl_env = \"{url_env}\"\nanon_role = \"{}\"\nauthenticated_role = \"{}\"\n\
             service_role = \"{}\"\nauthenticator_role = \"{}\"\nbackend_roles = [\"{}\"]\nallow_writes = {allow_writes}\n{extra}{tenants}",
            self.role("anon"),
            self.role("authenticated"),
            self.role("service_role"),
            self.role("authenticator"),
            self.role("backend"),
        )
    }

    /// Drops the database (forcing out connections) and the roles.
    pub async fn drop(self) {
        let Ok(client) = connect(&self.admin).await else {
            return;
        };
        let _ = client
            .batch_execute(&format!(
                "drop database if exists {} with (force)",
                self.database
            ))
            .await;
        for role in ROLES {
            let _ = client
                .batch_execute(&format!("drop role if exists {}", self.role(role)))
                .await;
        }
    }
}

/// One line for a database error during lab setup: severity, SQLSTATE and message.
fn describe_db_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
        None => error.to_string(),
    }
}
