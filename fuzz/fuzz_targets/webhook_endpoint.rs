//! `cargo fuzz run webhook_endpoint`: the athm-web router over an in-memory
//! SQLite store, one arbitrary request (path, headers, body) at a time.
#![no_main]

use std::sync::OnceLock;

#[path = "../src/harness.rs"]
mod harness;

static ENDPOINT: OnceLock<harness::Endpoint> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ENDPOINT.get_or_init(harness::Endpoint::new).run(data);
});
