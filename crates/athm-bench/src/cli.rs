//! The command line: one subcommand per scenario, and `all`.

use std::path::PathBuf;
use std::time::Duration;

use athm_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use clap::{Args, Parser, Subcommand};

use crate::ceiling::{self, Writes};
use crate::db::Backend;
use crate::report::{Row, Stats};
use crate::server::ServerConfig;
use crate::webhooks::{self, Mix};
use crate::{Result, checkout, suite, sync};

/// Measure a release `athm serve` side by side with the database's ceiling.
#[derive(Debug, Parser)]
#[command(name = "athm-bench", version, about)]
pub(crate) struct Cli {
    /// What to measure.
    #[command(subcommand)]
    pub(crate) command: Command,
    /// The release `athm` binary (`cargo build --release -p athm-app`).
    #[arg(long, global = true, default_value = "target/release/athm")]
    pub(crate) athm: PathBuf,
    /// The PostgreSQL server; each run creates and drops its own database there.
    #[arg(
        long,
        global = true,
        env = "ATHM_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    pub(crate) postgres: String,
    /// `--log` of `athm serve` (its output is discarded unless --server-log-file).
    #[arg(long, global = true, default_value = "info")]
    pub(crate) server_log: String,
    /// Append the server's output to this file.
    #[arg(long, global = true)]
    pub(crate) server_log_file: Option<PathBuf>,
}

/// Bounded load: fixed connections and duration, repeated.
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct Load {
    /// Concurrent connections (workers), each sending one request after another.
    #[arg(long, default_value_t = 16)]
    pub(crate) connections: usize,
    /// How long each run lasts (`10s`, `500ms`, `1m`).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(crate) duration: Duration,
    /// Runs (the tables show medians).
    #[arg(long, default_value_t = 3)]
    pub(crate) runs: usize,
}

/// The scenarios.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// POST webhooks to `athm serve`; with `--mix new`, also the ceiling, run by run.
    Webhooks {
        /// The database.
        #[arg(long, value_enum, default_value = "sqlite")]
        db: Backend,
        /// New events, redeliveries, or three new for one redelivery.
        #[arg(long, value_enum, default_value = "new")]
        mix: Mix,
        /// Do not measure the ceiling beside a `new` run.
        #[arg(long)]
        no_ceiling: bool,
        #[command(flatten)]
        load: Load,
    },
    /// One transaction per event straight through the driver, no athm.
    Ceiling {
        /// The database.
        #[arg(long, value_enum, default_value = "sqlite")]
        db: Backend,
        /// What each transaction writes.
        #[arg(long, value_enum, default_value = "event-payment")]
        writes: Writes,
        #[command(flatten)]
        load: Load,
    },
    /// `athm sync` over a sandbox report of `rows` completed payments.
    Sync {
        /// The database.
        #[arg(long, value_enum, default_value = "sqlite")]
        db: Backend,
        /// Completed payments in the report (half known, a quarter with changed fees).
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
    },
    /// Checkout flows (initiate → customer confirms → authorize) against the sandbox.
    Checkout {
        /// The database.
        #[arg(long, value_enum, default_value = "sqlite")]
        db: Backend,
        #[command(flatten)]
        load: Load,
    },
    /// Production's configuration: verification on, findPayment answered
    /// after `--latency`; a burst of completed events for real payments.
    Verified {
        /// The database.
        #[arg(long, value_enum, default_value = "sqlite")]
        db: Backend,
        /// How long the sandbox takes to answer findPayment.
        #[arg(long, value_parser = parse_duration, default_value = "50ms")]
        latency: Duration,
        /// Events in the burst (one payment each).
        #[arg(long, default_value_t = 2000)]
        events: usize,
        /// Concurrent deliveries.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Deliveries a second (default: as fast as they go, a burst).
        #[arg(long)]
        rate: Option<f64>,
    },
    /// Every scenario on SQLite and PostgreSQL; optionally writes the tables.
    All(suite::AllArgs),
}

/// `10s`, `500ms`, `2m` or plain seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, "s"), |i| text.split_at(i));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("unknown unit in {text}: use ms, s or m")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

/// What every scenario needs: the server to start, the database server,
/// the sandbox playing ATH Móvil.
pub(crate) struct Bench {
    pub(crate) server: ServerConfig,
    pub(crate) postgres: String,
    pub(crate) sandbox: Sandbox,
}

/// Runs a parsed command line.
pub(crate) async fn run(cli: Cli) -> Result<()> {
    let sandbox: RunningSandbox = Sandbox::start(SandboxConfig::for_tests()).await?;
    let bench = Bench {
        server: ServerConfig {
            athm: cli.athm,
            log: cli.server_log,
            log_file: cli.server_log_file,
            athm_url: sandbox.base_url(),
        },
        postgres: cli.postgres,
        sandbox: sandbox.handle(),
    };
    match cli.command {
        Command::Webhooks {
            db,
            mix,
            no_ceiling,
            load,
        } => {
            webhook_rows(&bench, db, mix, load, !no_ceiling && mix == Mix::New).await?;
        }
        Command::Ceiling { db, writes, load } => {
            ceiling_row(&bench, db, writes, load).await?;
        }
        Command::Sync { db, rows } => {
            let seeded = suite::seed(rows).await?;
            let run = sync::run_once(&bench, db, &seeded).await?;
            println!("{}", suite::sync_line(db, &run));
        }
        Command::Checkout { db, load } => {
            checkout_row(&bench, db, load).await?;
        }
        Command::Verified {
            db,
            latency,
            events,
            connections,
            rate,
        } => {
            let run =
                crate::verified::run_once(&bench, db, latency, events, connections, rate).await?;
            println!("{}", crate::verified::line(db, &run));
        }
        Command::All(args) => suite::all(&bench, args).await?,
    }
    sandbox.shutdown().await;
    Ok(())
}

fn row(backend: Backend, scenario: &str, connections: usize) -> Row {
    Row {
        backend,
        scenario: scenario.to_string(),
        connections,
        runs: Vec::new(),
    }
}

fn announce(row: &Row, run: usize) {
    println!(
        "{} {} ({} conns) run {}:",
        row.backend.label(),
        row.scenario,
        row.connections,
        run + 1
    );
}

/// Webhook runs; with `ceiling`, each run preceded by the two ceiling runs.
pub(crate) async fn webhook_rows(
    bench: &Bench,
    backend: Backend,
    mix: Mix,
    load: Load,
    with_ceiling: bool,
) -> Result<Vec<Row>> {
    let name = match mix {
        Mix::New => "webhooks new",
        Mix::Duplicate => "webhooks duplicate",
        Mix::Mixed => "webhooks mixed (3 new : 1 dup)",
    };
    let mut hooks = row(backend, name, load.connections);
    let mut both = row(backend, "ceiling: event + payment txn", load.connections);
    let mut single = row(backend, "ceiling: event-only txn", load.connections);
    for i in 0..load.runs {
        if with_ceiling {
            for (row, writes) in [
                (&mut both, Writes::EventPayment),
                (&mut single, Writes::Event),
            ] {
                announce(row, i);
                let outcome =
                    ceiling::run_once(bench, backend, writes, load.connections, load.duration)
                        .await?;
                let stats = Stats::of(&outcome);
                println!("  {}", stats.line());
                row.runs.push(stats);
            }
        }
        announce(&hooks, i);
        let run = webhooks::run_once(bench, backend, mix, load.connections, load.duration).await?;
        let stats = Stats {
            drained: Some(run.drained),
            verified: Some(run.verified),
            ..Stats::of(&run.load).memory(run.memory)
        };
        println!("  {}", stats.line());
        hooks.runs.push(stats);
    }
    let mut rows = vec![hooks];
    if with_ceiling {
        println!("{}", suite::ceiling_ratio(&rows[0], &both));
        rows.extend([both, single]);
    }
    Ok(rows)
}

/// Ceiling runs alone.
pub(crate) async fn ceiling_row(
    bench: &Bench,
    backend: Backend,
    writes: Writes,
    load: Load,
) -> Result<Row> {
    let name = match writes {
        Writes::EventPayment => "ceiling: event + payment txn",
        Writes::Event => "ceiling: event-only txn",
    };
    let mut row = row(backend, name, load.connections);
    for i in 0..load.runs {
        announce(&row, i);
        let outcome =
            ceiling::run_once(bench, backend, writes, load.connections, load.duration).await?;
        let stats = Stats::of(&outcome);
        println!("  {}", stats.line());
        row.runs.push(stats);
    }
    Ok(row)
}

/// Checkout runs.
pub(crate) async fn checkout_row(bench: &Bench, backend: Backend, load: Load) -> Result<Row> {
    let mut row = row(backend, "checkout flows", load.connections);
    for i in 0..load.runs {
        announce(&row, i);
        let run = checkout::run_once(bench, backend, load.connections, load.duration).await?;
        let stats = Stats {
            verified: Some(run.verified),
            ..Stats::of(&run.load).memory(run.memory)
        };
        println!("  {}", stats.line());
        row.runs.push(stats);
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("3h").is_err());
    }
}
