//! The admin listings: newest first, search, status, dates, pages.

use std::sync::Arc;

use athm_domain::ports::{ListQuery, Store};
use athm_domain::webhook::EventStatus;
use athm_domain::{Metadata, PaymentStatus};

use super::fixtures::{at, payment, phone, reference, webhook_event};

fn query<S>(search: Option<&str>, status: Option<S>) -> ListQuery<S> {
    ListQuery {
        search: search.map(str::to_string),
        status,
        ..ListQuery::default()
    }
}

async fn ids(
    store: &dyn Store,
    q: &ListQuery<PaymentStatus>,
) -> ((), u64, Vec<athm_domain::EcommerceId>) {
    let page = store.list_payments(q).await.expect("list payments");
    (
        (),
        page.total,
        page.items.into_iter().map(|p| p.ecommerce_id).collect(),
    )
}

/// Payments, refunds, clients and webhook events list newest first, with
/// case-insensitive search, filters and paging.
pub async fn listings_search_filter_and_page(store: Arc<dyn Store>) {
    let mut payments = Vec::new();
    for n in 0..5u16 {
        let mut p = payment("7.00", i64::from(n) * 60);
        match n {
            0 => p.customer_name = "ANA Ruiz".to_string(),
            1 => p.reference_number = Some(reference("215070443-abc")),
            2 => p.customer_phone = Some(phone(42)),
            3 => p.customer_email = "luis_100%@example.com".to_string(),
            _ => p.metadata_2 = Metadata::parse_field("metadata2", "Pedido-77").expect("metadata"),
        }
        if n % 2 == 0 {
            p.status = PaymentStatus::Completed;
        }
        store.insert_payment(&p).await.expect("insert");
        payments.push(p.ecommerce_id);
    }
    let newest_first: Vec<_> = payments.iter().rev().copied().collect();
    let all = ids(store.as_ref(), &ListQuery::default()).await;
    assert_eq!((all.1, all.2), (5, newest_first.clone()));
    for (search, expected) in [
        ("ana", payments[0]),
        ("070443", payments[1]),
        ("(787) 555-0042", payments[2]),
        ("5550042", payments[2]),
        ("_100%", payments[3]),
        ("pedido", payments[4]),
    ] {
        let found = ids(store.as_ref(), &query(Some(search), None)).await;
        assert_eq!((found.1, found.2), (1, vec![expected]), "search {search:?}");
    }
    let by_id = &payments[3].to_string()[..8];
    assert_eq!(
        ids(store.as_ref(), &query(Some(by_id), None)).await.2,
        vec![payments[3]]
    );
    assert_eq!(
        ids(store.as_ref(), &query(Some("%"), None)).await.1,
        1,
        "% is literal"
    );
    let done = ids(store.as_ref(), &query(None, Some(PaymentStatus::Completed))).await;
    assert_eq!(done.2, vec![payments[4], payments[2], payments[0]]);
    let window = ListQuery {
        from: Some(at(60)),
        to: Some(at(180)),
        ..ListQuery::default()
    };
    assert_eq!(
        ids(store.as_ref(), &window).await.2,
        vec![payments[2], payments[1]]
    );
    let second_page = ListQuery {
        page: 2,
        per_page: 2,
        ..ListQuery::default()
    };
    let page = ids(store.as_ref(), &second_page).await;
    assert_eq!((page.1, page.2), (5, newest_first[2..4].to_vec()));

    for n in 0..3i64 {
        let mut event = webhook_event(&format!("listing-{n}"), Some(payments[0]), n);
        event.payload = format!("{{\"name\":\"Cliente {n}\"}}");
        store.insert_webhook_event(&event).await.expect("insert");
        if n == 1 {
            store
                .record_event_outcome(event.id, EventStatus::Flagged, None, at(10))
                .await
                .expect("flag");
        }
    }
    let events = store
        .list_webhook_events(&ListQuery::default())
        .await
        .expect("events");
    let keys: Vec<_> = events
        .items
        .iter()
        .map(|e| e.idempotency_key.as_str())
        .collect();
    assert_eq!(
        (events.total, keys),
        (3, vec!["listing-2", "listing-1", "listing-0"])
    );
    let flagged = store
        .list_webhook_events(&query(None, Some(EventStatus::Flagged)))
        .await
        .expect("events");
    assert_eq!(flagged.total, 1);
    let searched = store
        .list_webhook_events(&query(Some("CLIENTE 2"), None))
        .await
        .expect("events");
    assert_eq!(searched.items[0].idempotency_key, "listing-2");
    assert!(
        store
            .list_refunds(&query(Some("x"), None))
            .await
            .expect("refunds")
            .items
            .is_empty()
    );
    let clients = store
        .list_clients(&query(Some("ana"), None))
        .await
        .expect("clients");
    assert_eq!(clients.total, 0);
}
