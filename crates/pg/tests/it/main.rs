//! The pg crate's one integration test binary: the agent against a real PostgreSQL loaded with the
//! Supabase-like fixture, one database and one set of roles per test, dropped afterwards.

mod fixture_checks;
mod proofs;
mod safety;
mod support;
mod tls;
