//! `athm sync`: reconciliation against the transaction report.

use std::process::ExitCode;

use athm_domain::model::parse_athm_time;
use athm_domain::services::RowOutcome;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};

use crate::startup::services;
use crate::{AppError, Settings};

/// A `--from-date`/`--to-date`: a day (whole, Puerto Rico time) or an instant.
fn parse_bound(name: &str, text: &str, end_of_day: bool) -> Result<DateTime<Utc>, AppError> {
    let text = text.trim();
    let instant = if NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
        parse_athm_time(&format!(
            "{text} {}",
            if end_of_day { "23:59:59" } else { "00:00:00" }
        ))
    } else {
        parse_athm_time(text)
    };
    instant.ok_or_else(|| {
        AppError::Config(format!(
            "{name}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, got {text:?}"
        ))
    })
}

/// Fetches the report between the two dates and reconciles it, showing progress.
pub(crate) async fn sync(
    settings: Settings,
    from: &str,
    to: &str,
    dry_run: bool,
) -> Result<ExitCode, AppError> {
    let from = parse_bound("--from-date", from, false)?;
    let to = parse_bound("--to-date", to, true)?;
    if from > to {
        return Err(AppError::Config(
            "--from-date must not be after --to-date".into(),
        ));
    }
    let services = services(&settings).await?;

    let fetching = ProgressBar::new_spinner().with_message("Fetching the transaction report…");
    let on_screen = crate::telemetry::show(&fetching);
    fetching.enable_steady_tick(std::time::Duration::from_millis(120));
    let rows = services.gateway.transaction_report(from, to).await;
    fetching.finish_and_clear();
    drop(on_screen);
    let rows = rows?;

    let bar = ProgressBar::new(rows.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let on_screen = crate::telemetry::show(&bar);
    let progress = |done: usize, _: &RowOutcome| bar.set_position(done as u64);
    let summary = services
        .reconciler
        .reconcile(&rows, dry_run, &progress)
        .await;
    bar.finish_and_clear();
    drop(on_screen);

    let days = (to - from + Duration::seconds(1)).num_days();
    println!(
        "Fetched {} transactions over {days} day(s){}",
        rows.len(),
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    println!("Created: {}", summary.created);
    println!("Updated: {}", summary.updated);
    println!("Skipped: {}", summary.skipped);
    println!("Made elsewhere: {}", summary.elsewhere.len());
    for row in &summary.elsewhere {
        eprintln!("  {row}");
    }
    println!("Needs a person: {}", summary.unmatched.len());
    for row in &summary.unmatched {
        eprintln!("  {row}");
    }
    println!("Errors: {}", summary.errors.len());
    for error in &summary.errors {
        eprintln!("  {error}");
    }
    if !dry_run {
        // Refunds whose answer was lost are settled by reading ATH Móvil,
        // whatever window was asked for.
        let settled = services.reconciler.settle_pending_refunds().await?;
        if settled.updated + settled.created > 0 {
            println!(
                "Pending refunds settled: {}",
                settled.updated + settled.created
            );
        }
    }
    Ok(if summary.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_cover_whole_puerto_rico_days() {
        let from = parse_bound("from", "2025-01-01", false).unwrap();
        let to = parse_bound("to", "2025-01-01", true).unwrap();
        assert_eq!(from.to_rfc3339(), "2025-01-01T04:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2025-01-02T03:59:59+00:00");
    }

    #[test]
    fn bad_dates_name_the_flag() {
        let error = parse_bound("--from-date", "yesterday", false).unwrap_err();
        assert!(error.to_string().contains("--from-date"));
    }
}
