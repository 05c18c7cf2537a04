//! Why a probe could not verify. Each variant's message is what the `error` finding says.

use crate::settings::ClaimsError;
use crate::sql::DbError;

#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum Unverified {
    #[error("could not start the attempt: {0}")]
    Begin(DbError),
    #[error("rollback failed: {0}")]
    Rollback(DbError),
    /// The statement, or a read as the service role, failed for a reason that proves nothing.
    #[error("{0}")]
    Database(DbError),
    /// `[postgres].claims_template` or `tamper_claim` could not make the claims.
    #[error("{0}")]
    Claims(ClaimsError),
    #[error("not verified: reading sample rows as {role} failed: {error}")]
    Samples { role: String, error: DbError },
    #[error("the row to act on was gone when the attempt began")]
    RowGone,
    #[error("tenant {tenant} has no row here to control with")]
    NoOwnRow { tenant: String },
    #[error(
        "as tenant {tenant}, the user sees none of its own rows: the claims or policies do not admit it"
    )]
    OwnRowsHidden { tenant: String },
    #[error("not verified: the positive control failed for tenant {tenant} (see {control})")]
    ControlFailed {
        tenant: String,
        control: &'static str,
    },
}
