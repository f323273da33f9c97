//! The proof that athm's books mirror ATH Móvil's ledger: a deterministic
//! simulation. One seeded RNG draws a schedule of actions — customers,
//! checkout pages, refunds from the admin, the CLI, the library and the
//! ATH Business app, webhooks delayed, duplicated, reordered, lost and
//! forged, faults at ATH Móvil, sync, reprocess, restarts — run against the
//! sandbox (the truth) and the real app over HTTP on a real database. After
//! each run settles, every payment ATH Móvil knows is compared with athm's.
//! See docs/reliability.md ("The simulation").

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

#[allow(dead_code)]
#[path = "../it/admin.rs"]
mod admin;
#[allow(dead_code)]
#[path = "../it/db.rs"]
mod db;
#[allow(dead_code)]
#[path = "../it/helpers.rs"]
mod helpers;

mod actions;
mod check;
mod forge;
mod runner;
mod schedule;
mod world;

use world::Backend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_books_mirror_the_ledger_for_the_ci_seeds_on_sqlite() {
    runner::ci(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_books_mirror_the_ledger_for_the_ci_seeds_on_postgres() {
    runner::ci(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_books_mirror_the_ledger_for_the_ci_seeds_on_mariadb() {
    runner::ci(Backend::MariaDb).await;
}

/// `just simulate`: random seeds, from the environment (see `runner::from_env`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by `just simulate` (ATHM_SIM_RUNS, ATHM_SIM_SEED, ATHM_SIM_ACTIONS, ATHM_SIM_KEEP, ATHM_SIM_BACKEND)"]
async fn simulate() {
    runner::from_env().await;
}

/// The oracle's own test: an app that takes webhooks at their word
/// (`--verify-webhooks false`, for load tests only) is caught by the checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_catch_an_app_that_trusts_forged_webhooks() {
    runner::catches_unverified_webhooks().await;
}
