//! The runner's one integration test binary: the real `launchguard` binary against real servers on
//! loopback, report formats, weekly-audit flows and generated docs.

mod cli;
mod corpus;
mod docs;
mod fanout;
mod faults;
mod formats;
mod harm;
mod hostile;
mod leaks;
mod properties;
mod scan_logs;
mod support;
mod weekly;
