//! `athm-bench`: measures a release `athm serve` side by side with the
//! database's own one-transaction-per-event ceiling, `athm sync` over a large
//! transaction report, and checkout flows against the sandbox.
//!
//! Benchmarks are not tests: CI only builds this crate. `just bench` runs
//! every scenario and writes `docs/performance.md`.

mod ceiling;
mod checkout;
mod cli;
mod db;
mod load;
mod machine;
mod payload;
mod report;
mod server;
mod suite;
mod sync;
mod verified;
mod webhooks;

use std::process::ExitCode;

use clap::Parser;

/// Every failure of a benchmark ends the command with its message.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A benchmark step's result.
pub(crate) type Result<T, E = BoxError> = std::result::Result<T, E>;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
