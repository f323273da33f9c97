//! The transaction report over long ranges, empty ranges and the future.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use athm_domain::TransactionType;
use athm_domain::ports::{AthmGateway, RefundOrder};
use athm_sandbox::{Fault, Operation as Op, SandboxConfig};
use chrono::{DateTime, TimeDelta, Utc};

use crate::helpers::{TestEnv, spawn, spawn_with};

/// Real time moved back by a number of days.
#[derive(Debug)]
struct Past(TimeDelta);

impl athm_sandbox::Clock for Past {
    fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(std::time::SystemTime::now()) - self.0
    }
}

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Three completed payments 40 days apart and one refund, 100 days ago onwards.
async fn history(window_days: u64) -> (TestEnv, DateTime<Utc>) {
    let config = SandboxConfig {
        clock: Arc::new(Past(TimeDelta::days(100))),
        ..SandboxConfig::for_tests()
    };
    let env = spawn_with(config, |c| c.report_window = DAY * window_days as u32).await;
    let start = env.sandbox.now();
    let (_, first) = env.completed("10.00").await;
    env.client
        .refund(&RefundOrder {
            reference_number: first,
            amount: "2.00".parse().expect("amount"),
            message: Default::default(),
        })
        .await
        .expect("refunded");
    env.sandbox.advance_clock(DAY * 40);
    env.completed("20.00").await;
    env.sandbox.advance_clock(DAY * 40);
    env.completed("30.00").await;
    // The report reads whole seconds: what happened this second shows up next second.
    env.sandbox.advance_clock(Duration::from_secs(1));
    (env, start)
}

fn assert_full_history(rows: &[athm_domain::AthmTransaction]) {
    let kinds: Vec<_> = rows.iter().map(|r| r.transaction_type.clone()).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == TransactionType::Ecommerce)
            .count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == TransactionType::Refund)
            .count(),
        1,
        "{kinds:?}"
    );
    let keys: HashSet<_> = rows
        .iter()
        .map(|r| (r.reference_number.clone(), r.transaction_type.clone()))
        .collect();
    assert_eq!(keys.len(), rows.len(), "no duplicates");
}

#[tokio::test]
async fn a_range_longer_than_the_window_is_read_in_windows_and_merged() {
    let (env, start) = history(30).await;
    let to = env.sandbox.now() + TimeDelta::days(5);
    let rows = env
        .client
        .transaction_report(start - TimeDelta::days(1), to)
        .await
        .expect("report");
    assert_full_history(&rows);
}

#[tokio::test]
async fn a_window_longer_than_ath_movil_allows_is_halved_until_accepted() {
    let (env, start) = history(120).await;
    let rows = env
        .client
        .transaction_report(start - TimeDelta::days(1), env.sandbox.now())
        .await
        .expect("report");
    assert_full_history(&rows);
}

#[tokio::test]
async fn no_records_is_an_empty_list() {
    let env = spawn().await;
    let now = env.sandbox.now();
    let rows = env
        .client
        .transaction_report(now - TimeDelta::days(10), now)
        .await
        .expect("report");
    assert!(rows.is_empty());

    env.completed("5.00").await;
    let rows = env
        .client
        .transaction_report(now - TimeDelta::days(10), now - TimeDelta::days(5))
        .await
        .expect("report");
    assert!(rows.is_empty());
}

#[tokio::test]
async fn a_range_wholly_in_the_future_asks_nothing() {
    let env = spawn().await;
    env.sandbox
        .faults()
        .set(Op::Report, Fault::InternalError, None);
    let now = env.sandbox.now();
    let rows = env
        .client
        .transaction_report(now + TimeDelta::days(1), now + TimeDelta::days(2))
        .await
        .expect("report");
    assert!(rows.is_empty());
    assert_eq!(env.sandbox.faults().fired(Op::Report), 0);
}
