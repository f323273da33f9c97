//! Logging through `tracing`, on stderr (stdout is the commands' own
//! output): one line per request, secrets never.

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, PoisonError};

use clap::ValueEnum;
use indicatif::ProgressBar;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

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
        .with_writer(Stderr);
    // Err: a subscriber is already installed (tests install one per process).
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    Ok(())
}

/// The progress bar (or spinner) on screen, if any: log lines are written
/// above it, not through it.
static ON_SCREEN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Shows `bar` until the returned guard is dropped; log lines written
/// meanwhile print above it instead of breaking it.
pub(crate) fn show(bar: &ProgressBar) -> OnScreen {
    *ON_SCREEN.lock().unwrap_or_else(PoisonError::into_inner) = Some(bar.clone());
    OnScreen
}

/// Takes the bar of [`show`] off the screen's list when dropped.
#[must_use = "the bar is forgotten when the guard is dropped"]
pub(crate) struct OnScreen;

impl Drop for OnScreen {
    fn drop(&mut self) {
        *ON_SCREEN.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// stderr, for the log lines: each line (one `write` from the formatter)
/// goes out whole, with the bar on screen hidden while it is written.
struct Stderr;

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Stderr;

    fn make_writer(&'a self) -> Self::Writer {
        Stderr
    }
}

impl Write for Stderr {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let bar = ON_SCREEN
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match bar {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(line))?,
            None => std::io::stderr().write_all(line)?,
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_on_screen_while_its_guard_lives() {
        let bar = ProgressBar::hidden();
        let guard = show(&bar);
        assert!(ON_SCREEN.lock().expect("the lock").is_some());
        let line = b"a log line\n";
        assert_eq!(Stderr.write(line).expect("stderr takes it"), line.len());
        drop(guard);
        assert!(ON_SCREEN.lock().expect("the lock").is_none());
    }
}
