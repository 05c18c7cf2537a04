//! launchguard's `dns` agent: not implemented yet (tracked in a later issue).
//!
//! The crate exists so the workspace has its final shape. It defines no checks, so nothing in a
//! report can claim that `dns` was verified.
