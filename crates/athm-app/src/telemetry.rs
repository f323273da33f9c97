//! Logging through `tracing`, on stderr (stdout is the commands' own
//! output): one line per request, secrets never.

use std::io::IsTerminal;

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;

use crate::AppError;

/// The filter `athm` starts with: `info`, but the migrator and PostgreSQL's
/// notices only when they warn (a fresh database would otherwise print a
/// line per migration, and "relation already exists" on PostgreSQL).
pub const DEFAULT_FILTER: &str = "info,sea_orm_migration=warn,sqlx::postgres::notice=warn";

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lines for a person; coloured only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Installs the global subscriber: stderr, `filter` (tracing's `EnvFilter`
/// syntax), `format`. A second call leaves the first subscriber in place.
///
/// # Errors
/// [`AppError::Config`] when `filter` does not parse.
pub fn init(filter: &str, format: LogFormat) -> Result<(), AppError> {
    let parsed = EnvFilter::try_new(filter).map_err(|error| {
        AppError::Config(format!(
            "ATHM_LOG (--log) {filter:?} is not a log filter ({error}): write e.g. \
             info, or info,athm_web=debug"
        ))
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(parsed)
        .with_target(false)
        .with_writer(std::io::stderr);
    // Err: a subscriber is already installed (tests install one per process).
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    Ok(())
}
