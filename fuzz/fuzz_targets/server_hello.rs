#![no_main]
//! The server's first answer to a ClientHello, and the Certificate message after a ServerHello.

use launchguard_tls::hello::{Parsed, Reply, certificates_after_hello, parse_reply};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Parsed::Done(Reply::Malformed(reason)) = parse_reply(data) {
        launchguard_fuzz::assert_clean("malformed reply", &reason);
    }
    if let Some(Err(reason)) = certificates_after_hello(data) {
        launchguard_fuzz::assert_clean("certificate message", &reason.to_string());
    }
});
