//! The secrets crate's one integration test binary: real files, archives and hostile inputs.

mod inputs;
