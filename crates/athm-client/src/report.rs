//! The transaction report over a range of any length: windows that shrink
//! when ATH Móvil says the range is too long, "no records" as an empty
//! window, and a merge without duplicates.

use std::collections::HashSet;
use std::future::Future;

use athm_domain::ports::GatewayError;
use athm_domain::{AthmTransaction, ReferenceNumber, TransactionType};
use chrono::{DateTime, TimeDelta, Utc};

/// The shortest window tried before giving up on BTRA_0026.
pub(crate) const MIN_WINDOW: TimeDelta = TimeDelta::hours(1);

/// The range actually asked for: ATH Móvil's dates have whole seconds, so
/// `to` is rounded up to the next second (to include the second it falls
/// in), but never past `now` (future dates are refused); `None` when the
/// whole range lies in the future (nothing can have happened there yet).
///
/// What happened during the current second may therefore be missing: read
/// a range that ended at least a second ago to be sure to see it.
pub(crate) fn clamp(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if from > now {
        return None;
    }
    Some((from, ceil_second(to).min(now)))
}

fn ceil_second(at: DateTime<Utc>) -> DateTime<Utc> {
    if at.timestamp_subsec_nanos() == 0 {
        return at;
    }
    DateTime::from_timestamp(at.timestamp().saturating_add(1), 0).unwrap_or(at)
}

/// The window starting at `cursor`: `window` long, ending no later than `to`.
pub(crate) fn next_window(
    cursor: DateTime<Utc>,
    to: DateTime<Utc>,
    window: TimeDelta,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = cursor
        .checked_add_signed(window)
        .map_or(to, |end| end.min(to));
    (cursor, end)
}

/// Reads `from..=to` window by window with `fetch`, halving the window each
/// time ATH Móvil answers BTRA_0026, treating "no records" as an empty window,
/// and merging the rows without duplicates.
pub(crate) async fn fetch_range<F, Fut>(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    mut window: TimeDelta,
    mut fetch: F,
) -> Result<Vec<AthmTransaction>, GatewayError>
where
    F: FnMut(DateTime<Utc>, DateTime<Utc>) -> Fut,
    Fut: Future<Output = Result<Vec<AthmTransaction>, GatewayError>>,
{
    let mut merged = Merged::default();
    let mut cursor = from;
    loop {
        let (start, end) = next_window(cursor, to, window);
        match fetch(start, end).await {
            Ok(rows) => merged.extend(rows),
            Err(GatewayError::Refused { code, .. }) if code.means_no_records() => {}
            Err(GatewayError::Refused { code, .. })
                if code.means_range_too_long() && window / 2 >= MIN_WINDOW =>
            {
                window = window / 2;
                tracing::debug!(?window, "report range too long; halving the window");
                continue;
            }
            Err(error) => return Err(error),
        }
        if end >= to {
            return Ok(merged.rows);
        }
        cursor = end;
    }
}

/// Rows merged without duplicates: keyed by reference number and type, or
/// by full equality when there is no reference number.
#[derive(Default)]
pub(crate) struct Merged {
    seen: HashSet<(ReferenceNumber, TransactionType)>,
    rows: Vec<AthmTransaction>,
}

impl Merged {
    pub(crate) fn extend(&mut self, mut rows: Vec<AthmTransaction>) {
        if self.rows.is_empty() {
            // The first rows: deduplicated in place and kept as they are,
            // rather than moved into a second vector.
            let mut kept = 0;
            for index in 0..rows.len() {
                let row = &rows[index];
                let new = match &row.reference_number {
                    Some(reference) => self
                        .seen
                        .insert((reference.clone(), row.transaction_type.clone())),
                    None => !rows[..kept].contains(row),
                };
                if new {
                    rows.swap(kept, index);
                    kept += 1;
                }
            }
            rows.truncate(kept);
            self.rows = rows;
            return;
        }
        self.rows.reserve(rows.len());
        for row in rows {
            let new = match &row.reference_number {
                Some(reference) => self
                    .seen
                    .insert((reference.clone(), row.transaction_type.clone())),
                None => !self.rows.contains(&row),
            };
            if new {
                self.rows.push(row);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use athm_domain::ports::{AthmErrorCode, Operation};
    use serde_json::json;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn row(reference: &str, kind: &str) -> AthmTransaction {
        AthmTransaction::from_json(
            &json!({"referenceNumber": reference, "transactionType": kind,
            "status": "COMPLETED", "total": "1.00"}),
        )
        .unwrap()
    }

    fn refused(code: &str) -> GatewayError {
        GatewayError::Refused {
            operation: Operation::TransactionReport,
            code: AthmErrorCode::new(code),
            message: String::new(),
        }
    }

    #[test]
    fn future_ends_are_clamped_and_future_ranges_are_empty() {
        let now = at("2025-06-01T00:00:00Z");
        let table = [
            (
                "2025-05-01T00:00:00Z",
                "2025-07-01T00:00:00Z",
                Some(("2025-05-01T00:00:00Z", "2025-06-01T00:00:00Z")),
            ),
            (
                "2025-05-01T00:00:00Z",
                "2025-05-02T00:00:00Z",
                Some(("2025-05-01T00:00:00Z", "2025-05-02T00:00:00Z")),
            ),
            ("2025-06-02T00:00:00Z", "2025-07-01T00:00:00Z", None),
            (
                "2025-05-01T00:00:00Z",
                "2025-05-02T00:00:00.2Z",
                Some(("2025-05-01T00:00:00Z", "2025-05-02T00:00:01Z")),
            ),
            (
                "2025-05-01T00:00:00Z",
                "2025-05-31T23:59:59.9Z",
                Some(("2025-05-01T00:00:00Z", "2025-06-01T00:00:00Z")),
            ),
        ];
        for (from, to, expected) in table {
            assert_eq!(
                clamp(at(from), at(to), now),
                expected.map(|(a, b)| (at(a), at(b)))
            );
        }
    }

    #[test]
    fn duplicates_are_merged_by_reference_and_type_or_equality() {
        let mut merged = Merged::default();
        merged.extend(vec![row("a-1", "ECOMMERCE"), row("a-1", "REFUND")]);
        merged.extend(vec![row("a-1", "ecommerce"), row("a-2", "PAYMENT")]);
        let bare = AthmTransaction::from_json(&json!({"transactionType": "DONATION", "total": 2}))
            .unwrap();
        merged.extend(vec![bare.clone(), bare.clone()]);
        merged.extend(vec![bare]);
        assert_eq!(merged.rows.len(), 4);
    }

    #[test]
    fn the_first_rows_are_deduplicated_in_place_in_order() {
        let bare = AthmTransaction::from_json(&json!({"transactionType": "DONATION", "total": 2}))
            .unwrap();
        let mut merged = Merged::default();
        merged.extend(vec![
            row("a-1", "ECOMMERCE"),
            bare.clone(),
            row("a-1", "ecommerce"),
            bare.clone(),
            row("a-2", "ECOMMERCE"),
            row("a-1", "REFUND"),
        ]);
        let kept: Vec<_> = merged
            .rows
            .iter()
            .map(|r| (r.reference_number.clone(), r.transaction_type.clone()))
            .collect();
        assert_eq!(
            kept,
            vec![
                (Some("a-1".parse().unwrap()), TransactionType::Ecommerce),
                (None, bare.transaction_type.clone()),
                (Some("a-2".parse().unwrap()), TransactionType::Ecommerce),
                (Some("a-1".parse().unwrap()), TransactionType::Refund),
            ]
        );
        merged.extend(vec![row("a-2", "ECOMMERCE"), bare, row("a-3", "ECOMMERCE")]);
        assert_eq!(merged.rows.len(), 5);
    }

    type Span = (DateTime<Utc>, DateTime<Utc>);
    type Outcome = (Result<Vec<AthmTransaction>, GatewayError>, Vec<Span>);

    fn run<F>(from: &str, to: &str, window: TimeDelta, answer: F) -> Outcome
    where
        F: Fn(DateTime<Utc>, DateTime<Utc>) -> Result<Vec<AthmTransaction>, GatewayError>,
    {
        let calls = RefCell::new(Vec::new());
        let result = futures_lite(fetch_range(at(from), at(to), window, |a, b| {
            calls.borrow_mut().push((a, b));
            std::future::ready(answer(a, b))
        }));
        (result, calls.into_inner())
    }

    fn futures_lite<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn a_long_range_is_read_in_consecutive_windows_and_no_records_is_empty() {
        let (result, calls) = run(
            "2025-01-01T00:00:00Z",
            "2025-03-15T00:00:00Z",
            TimeDelta::days(30),
            |a, _| {
                if a == at("2025-01-31T00:00:00Z") {
                    Err(refused("BTRA_0046"))
                } else {
                    Ok(vec![
                        row(&format!("r-{}", a.timestamp()), "ECOMMERCE"),
                        row("same", "ECOMMERCE"),
                    ])
                }
            },
        );
        assert_eq!(
            calls,
            vec![
                (at("2025-01-01T00:00:00Z"), at("2025-01-31T00:00:00Z")),
                (at("2025-01-31T00:00:00Z"), at("2025-03-02T00:00:00Z")),
                (at("2025-03-02T00:00:00Z"), at("2025-03-15T00:00:00Z")),
            ]
        );
        assert_eq!(result.unwrap().len(), 3);
    }

    #[test]
    fn the_window_is_halved_while_the_range_is_too_long() {
        let (result, calls) = run(
            "2025-01-01T00:00:00Z",
            "2025-01-21T00:00:00Z",
            TimeDelta::days(20),
            |a, b| {
                if b - a > TimeDelta::days(7) {
                    Err(refused("BTRA_0026"))
                } else {
                    Ok(vec![])
                }
            },
        );
        assert!(result.unwrap().is_empty());
        let spans: Vec<i64> = calls.iter().map(|(a, b)| (*b - *a).num_days()).collect();
        assert_eq!(spans, vec![20, 10, 5, 5, 5, 5]);
    }

    #[test]
    fn other_refusals_and_a_range_too_long_at_the_smallest_window_are_errors() {
        let (result, calls) = run(
            "2025-01-01T00:00:00Z",
            "2025-01-02T00:00:00Z",
            TimeDelta::days(1),
            |_, _| Err(refused("BTRA_0026")),
        );
        assert_eq!(result.unwrap_err().code().unwrap().as_str(), "BTRA_0026");
        assert_eq!(
            calls.len(),
            5,
            "1 day, 12 h, 6 h, 3 h, 90 min; 45 min is below the floor: {calls:?}"
        );
        let (result, _) = run(
            "2025-01-02T00:00:00Z",
            "2025-01-01T00:00:00Z",
            TimeDelta::days(1),
            |_, _| Err(refused("BTRA_0025")),
        );
        assert_eq!(result.unwrap_err().code().unwrap().as_str(), "BTRA_0025");
    }
}
