//! Medians, the console lines and the Markdown tables of `docs/performance.md`.

use std::time::Duration;

use crate::db::Backend;
use crate::load::Outcome;
use crate::server::Memory;

/// One run's figures.
#[derive(Debug, Clone)]
pub(crate) struct Stats {
    pub(crate) rate: f64,
    pub(crate) p50: f64,
    pub(crate) p90: f64,
    pub(crate) p99: f64,
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
    pub(crate) peak_mib: Option<f64>,
    /// Backlog drained after (None: not within 5 s); absent when not measured.
    pub(crate) drained: Option<Option<Duration>>,
    pub(crate) verified: Option<Result<String, String>>,
}

impl Stats {
    /// The load figures of `outcome`.
    pub(crate) fn of(outcome: &Outcome) -> Stats {
        Stats {
            rate: outcome.rate(),
            p50: outcome.ms(0.50),
            p90: outcome.ms(0.90),
            p99: outcome.ms(0.99),
            requests: outcome.new + outcome.duplicate,
            errors: outcome.errors,
            first_error: outcome.first_error.clone(),
            peak_mib: None,
            drained: None,
            verified: None,
        }
    }

    /// With the server's memory.
    pub(crate) fn memory(self, memory: Memory) -> Stats {
        Stats {
            peak_mib: Some(memory.peak_mib()),
            ..self
        }
    }

    /// One console line.
    pub(crate) fn line(&self) -> String {
        let mut line = format!(
            "{:>9.0} req/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>7.2} ms  {} answered, {} errors",
            self.rate, self.p50, self.p90, self.p99, self.requests, self.errors
        );
        if let Some(peak) = self.peak_mib {
            line += &format!("  peak RSS {peak:.1} MiB");
        }
        if let Some(drained) = self.drained {
            line += &match drained {
                Some(d) => format!("  backlog empty after {} ms", d.as_millis()),
                None => "  backlog NOT empty after 5 s".into(),
            };
        }
        if let Some(verified) = &self.verified {
            line += &match verified {
                Ok(facts) => format!("\n      verified: {facts}"),
                Err(facts) => format!("\n      VERIFICATION FAILED: {facts}"),
            };
        }
        if let Some(error) = &self.first_error {
            line += &format!("\n      first error: {error}");
        }
        line
    }
}

/// One scenario's runs.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) backend: Backend,
    pub(crate) scenario: String,
    pub(crate) connections: usize,
    pub(crate) runs: Vec<Stats>,
}

/// The median of `values` (the mean of the middle two for an even count).
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

impl Row {
    /// The median of one figure over the runs.
    pub(crate) fn median(&self, figure: impl Fn(&Stats) -> f64) -> f64 {
        median(self.runs.iter().map(figure).collect())
    }

    /// The highest peak RSS of the runs, in MiB.
    pub(crate) fn peak_mib(&self) -> Option<f64> {
        self.runs.iter().filter_map(|r| r.peak_mib).reduce(f64::max)
    }

    /// The slowest drain of the runs (None inside: some run did not drain in 5 s).
    pub(crate) fn slowest_drain(&self) -> Option<Option<Duration>> {
        let drains: Vec<_> = self.runs.iter().filter_map(|r| r.drained).collect();
        if drains.is_empty() {
            return None;
        }
        Some(
            drains
                .iter()
                .try_fold(Duration::ZERO, |max, d| d.map(|d| max.max(d))),
        )
    }

    /// Whether every run's database check passed (None: not checked).
    pub(crate) fn verified(&self) -> Option<bool> {
        let checks: Vec<_> = self
            .runs
            .iter()
            .filter_map(|r| r.verified.as_ref())
            .collect();
        (!checks.is_empty()).then(|| checks.iter().all(|c| c.is_ok()))
    }

    /// The row of the scenario table.
    pub(crate) fn markdown(&self) -> String {
        let drain = match self.slowest_drain() {
            None => "–".into(),
            Some(None) => "> 5 s".into(),
            Some(Some(d)) => format!("{} ms", d.as_millis()),
        };
        let verified = match self.verified() {
            None => "–",
            Some(true) => "yes",
            Some(false) => "**NO**",
        };
        format!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {} | {} |",
            self.backend.label(),
            self.scenario,
            self.connections,
            self.median(|s| s.rate),
            self.median(|s| s.p50),
            self.median(|s| s.p90),
            self.median(|s| s.p99),
            self.runs.iter().map(|r| r.errors).sum::<u64>(),
            self.peak_mib().map_or("–".into(), |p| format!("{p:.1}")),
            drain,
            verified,
            self.runs
                .iter()
                .map(|r| format!("{:.0}", r.rate))
                .collect::<Vec<_>>()
                .join(" / "),
        )
    }
}

/// The header of the scenario table.
pub(crate) const SCENARIO_HEADER: &str = "| database | scenario | conns | req/s (median) | p50 ms | p90 ms | p99 ms | errors | peak RSS MiB | backlog drained | DB check | req/s per run |\n|---|---|---|---|---|---|---|---|---|---|---|---|";

/// Replaces the text between the bench markers of `path` with `generated`
/// (the whole file when it has no markers yet).
pub(crate) fn write(path: &std::path::Path, generated: &str) -> std::io::Result<()> {
    const BEGIN: &str =
        "<!-- athm-bench:begin (generated by `just bench`; edit outside these markers) -->";
    const END: &str = "<!-- athm-bench:end -->";
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let block = format!("{BEGIN}\n{generated}\n{END}");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{block}{}", &old[..b], &old[e + END.len()..]),
        _ if old.trim().is_empty() => format!("# Performance\n\n{block}\n"),
        _ => format!("{}\n\n{block}\n", old.trim_end()),
    };
    std::fs::write(path, new)
}
