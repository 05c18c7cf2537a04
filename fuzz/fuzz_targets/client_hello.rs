#![no_main]
//! ClientHellos built from arbitrary versions, suites and SNI names: the record and handshake
//! lengths always describe what follows.

use launchguard_tls::hello::client_hello;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let version = u16::from_be_bytes([data[0], data[1]]);
    let suite_count = usize::from(data[2]).min((data.len() - 3) / 2);
    let suites: Vec<u16> = data[3..3 + suite_count * 2]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let sni = std::str::from_utf8(&data[3 + suite_count * 2..]).ok();
    let record = client_hello(version, &suites, sni, [7; 32]);
    assert!(record.len() >= 9);
    let record_len = usize::from(u16::from_be_bytes([record[3], record[4]]));
    assert_eq!(record_len, record.len() - 5, "record length");
    let handshake_len =
        usize::from(record[6]) << 16 | usize::from(record[7]) << 8 | usize::from(record[8]);
    assert_eq!(handshake_len, record.len() - 9, "handshake length");
});
