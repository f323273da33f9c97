//! The confirm watcher's view: payments in some statuses, in keyset pages.

use std::sync::Arc;

use athm_domain::ports::{PaymentCursor, PaymentKey, PaymentWrite, Store};
use athm_domain::{Payment, PaymentStatus};

use super::fixtures::{at, payment};

const WAITING: [PaymentStatus; 2] = [PaymentStatus::Open, PaymentStatus::Confirm];

/// Pages of `size` after `after` until a short one; panics past 100 pages.
async fn walk(store: &dyn Store, size: u64, mut after: Option<PaymentCursor>) -> Vec<Vec<Payment>> {
    let mut pages = Vec::new();
    for _ in 0..100 {
        let page = store
            .payments_in_status(&WAITING, after, size)
            .await
            .expect("a page of waiting payments");
        assert!(page.len() as u64 <= size, "a page holds at most its limit");
        after = page.last().map(PaymentCursor::of);
        let last = (page.len() as u64) < size;
        pages.push(page);
        if last {
            return pages;
        }
    }
    panic!("the pages never end");
}

/// Pages in (created_at, ecommerce_id) order start right after their
/// cursor: walked to the end they hold every payment in the statuses once,
/// ties by ecommerce id included; a cursor is a place, not a row, so it
/// still works once its payment left the statuses.
pub async fn payments_in_status_come_in_keyset_pages(store: Arc<dyn Store>) {
    // Three created in the same microsecond, others around them, inserted
    // out of order; two that do not wait.
    let mut all = Vec::new();
    for (secs, status) in [
        (5, PaymentStatus::Open),
        (2, PaymentStatus::Open),
        (2, PaymentStatus::Confirm),
        (2, PaymentStatus::Open),
        (1, PaymentStatus::Completed),
        (7, PaymentStatus::Open),
        (3, PaymentStatus::Cancel),
        (0, PaymentStatus::Confirm),
        (4, PaymentStatus::Open),
    ] {
        let mut p = payment("1.00", secs);
        p.status = status;
        store.insert_payment(&p).await.expect("insert");
        all.push(p);
    }
    all.sort_by_key(PaymentCursor::of);
    let waiting: Vec<Payment> = all
        .iter()
        .filter(|p| WAITING.contains(&p.status))
        .cloned()
        .collect();
    assert_eq!(waiting.len(), 7);

    for size in [1, 2, 3, 7, 100] {
        let pages = walk(store.as_ref(), size, None).await;
        let walked: Vec<Payment> = pages.concat();
        assert_eq!(
            walked, waiting,
            "pages of {size} walk every waiting payment once, in order"
        );
    }
    let first_two = store
        .payments_in_status(&WAITING, None, 2)
        .await
        .expect("first page");
    assert_eq!(first_two, waiting[..2]);

    // After the last one: nothing. After one that does not wait (the
    // completed payment at 1 s): the next waiting one.
    let last = PaymentCursor::of(&waiting[6]);
    let none = store
        .payments_in_status(&WAITING, Some(last), 10)
        .await
        .expect("after the last");
    assert!(none.is_empty());
    let completed = all
        .iter()
        .find(|p| p.status == PaymentStatus::Completed)
        .expect("the completed payment");
    let next = store
        .payments_in_status(&WAITING, Some(PaymentCursor::of(completed)), 1)
        .await
        .expect("after the completed payment");
    assert_eq!(next, waiting[1..2]);

    // A payment that ends between two pages moves no one across the cursor.
    let cursor = PaymentCursor::of(&waiting[3]);
    let ended = waiting[4].clone();
    let cancel = move |record: Option<&athm_domain::ports::PaymentRecord>| {
        let mut p = record.expect("exists").payment.clone();
        p.end(PaymentStatus::Cancel, at(9))?;
        Ok(Some(PaymentWrite::payment(p)))
    };
    store
        .update_payment(&PaymentKey::Ecommerce(ended.ecommerce_id), &cancel)
        .await
        .expect("cancel one");
    let rest: Vec<Payment> = walk(store.as_ref(), 1, Some(cursor)).await.concat();
    assert_eq!(rest, waiting[5..]);

    let confirmed = store
        .payments_in_status(&[PaymentStatus::Confirm], None, 10)
        .await
        .expect("confirmed only");
    assert_eq!(confirmed.len(), 2);
    assert!(confirmed.iter().all(|p| p.status == PaymentStatus::Confirm));
}
