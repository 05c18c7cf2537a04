//! launchguard's `tls` agent: not implemented yet (tracked in issue 4).
//!
//! The crate exists so the workspace has its final shape. It defines no checks, so nothing in a
//! report can claim that `tls` was verified.
