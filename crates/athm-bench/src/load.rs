//! The load loop: a fixed number of workers, each issuing one request after
//! another until the deadline, with a latency histogram.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::Result;

/// How a request ended, as the scenario classifies its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// New work accepted (a new event stored, a flow completed, a transaction committed).
    New,
    /// A redelivery answered as such.
    Duplicate,
}

/// What one bounded run measured.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) new: u64,
    pub(crate) duplicate: u64,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
    pub(crate) elapsed: Duration,
    /// Latency in microseconds.
    pub(crate) latency: Histogram<u64>,
}

impl Outcome {
    /// Answered requests per second (errors excluded).
    pub(crate) fn rate(&self) -> f64 {
        (self.new + self.duplicate) as f64 / self.elapsed.as_secs_f64()
    }

    /// A latency quantile in milliseconds.
    pub(crate) fn ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }
}

fn histogram() -> Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, 120_000_000, 3)?)
}

/// Runs `job(worker, seq)` from `workers` concurrent workers until
/// `duration` has passed; a request started before the deadline is awaited.
pub(crate) async fn run<F, Fut>(workers: usize, duration: Duration, job: F) -> Result<Outcome>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Answer, String>> + Send,
{
    let job = Arc::new(job);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..workers {
        let job = job.clone();
        let mut mine = histogram()?;
        tasks.spawn(async move {
            let (mut new, mut duplicate, mut errors, mut first_error) = (0, 0, 0, None);
            let mut seq = 0;
            while Instant::now() < deadline {
                let began = Instant::now();
                let answer = job(worker, seq).await;
                let took = began.elapsed().as_micros().max(1);
                mine.saturating_record(u64::try_from(took).unwrap_or(u64::MAX));
                match answer {
                    Ok(Answer::New) => new += 1,
                    Ok(Answer::Duplicate) => duplicate += 1,
                    Err(error) => {
                        errors += 1;
                        first_error.get_or_insert(error);
                    }
                }
                seq += 1;
            }
            (new, duplicate, errors, first_error, mine)
        });
    }
    let mut outcome = Outcome {
        new: 0,
        duplicate: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latency: histogram()?,
    };
    while let Some(done) = tasks.join_next().await {
        let (new, duplicate, errors, first_error, latency) = done?;
        outcome.new += new;
        outcome.duplicate += duplicate;
        outcome.errors += errors;
        if outcome.first_error.is_none() {
            outcome.first_error = first_error;
        }
        outcome.latency.add(&latency)?;
    }
    outcome.elapsed = start.elapsed();
    Ok(outcome)
}

/// A process-unique sequence number for a worker's `seq`-th request.
pub(crate) fn global_seq(worker: usize, seq: u64) -> u64 {
    (worker as u64) << 40 | seq
}
