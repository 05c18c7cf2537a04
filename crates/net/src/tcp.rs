//! A scoped TCP connection: the raw material of the TLS agent's probes.

use std::net::SocketAddr;

use launchguard_core::Scope;
use tokio::net::TcpStream;
use url::Url;

use crate::NetError;

/// Connects to `addr`, an address of `budget_url`'s host: the host must be in scope, and the
/// connection takes one request from its budget. Bounded by the connect timeout.
pub async fn connect(
    scope: &Scope,
    budget_url: &Url,
    addr: SocketAddr,
) -> Result<TcpStream, NetError> {
    scope.take_request(budget_url)?;
    let timeout = scope.timeouts.connect;
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(NetError::from_io(&e, timeout)),
        Err(_) => Err(NetError::Timeout(timeout)),
    }
}
