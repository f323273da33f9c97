//! Prometheus metrics, hand-rolled: a few counters and one histogram behind a
//! mutex, rendered in the text exposition format by `GET /metrics`.
//!
//! Hand-rolled rather than the `metrics` or `prometheus` crates: both centre
//! on a process-global registry or recorder, which parallel tests (and two
//! apps in one process) would share; what is needed here is ~150 lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use athm_domain::ports::GatewayError;
use athm_domain::services::PaymentError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    http: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    webhooks: BTreeMap<(&'static str, &'static str), u64>,
    payments: BTreeMap<(&'static str, &'static str), u64>,
    rate_limited: BTreeMap<&'static str, u64>,
}

/// The metrics registry of one [`AppState`].
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    /// Webhook store transactions (group commits).
    webhook_batches: AtomicU64,
    /// Webhook events stored through them.
    webhook_batched_events: AtomicU64,
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut inner)
    }

    /// Counts a finished HTTP request and its latency.
    pub fn observe_http(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        self.with(|m| {
            *m.http
                .entry((route.to_string(), method.to_string(), status))
                .or_default() += 1;
            let h = m.latency.entry(route.to_string()).or_default();
            for (bucket, bound) in h.buckets.iter_mut().zip(BUCKETS) {
                if secs <= bound {
                    *bucket += 1;
                }
            }
            h.sum += secs;
            h.count += 1;
        });
    }

    /// Counts a webhook event by kind and outcome.
    pub fn webhook(&self, kind: &'static str, outcome: &'static str) {
        self.with(|m| *m.webhooks.entry((kind, outcome)).or_default() += 1);
    }

    /// Counts a webhook store transaction of `events` events (group commit).
    pub fn webhook_batch(&self, events: usize) {
        self.webhook_batches.fetch_add(1, Ordering::Relaxed);
        self.webhook_batched_events
            .fetch_add(events as u64, Ordering::Relaxed);
    }

    /// Counts a payment operation (and so the ATH Móvil call it makes) by outcome.
    pub fn payment_operation(&self, operation: &'static str, error: Option<&PaymentError>) {
        let outcome = error.map_or("ok", outcome_of);
        self.with(|m| *m.payments.entry((operation, outcome)).or_default() += 1);
    }

    /// Counts a request refused by a rate limit.
    pub fn rate_limited(&self, what: &'static str) {
        self.with(|m| *m.rate_limited.entry(what).or_default() += 1);
    }

    /// The metrics in Prometheus's text format.
    pub fn render(&self) -> String {
        let m = self.with(|m| {
            (
                m.http.clone(),
                m.latency.clone(),
                m.webhooks.clone(),
                m.payments.clone(),
                m.rate_limited.clone(),
            )
        });
        let (http, latency, webhooks, payments, limited) = m;
        let mut out = String::new();
        header(
            &mut out,
            "athm_http_requests_total",
            "counter",
            "HTTP requests by route, method and status.",
        );
        for ((route, method, status), n) in &http {
            let _ = writeln!(
                out,
                "athm_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        let name = "athm_http_request_duration_seconds";
        header(
            &mut out,
            name,
            "histogram",
            "HTTP request latency by route.",
        );
        for (route, h) in &latency {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}");
            }
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", h.count);
        }
        header(
            &mut out,
            "athm_webhook_events_total",
            "counter",
            "Webhook events received, by kind and outcome.",
        );
        for ((kind, outcome), n) in &webhooks {
            let _ = writeln!(
                out,
                "athm_webhook_events_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        header(
            &mut out,
            "athm_webhook_store_batches_total",
            "counter",
            "Transactions that stored received webhook events (group commit).",
        );
        let _ = writeln!(
            out,
            "athm_webhook_store_batches_total {}",
            self.webhook_batches.load(Ordering::Relaxed)
        );
        header(
            &mut out,
            "athm_webhook_store_batched_events_total",
            "counter",
            "Webhook events stored by those transactions (divide by the batches for the mean batch size).",
        );
        let _ = writeln!(
            out,
            "athm_webhook_store_batched_events_total {}",
            self.webhook_batched_events.load(Ordering::Relaxed)
        );
        header(
            &mut out,
            "athm_payment_operations_total",
            "counter",
            "Checkout operations (each calls ATH Móvil at most once) by operation and outcome.",
        );
        for ((operation, outcome), n) in &payments {
            let _ = writeln!(
                out,
                "athm_payment_operations_total{{operation=\"{operation}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        header(
            &mut out,
            "athm_rate_limited_total",
            "counter",
            "Payment initiations refused by a rate limit, by limit.",
        );
        for (what, n) in &limited {
            let _ = writeln!(out, "athm_rate_limited_total{{limit=\"{what}\"}} {n}");
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A low-cardinality name for how a payment operation failed.
fn outcome_of(error: &PaymentError) -> &'static str {
    match error {
        PaymentError::Invalid(_) => "invalid",
        PaymentError::Rule(_) => "rule",
        PaymentError::NotFound(_) => "not_found",
        PaymentError::RefundPending { source: None, .. } => "refund_pending",
        PaymentError::RefundRefused { source: None, .. } => "refund_refused",
        PaymentError::Gateway(gateway)
        | PaymentError::RefundPending {
            source: Some(gateway),
            ..
        }
        | PaymentError::RefundRefused {
            source: Some(gateway),
            ..
        } => match gateway {
            GatewayError::Refused { .. } => "gateway_refused",
            GatewayError::RateLimited { .. } => "gateway_rate_limited",
            GatewayError::Unavailable { .. } => "gateway_unavailable",
            GatewayError::OutcomeUnknown { .. } => "gateway_outcome_unknown",
            _ => "gateway_undecodable",
        },
        _ => "store_error",
    }
}

/// Middleware: counts every request by matched route (never the raw path,
/// which would make one series per ecommerce id) and times it.
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let start = Instant::now();
    let response = next.run(req).await;
    state
        .metrics()
        .observe_http(&route, &method, response.status().as_u16(), start.elapsed());
    response
}

/// `GET /metrics`: the Prometheus text exposition.
pub(crate) async fn render(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.observe_http("/athm/webhook", "POST", 200, Duration::from_millis(20));
        metrics.observe_http("/athm/webhook", "POST", 200, Duration::from_secs(20));
        metrics.webhook("refund", "applied");
        metrics.payment_operation("payment", None);
        metrics.rate_limited("phone_number");
        let text = metrics.render();
        assert!(text.contains(
            "athm_http_requests_total{route=\"/athm/webhook\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "athm_http_request_duration_seconds_bucket{route=\"/athm/webhook\",le=\"0.01\"} 0"
        ));
        assert!(text.contains(
            "athm_http_request_duration_seconds_bucket{route=\"/athm/webhook\",le=\"0.025\"} 1"
        ));
        assert!(text.contains(
            "athm_http_request_duration_seconds_bucket{route=\"/athm/webhook\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("athm_webhook_events_total{kind=\"refund\",outcome=\"applied\"} 1"));
        assert!(
            text.contains("athm_payment_operations_total{operation=\"payment\",outcome=\"ok\"} 1")
        );
        assert!(text.contains("athm_rate_limited_total{limit=\"phone_number\"} 1"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
