//! The fuzz targets as a bounded smoke test on stable: the corpus in
//! `fuzz/corpus/<target>/` plus pseudo-random inputs (mutated seeds and
//! raw bytes) through the very functions the cargo-fuzz binaries call
//! (`fuzz/src/harness.rs`). `just fuzz` runs the real, coverage-guided fuzzer.

use std::path::Path;

#[path = "../../fuzz/src/harness.rs"]
mod harness;

/// Pseudo-random inputs per target on top of the corpus (fixed seed: the same every run).
const RANDOM_INPUTS: usize = 3_000;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| std::fs::read(entry.expect("an entry").path()).expect("a seed"))
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no corpus in {}", dir.display());
    seeds
}

/// The corpus, then mutants of it and random bytes.
fn inputs(target: &str, seed: u64) -> Vec<Vec<u8>> {
    let seeds = corpus(target);
    let mut rng = Rng(seed);
    let mut all = seeds.clone();
    for _ in 0..RANDOM_INPUTS {
        let mut input = seeds[rng.below(seeds.len())].clone();
        match rng.below(6) {
            0 => input = (0..rng.below(256)).map(|_| rng.next() as u8).collect(),
            1 => input.truncate(rng.below(input.len() + 1)),
            2 => {
                for _ in 0..=rng.below(8) {
                    if !input.is_empty() {
                        let at = rng.below(input.len());
                        input[at] = rng.next() as u8;
                    }
                }
            }
            3 => {
                let at = rng.below(input.len() + 1);
                let token: &[u8] = [
                    b"[".as_slice(),
                    b"{\"a\":",
                    b"\"",
                    b"\\u0000",
                    b"1e999",
                    b"-0",
                    b"null",
                    b"\xff\xfe",
                ][rng.below(8)];
                for _ in 0..=rng.below(40) {
                    input.splice(at..at, token.iter().copied());
                }
            }
            4 => {
                if !input.is_empty() {
                    input[0] = rng.next() as u8;
                }
            }
            _ => {
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(other.len() + 1);
                input.extend_from_slice(&other[cut..]);
            }
        }
        all.push(input);
    }
    all
}

#[test]
fn the_webhook_parser_survives_its_corpus_and_random_inputs() {
    for input in inputs("webhook_parse", 0x5eed_0001) {
        harness::parse(&input);
    }
}

#[test]
fn the_webhook_endpoint_answers_200_or_4xx_to_its_corpus_and_random_inputs() {
    let endpoint = harness::Endpoint::new();
    for input in inputs("webhook_endpoint", 0x5eed_0002) {
        endpoint.run(&input);
    }
}
