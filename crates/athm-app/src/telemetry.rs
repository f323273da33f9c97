//! Logging through `tracing`: one line per request, secrets never.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber with `filter` (tracing's `EnvFilter` syntax).
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
