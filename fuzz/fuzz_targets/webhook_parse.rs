//! `cargo fuzz run webhook_parse`: `ParsedWebhook::parse` on arbitrary bytes.
#![no_main]

#[path = "../src/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::parse(data));
