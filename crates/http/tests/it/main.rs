//! The http crate's one integration test binary: agents against real servers on loopback.

mod health;
mod postgrest;
mod ratelimit;
mod support;
mod surface;
mod tenants;
