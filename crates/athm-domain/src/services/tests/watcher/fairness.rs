//! Many waiting payments: nobody waits for others to end, nobody is
//! skipped, and the young wait without holding anyone back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

use crate::model::{AthmTransaction, AuthToken, EcommerceId, Payment, PaymentStatus};
use crate::ports::{MockAthmGateway, MockClock, MockStore, PaymentCursor, PaymentKey};
use crate::services::{PaymentService, PaymentWatcher, WatchReport};
use crate::test_support::{Row, clock, clock_at, now, record, request};

/// Payments the store holds, one [`Row`] each, in creation order.
#[derive(Clone)]
struct Shop {
    rows: Arc<Vec<Row>>,
    by_id: Arc<HashMap<EcommerceId, usize>>,
    /// The cursor of every page asked for, in order.
    pages: Arc<Mutex<Vec<Option<PaymentCursor>>>>,
    /// Every payment findPayment was asked about, in order.
    asked: Arc<Mutex<Vec<EcommerceId>>>,
    /// A broken adapter: every page starts from the oldest.
    ignores_cursor: bool,
}

/// `n` OPEN payments with 600 s timeouts, created three to a second
/// (ties broken by id) from ten minutes before [`now`]; the token of
/// each is its id.
fn waiting(n: usize) -> Vec<Payment> {
    (0..n)
        .map(|i| {
            let id = EcommerceId::new(Uuid::from_u128(1000 + i as u128));
            let age = Duration::minutes(10) - Duration::seconds((i / 3) as i64);
            Payment::open(&request(), id, AuthToken::new(id.to_string()), now() - age)
        })
        .collect()
}

impl Shop {
    fn new(payments: Vec<Payment>) -> Self {
        let by_id = payments
            .iter()
            .enumerate()
            .map(|(i, p)| (p.ecommerce_id, i))
            .collect();
        Self {
            rows: Arc::new(
                payments
                    .into_iter()
                    .map(|p| Row::new(Some(record(p))))
                    .collect(),
            ),
            by_id: Arc::new(by_id),
            pages: Arc::default(),
            asked: Arc::default(),
            ignores_cursor: false,
        }
    }

    fn row(&self, key: &PaymentKey) -> Option<&Row> {
        match key {
            PaymentKey::Ecommerce(id) => self.by_id.get(id).map(|&i| &self.rows[i]),
            PaymentKey::Reference(_) | PaymentKey::Refund(_) => None,
        }
    }

    /// The keyset page the SQL adapter answers.
    fn page(
        &self,
        statuses: &[PaymentStatus],
        after: Option<PaymentCursor>,
        limit: u64,
    ) -> Vec<Payment> {
        self.pages.lock().unwrap().push(after);
        let after = after.filter(|_| !self.ignores_cursor);
        let mut found: Vec<Payment> = self
            .rows
            .iter()
            .filter_map(|row| row.record().map(|r| r.payment))
            .filter(|p| statuses.contains(&p.status))
            .filter(|p| after.is_none_or(|cursor| PaymentCursor::of(p) > cursor))
            .collect();
        found.sort_by_key(PaymentCursor::of);
        found.truncate(limit as usize);
        found
    }

    fn store(&self) -> MockStore {
        let mut store = MockStore::new();
        let shop = self.clone();
        store
            .expect_payments_in_status()
            .returning(move |statuses, after, limit| Ok(shop.page(statuses, after, limit)));
        let shop = self.clone();
        store
            .expect_payment()
            .returning(move |key| Ok(shop.row(key).and_then(Row::record)));
        let shop = self.clone();
        store
            .expect_update_payment()
            .returning(move |key, decide| shop.row(key).expect("a known payment").apply(decide));
        store
    }

    /// ATH Móvil: the payments in `approved` are CONFIRM, the others
    /// OPEN; authorizing completes the payment the token belongs to.
    fn ath_movil(&self, approved: &[EcommerceId]) -> MockAthmGateway {
        let mut gateway = MockAthmGateway::new();
        let approved = approved.to_vec();
        let asked = self.asked.clone();
        gateway.expect_find_payment().returning(move |id| {
            asked.lock().unwrap().push(*id);
            let status = if approved.contains(id) {
                "CONFIRM"
            } else {
                "OPEN"
            };
            Ok(answer(json!({
                "ecommerceStatus": status, "ecommerceId": id.to_string(),
                "referenceNumber": "", "transactionDate": "", "dailyTransactionId": ""
            })))
        });
        gateway.expect_authorize().returning(|token| {
            Ok(answer(json!({
                "transactionType": "ECOMMERCE", "status": "COMPLETED",
                "ecommerceId": token.expose(), "referenceNumber": format!("ref-{}", token.expose()),
                "total": 25, "subTotal": 24, "tax": 1, "fee": 0.07, "netAmount": 24.93,
                "totalRefundedAmount": 0
            })))
        });
        gateway
    }

    fn watcher(&self, approved: &[EcommerceId], watch_clock: Arc<MockClock>) -> PaymentWatcher {
        let store = Arc::new(self.store());
        let payments =
            PaymentService::new(Arc::new(self.ath_movil(approved)), store.clone(), clock());
        PaymentWatcher::new(payments, store, watch_clock, Duration::seconds(30))
    }

    fn status(&self, id: EcommerceId) -> PaymentStatus {
        let key = PaymentKey::Ecommerce(id);
        self.row(&key).and_then(Row::record).unwrap().payment.status
    }

    fn pages(&self) -> Vec<Option<PaymentCursor>> {
        self.pages.lock().unwrap().clone()
    }

    fn asked_sorted(&self) -> Vec<EcommerceId> {
        let mut asked = self.asked.lock().unwrap().clone();
        asked.sort();
        asked
    }
}

fn answer(value: serde_json::Value) -> AthmTransaction {
    AthmTransaction::from_json(&value).expect("a valid transaction")
}

fn ids(payments: &[Payment]) -> Vec<EcommerceId> {
    payments.iter().map(|p| p.ecommerce_id).collect()
}

#[tokio::test]
async fn one_round_checks_every_waiting_payment_once_a_page_at_a_time() {
    // Page ends inside a tie (payments 99, 100 and 101 share a second),
    // on an exact multiple of the page, on a short page, and on nothing.
    for (n, ends) in [
        (250, vec![99, 199]),
        (200, vec![99, 199]),
        (99, vec![]),
        (0, vec![]),
    ] {
        let payments = waiting(n);
        let shop = Shop::new(payments.clone());

        let report = shop.watcher(&[], clock()).run_once(100).await.unwrap();

        assert_eq!(report.checked, n, "{n} waiting");
        assert_eq!(shop.asked_sorted(), ids(&payments), "each asked about once");
        let expected: Vec<Option<PaymentCursor>> = std::iter::once(None)
            .chain(ends.iter().map(|&i| Some(PaymentCursor::of(&payments[i]))))
            .collect();
        assert_eq!(shop.pages(), expected, "{n} waiting");
    }
}

#[tokio::test]
async fn the_newest_of_more_waiting_payments_than_a_page_is_authorized_in_one_round() {
    // The finding: 120 OPEN, the newest approved after its tab closed.
    let payments = waiting(120);
    let newest = payments[119].ecommerce_id;
    let shop = Shop::new(payments);

    let report = shop
        .watcher(&[newest], clock())
        .run_once(100)
        .await
        .unwrap();

    assert_eq!(
        (report.checked, report.authorized, report.ended),
        (120, 1, 1)
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(shop.status(newest), PaymentStatus::Completed);
}

#[tokio::test]
async fn payments_younger_than_min_age_end_the_round_and_are_checked_in_a_later_one() {
    // 150 waiting; the newest 60 were created in the last 20 s (min_age is 30 s).
    let mut payments = waiting(90);
    for i in 0..60 {
        let id = EcommerceId::new(Uuid::from_u128(5000 + i));
        let created = now() - Duration::seconds(20) + Duration::milliseconds(i as i64);
        payments.push(Payment::open(
            &request(),
            id,
            AuthToken::new(id.to_string()),
            created,
        ));
    }
    let oldest = payments[0].ecommerce_id;
    let newest = payments[149].ecommerce_id;
    let shop = Shop::new(payments.clone());

    let first = shop
        .watcher(&[oldest, newest], clock())
        .run_once(100)
        .await
        .unwrap();

    assert_eq!((first.checked, first.authorized), (90, 1));
    assert_eq!(shop.asked_sorted(), ids(&payments[..90]));
    assert_eq!(shop.pages(), vec![None], "no page is read past the young");
    assert_eq!(shop.status(oldest), PaymentStatus::Completed);
    assert_eq!(shop.status(newest), PaymentStatus::Open);

    let later = clock_at(now() + Duration::minutes(1));
    let second = shop
        .watcher(&[oldest, newest], later)
        .run_once(100)
        .await
        .unwrap();

    assert_eq!((second.checked, second.authorized), (149, 1));
    assert_eq!(shop.status(newest), PaymentStatus::Completed);
}

#[tokio::test]
async fn a_store_that_ignores_the_cursor_ends_the_round_with_an_error() {
    let shop = Shop {
        ignores_cursor: true,
        ..Shop::new(waiting(5))
    };

    let report = shop.watcher(&[], clock()).run_once(2).await.unwrap();

    assert_eq!(report.checked, 2, "the first page only");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(report.errors[0].contains("round stopped"));
    assert_eq!(shop.pages().len(), 2);
}

#[tokio::test]
async fn a_round_reports_how_long_it_took() {
    let shop = Shop::new(waiting(3));
    let calls = AtomicUsize::new(0);
    let mut ticking = MockClock::new();
    ticking.expect_now().returning(move || {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        now() + Duration::seconds(100) * i32::from(call > 0)
    });

    let report = shop
        .watcher(&[], Arc::new(ticking))
        .run_once(100)
        .await
        .unwrap();

    assert_eq!(report.took, Duration::seconds(100));
    assert_eq!(report.checked, 3);
}

#[test]
fn the_watcher_keeps_up_while_min_age_pause_and_round_stay_under_the_shortest_timeout() {
    // min_age 30 s + pause 5 s + round: under 120 s.
    let watcher = Shop::new(Vec::new()).watcher(&[], clock());
    let took = |secs| WatchReport {
        took: Duration::seconds(secs),
        ..WatchReport::default()
    };
    let pause = Duration::seconds(5);

    assert!(watcher.keeps_up(&took(0), pause));
    assert!(watcher.keeps_up(&took(84), pause));
    assert!(!watcher.keeps_up(&took(85), pause));
    assert!(!watcher.keeps_up(&took(0), Duration::seconds(90)));
    assert!(!watcher.keeps_up(&took(0), Duration::MAX), "no overflow");
}
