//! One error for everything that can go wrong talking to a peer, classified by type (never by
//! the text of a message).

use std::time::Duration;

use launchguard_core::ScopeError;

/// Why a network operation gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// Not attempted: the host is not in `[scope].hosts`.
    #[error("{0}")]
    OutOfScope(ScopeError),
    /// Not attempted: the host's request budget is spent.
    #[error("{0}")]
    BudgetSpent(ScopeError),
    /// The peer's address answered that nothing listens.
    #[error("connection refused")]
    Refused,
    /// No answer within the time allowed.
    #[error("timed out after {} ms", .0.as_millis())]
    Timeout(Duration),
    /// The name did not resolve.
    #[error("DNS lookup of {host} failed: {reason}")]
    Dns { host: String, reason: String },
    /// A TLS handshake failed (the reason is in words, see [`crate::describe`]).
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// Something answered, but not with what the protocol allows.
    #[error("no valid HTTP answer: {0}")]
    Protocol(String),
    /// The connection could not be made or was lost for another reason.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The request was sent but the connection ended (a close or a reset) before a whole status
    /// line and headers came back: the answer, if one was begun, was cut off.
    #[error("the answer was cut off before its status line and headers ended: {0}")]
    HeadCutOff(String),
    /// An answer began (status line and headers) but its body was cut off (a reset, a close
    /// before the announced length, a broken chunk): nothing may be judged on half an answer.
    #[error("the answer (HTTP {status}) was cut off before its body ended: {reason}")]
    CutOff { status: u16, reason: String },
    /// launchguard could not set up the client (a local problem, not the peer's).
    #[error("could not set up the HTTP client: {0}")]
    Setup(String),
    /// Not attempted, for a reason found before any connection (an address that gives no URL,
    /// an earlier step that failed).
    #[error("{0}")]
    NotAttempted(String),
}

impl NetError {
    /// Whether nothing listens: for a plain-HTTP port that should be closed, a passing answer.
    pub fn is_refused(&self) -> bool {
        matches!(self, NetError::Refused)
    }

    /// Whether the request was never sent (scope, budget or set-up): nothing was learned about
    /// the peer.
    pub fn not_attempted(&self) -> bool {
        matches!(
            self,
            NetError::OutOfScope(_)
                | NetError::BudgetSpent(_)
                | NetError::Setup(_)
                | NetError::NotAttempted(_)
        )
    }

    /// The error of an I/O operation, by its kind.
    pub fn from_io(error: &std::io::Error, timeout: Duration) -> NetError {
        use std::io::ErrorKind;
        if let Some(tls) = crate::describe::rustls_inside(error) {
            return NetError::Tls(crate::describe::tls_error(tls));
        }
        match error.kind() {
            ErrorKind::ConnectionRefused => NetError::Refused,
            ErrorKind::TimedOut => NetError::Timeout(timeout),
            _ => NetError::Connect(error.to_string()),
        }
    }
}

impl From<ScopeError> for NetError {
    fn from(error: ScopeError) -> Self {
        match error {
            ScopeError::BudgetSpent { .. } => NetError::BudgetSpent(error),
            ScopeError::OutOfScope(_) | ScopeError::NoHost(_) | ScopeError::BadPattern(_) => {
                NetError::OutOfScope(error)
            }
        }
    }
}
