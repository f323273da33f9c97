//! Unlinked transactions: recorded once, kept up to date, listed newest
//! first until a payment or refund here takes their reference number.

use std::sync::Arc;

use athm_domain::ports::{ListQuery, PaymentKey, PaymentRecord, PaymentWrite, Store};
use athm_domain::{
    PaymentStatus, Refund, RefundIntent, RefundStatus, UnlinkedKind, UnlinkedTransaction,
};

use super::fixtures::{amount, at, payment, phone, reference, unlinked};

/// Tasks that record the same new row at once.
const TASKS: usize = 16;

fn query(search: Option<&str>, status: Option<UnlinkedKind>) -> ListQuery<UnlinkedKind> {
    ListQuery {
        search: search.map(str::to_string),
        status,
        ..ListQuery::default()
    }
}

/// The reference numbers `q` lists, and how many rows match in all.
async fn listed(store: &dyn Store, q: &ListQuery<UnlinkedKind>) -> (u64, Vec<String>) {
    let page = store.list_unlinked(q).await.expect("list unlinked");
    let references = page
        .items
        .iter()
        .map(|t| t.reference_number.as_str().to_string())
        .collect();
    (page.total, references)
}

/// Everything listed, newest first.
async fn all(store: &dyn Store) -> Vec<UnlinkedTransaction> {
    store
        .list_unlinked(&ListQuery::default())
        .await
        .expect("list unlinked")
        .items
}

/// Recording a row writes it; recording the same read again writes
/// nothing; a newer read updates ATH Móvil's figures and the reason but
/// keeps the first sighting; reading that again writes nothing.
pub async fn an_unlinked_transaction_is_recorded_once_and_kept_up_to_date(store: Arc<dyn Store>) {
    let first = unlinked("pay-elsewhere-1", "PAYMENT", "25.00", 0);
    assert!(store.record_unlinked(&first).await.expect("record"));
    assert!(
        !store.record_unlinked(&first).await.expect("record again"),
        "the same read writes nothing"
    );
    let mut later = first.clone();
    later.first_seen_at = at(9000);
    later.updated_at = at(9000);
    assert!(
        !store.record_unlinked(&later).await.expect("record later"),
        "a later read with the same figures writes nothing"
    );
    assert_eq!(all(store.as_ref()).await, vec![first.clone()]);

    let mut newer = first.clone();
    newer.total_refunded_amount = amount("5.00");
    newer.net_amount = Some(amount("24.94"));
    newer.reason = "refunded in part elsewhere".to_string();
    newer.first_seen_at = at(10_000);
    newer.updated_at = at(10_000);
    assert!(store.record_unlinked(&newer).await.expect("record newer"));
    let expected = UnlinkedTransaction {
        first_seen_at: first.first_seen_at,
        ..newer.clone()
    };
    assert_eq!(all(store.as_ref()).await, vec![expected]);
    assert!(
        !store
            .record_unlinked(&newer)
            .await
            .expect("record newer again")
    );
}

/// Amounts read back exactly, optional ones stay absent, and every field
/// of the row survives the round trip.
pub async fn unlinked_amounts_round_trip_exactly(store: Arc<dyn Store>) {
    let mut large = unlinked("amounts-1", "DONATION", "1234.56", 60);
    large.fee = Some(amount("0.01"));
    large.net_amount = Some(amount("1234.55"));
    large.total_refunded_amount = amount("0.01");
    large.metadata_1 = "Pedido 77".to_string();
    large.metadata_2 = "Mesa 4".to_string();
    large.message = "¡Gracias! Año nuevo".to_string();
    let mut small = unlinked("amounts-2", "REFUND", "0.01", 0);
    small.fee = None;
    small.date = None;
    small.customer_phone = None;
    small.customer_email = String::new();
    for t in [&large, &small] {
        assert!(store.record_unlinked(t).await.expect("record"));
    }
    assert_eq!(all(store.as_ref()).await, vec![large, small]);
}

/// Text of any kind (a NUL, names far longer than a column) is recorded,
/// and recording the same read again writes nothing.
pub async fn unlinked_text_of_any_kind_is_recorded_and_a_reread_writes_nothing(
    store: Arc<dyn Store>,
) {
    let mut odd = unlinked("odd-text", "PAYMENT", "3.00", 0);
    odd.customer_name = format!("Ana\0{}", "ñ".repeat(400));
    odd.customer_email = "x".repeat(1000);
    odd.metadata_1 = "m".repeat(300);
    odd.message = format!("hola\0{}", "a".repeat(70_000));
    odd.reason = "r".repeat(70_000);
    assert!(store.record_unlinked(&odd).await.expect("record"));
    assert!(!store.record_unlinked(&odd).await.expect("record again"));
    let listed = all(store.as_ref()).await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].customer_name.starts_with("Ana"));
}

/// The listing is newest first by ATH Móvil's date (rows without a date
/// last), filters refunds or everything else, searches case-insensitively
/// and pages.
pub async fn unlinked_transactions_list_newest_first_filtered_and_searched(store: Arc<dyn Store>) {
    let mut rows = vec![
        unlinked("p-0", "PAYMENT", "1.00", 0),
        unlinked("p-120", "ECOMMERCE", "2.00", 120),
        unlinked("r-60", "REFUND", "3.00", 60),
        unlinked("d-180", "DONATION", "4.00", 180),
        unlinked("p-undated", "PAYMENT", "5.00", 30),
    ];
    rows[1].customer_name = "LUIS Pérez".to_string();
    rows[2].customer_phone = Some(phone(42));
    rows[3].metadata_2 = "Pedido_9%".to_string();
    rows[4].date = None;
    for t in &rows {
        assert!(store.record_unlinked(t).await.expect("record"));
    }
    let newest_first = ["d-180", "p-120", "r-60", "p-0", "p-undated"];
    assert_eq!(
        listed(store.as_ref(), &ListQuery::default()).await,
        (5, newest_first.map(String::from).to_vec())
    );
    assert_eq!(
        listed(store.as_ref(), &query(None, Some(UnlinkedKind::Refund))).await,
        (1, vec!["r-60".to_string()])
    );
    assert_eq!(
        listed(store.as_ref(), &query(None, Some(UnlinkedKind::Payment))).await,
        (
            4,
            vec!["d-180", "p-120", "p-0", "p-undated"]
                .into_iter()
                .map(String::from)
                .collect()
        )
    );
    for (search, expected) in [
        ("luis", "p-120"),
        ("(787) 555-0042", "r-60"),
        ("_9%", "d-180"),
        ("UNDATED", "p-undated"),
    ] {
        assert_eq!(
            listed(store.as_ref(), &query(Some(search), None)).await,
            (1, vec![expected.to_string()]),
            "search {search:?}"
        );
    }
    assert_eq!(
        listed(
            store.as_ref(),
            &query(Some("ana"), Some(UnlinkedKind::Refund))
        )
        .await
        .1,
        vec!["r-60".to_string()],
        "search and filter combine"
    );
    let window = ListQuery {
        from: Some(at(60)),
        to: Some(at(180)),
        ..ListQuery::default()
    };
    assert_eq!(
        listed(store.as_ref(), &window).await.1,
        vec!["p-120".to_string(), "r-60".to_string()]
    );
    let second_page = ListQuery {
        page: 2,
        per_page: 2,
        ..ListQuery::default()
    };
    assert_eq!(
        listed(store.as_ref(), &second_page).await,
        (5, vec!["r-60".to_string(), "p-0".to_string()])
    );
}

/// A row leaves the listing once a payment here takes its reference
/// number, or a refund here does; payments without a reference number
/// hide nothing.
pub async fn an_unlinked_transaction_leaves_the_listing_once_a_payment_or_refund_takes_its_reference(
    store: Arc<dyn Store>,
) {
    for t in [
        unlinked("taken-by-payment", "ECOMMERCE", "10.00", 0),
        unlinked("taken-by-refund", "REFUND", "2.00", 60),
        unlinked("still-unlinked", "PAYMENT", "1.00", 120),
    ] {
        assert!(store.record_unlinked(&t).await.expect("record"));
    }
    store
        .insert_payment(&payment("9.00", 0))
        .await
        .expect("a payment without a reference number");
    assert_eq!(listed(store.as_ref(), &ListQuery::default()).await.0, 3);

    let mut paid = payment("10.00", 10);
    paid.status = PaymentStatus::Completed;
    paid.reference_number = Some(reference("taken-by-payment"));
    store.insert_payment(&paid).await.expect("insert");
    assert_eq!(listed(store.as_ref(), &ListQuery::default()).await.0, 2);

    let mut refund = Refund::plan(
        &paid,
        &[],
        Some(amount("2.00")),
        Default::default(),
        RefundIntent::random(),
        at(70),
    )
    .expect("a valid refund")
    .into_refund();
    refund.status = RefundStatus::Completed;
    refund.reference_number = Some(reference("taken-by-refund"));
    let decide = move |record: Option<&PaymentRecord>| {
        let mut write = PaymentWrite::payment(record.expect("exists").payment.clone());
        write.refunds = vec![refund.clone()];
        Ok(Some(write))
    };
    store
        .update_payment(&PaymentKey::Ecommerce(paid.ecommerce_id), &decide)
        .await
        .expect("record the refund");
    assert_eq!(
        listed(store.as_ref(), &ListQuery::default()).await,
        (1, vec!["still-unlinked".to_string()])
    );
    assert_eq!(
        listed(store.as_ref(), &query(None, Some(UnlinkedKind::Refund)))
            .await
            .0,
        0
    );
}

/// 16 tasks record the same new row at once: every one succeeds, exactly
/// one writes, and one row is left.
pub async fn concurrent_records_of_one_new_unlinked_transaction_leave_one_row(
    store: Arc<dyn Store>,
) {
    let row = unlinked("raced-1", "PAYMENT", "7.77", 0);
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, row, barrier) = (store.clone(), row.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.record_unlinked(&row).await
            })
        })
        .collect();
    let mut written = 0;
    for task in tasks {
        if task
            .await
            .expect("the task did not panic")
            .expect("no record fails")
        {
            written += 1;
        }
    }
    assert_eq!(written, 1, "exactly one record writes");
    assert_eq!(all(store.as_ref()).await, vec![row]);
}

/// Where a refund that names no payment may belong: the customer's
/// completed payments here, and the customer's payments made elsewhere
/// (never a refund, never another customer's), with how many in all.
pub async fn a_customer_s_payments_here_and_elsewhere_are_found_by_phone(store: Arc<dyn Store>) {
    let mut paid = payment("10.00", 10);
    paid.customer_phone = Some(phone(1));
    let mut open = payment("11.00", 20);
    open.customer_phone = Some(phone(1));
    let mut stranger = payment("12.00", 30);
    stranger.customer_phone = Some(phone(2));
    for p in [&mut paid, &mut stranger] {
        p.status = PaymentStatus::Completed;
    }
    for p in [&paid, &open, &stranger] {
        store.insert_payment(p).await.expect("insert");
    }
    let found = store.customer_payments(&phone(1), 10).await.expect("read");
    assert_eq!(found.total, 1, "only the customer's completed payment");
    assert_eq!(found.items[0].ecommerce_id, paid.ecommerce_id);

    let mut other = unlinked("e-3", "PAYMENT", "3.00", 3);
    other.customer_phone = Some(phone(2));
    for t in [
        unlinked("e-1", "ECOMMERCE", "1.00", 1),
        unlinked("e-2", "DONATION", "2.00", 2),
        unlinked("r-1", "REFUND", "1.00", 4),
        other,
    ] {
        store.record_unlinked(&t).await.expect("record");
    }
    let elsewhere = store.customer_unlinked(&phone(1), 1).await.expect("read");
    assert_eq!(elsewhere.total, 2, "the customer's payments made elsewhere");
    assert_eq!(elsewhere.items.len(), 1, "at most the limit");
    assert_eq!(elsewhere.items[0].reference_number.as_str(), "e-2");
}
