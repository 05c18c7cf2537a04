//! The tls crate's one integration test binary: the agent against real TLS and HTTP servers on
//! 127.0.0.1 (rustls servers with rcgen certificates, `openssl s_server` for legacy protocols and
//! weak suites, and hostile peers).

mod checks;
mod consistency;
mod hostile;
mod support;
