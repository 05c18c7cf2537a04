//! launchguard's one network layer. Every agent that talks to a peer goes through it, so that
//! scope, budgets, timeouts, body caps and error classification are the same everywhere:
//!
//! - [`connect`]: a TCP connection to an address, in scope, paid from the host's budget, within
//!   the connect timeout (the TLS agent's raw probes and inspection handshakes run over it);
//! - [`HttpClient`]: one request at a time ([`HttpClient::get`], or any method and a body with
//!   [`HttpClient::send`]), never following redirects, no system proxy, a capped body,
//!   names resolved by launchguard (pinned addresses first), and [`HttpClient::walk`] to follow
//!   redirects one hop at a time, never out of scope;
//! - [`NetError`]: one typed error from which every message and status is derived;
//! - [`describe`]: rustls errors and times in words for reports.

pub mod describe;
mod error;
mod http;
mod resolve;
mod tcp;

pub use error::NetError;
pub use http::{Hop, HttpClient, HttpOptions, Response, Walk};
pub use reqwest::Method;
pub use resolve::{Pins, lookup};
pub use tcp::connect;
