//! The DNS agent against real peers on loopback: Knot DNS serving zones signed at test time under
//! a private root, hickory-server zones in process, and hostile servers.

mod foreign;
mod hostile;
mod lab;
mod support;
mod zones;
