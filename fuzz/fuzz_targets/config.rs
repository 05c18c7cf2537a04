#![no_main]
//! Configuration parsing and validation: a value or an error that is safe to print.

use std::path::Path;

use launchguard::agents::AGENTS;
use launchguard_core::config::{Environment, LoadedConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = LoadedConfig::parse(
        Path::new("fuzz.toml"),
        text,
        AGENTS,
        &Environment::process(),
    ) {
        launchguard_fuzz::assert_clean("config error", &e.to_string());
    }
});
