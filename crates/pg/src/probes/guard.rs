//! The only way probes touch the database: one transaction per attempt that always rolls back.

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Error, Row, Transaction};

use crate::sql::{ident, literal};

/// Per-statement limits, set inside every attempt so they apply to each probe query.
pub const STATEMENT_TIMEOUT: &str = "2s";
pub const LOCK_TIMEOUT: &str = "100ms";

/// A transaction that can only roll back: it has no commit, and dropping it rolls back too
/// (tokio-postgres sends ROLLBACK for a transaction dropped unfinished).
pub struct RollbackOnly<'a> {
    tx: Transaction<'a>,
}

/// Who an attempt acts as.
pub struct Identity<'a> {
    pub role: &'a str,
    /// `request.jwt.claims` for the attempt; `{}` for anonymous.
    pub claims: &'a str,
}

impl<'a> RollbackOnly<'a> {
    /// BEGIN (READ ONLY for reads), limits, SET LOCAL ROLE, claims, SAVEPOINT.
    pub async fn begin(
        client: &'a mut Client,
        read_only: bool,
        identity: &Identity<'_>,
    ) -> Result<Self, Error> {
        let tx = client
            .build_transaction()
            .read_only(read_only)
            .start()
            .await?;
        tx.batch_execute(&format!(
            "set local statement_timeout = '{STATEMENT_TIMEOUT}'; set local lock_timeout = '{LOCK_TIMEOUT}'; \
             set local role {}; select set_config('request.jwt.claims', {}, true); savepoint attempt",
            ident(identity.role),
            literal(identity.claims)
        ))
        .await?;
        Ok(RollbackOnly { tx })
    }

    /// Acts as `identity` from here on (the role and claims stay local to the transaction, and
    /// the rollback to the savepoint undoes them too).
    pub async fn act_as(&self, identity: &Identity<'_>) -> Result<(), Error> {
        self.tx
            .batch_execute(&format!(
                "set local role {}; select set_config('request.jwt.claims', {}, true)",
                ident(identity.role),
                literal(identity.claims)
            ))
            .await
    }

    pub async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Error> {
        self.tx.query(sql, params).await
    }

    /// Runs a write and returns how many rows it touched.
    pub async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, Error> {
        self.tx.execute(sql, params).await
    }

    /// Undoes the attempt: back to the savepoint, then the whole transaction.
    pub async fn rollback(self) -> Result<(), Error> {
        // The savepoint is gone when the attempt failed; the transaction rollback below covers it.
        let _ = self.tx.batch_execute("rollback to savepoint attempt").await;
        self.tx.rollback().await
    }
}
