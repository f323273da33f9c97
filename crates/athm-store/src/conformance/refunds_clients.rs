//! Refunds upserted by id, and clients merged by phone.

use std::sync::Arc;

use athm_domain::ports::{ListQuery, PaymentKey, PaymentRecord, PaymentWrite, Store, StoreError};
use athm_domain::{ClientUpdate, Payment, PaymentStatus, Refund, RefundIntent, RefundStatus};

use super::fixtures::{amount, at, payment, phone, reference};

/// A refund is inserted, then updated by id; a taken refund reference is refused.
pub async fn refunds_are_upserted_by_id(store: Arc<dyn Store>) {
    let mut p = payment("20.00", 0);
    p.status = PaymentStatus::Completed;
    p.reference_number = Some(reference("pay-1"));
    p.customer_phone = Some(phone(1));
    store.insert_payment(&p).await.expect("insert");
    let key = PaymentKey::Ecommerce(p.ecommerce_id);

    let first = Refund::plan(
        &p,
        &[],
        Some(amount("0.01")),
        Default::default(),
        RefundIntent::random(),
        at(10),
    )
    .expect("a valid refund")
    .into_refund();
    let write = |refunds: Vec<Refund>| {
        move |record: Option<&PaymentRecord>| {
            let mut w = PaymentWrite::payment(record.expect("exists").payment.clone());
            w.refunds.clone_from(&refunds);
            Ok(Some(w))
        }
    };
    store
        .update_payment(&key, &write(vec![first.clone()]))
        .await
        .expect("insert a refund");
    assert_eq!(
        store.pending_refunds().await.expect("pending"),
        vec![first.clone()]
    );

    let mut done = first.clone();
    done.status = RefundStatus::Completed;
    done.reference_number = Some(reference("ref-r1"));
    let mut second = first.clone();
    second.id = athm_domain::RefundId::random();
    second.intent_key = Some(RefundIntent::random());
    second.created_at = at(20);
    second.amount = amount("19.99");
    second.status = RefundStatus::Failed;
    second.failure = Some("BTRA_0017".to_string());
    store
        .update_payment(&key, &write(vec![done.clone(), second.clone()]))
        .await
        .expect("update one refund, insert another");
    let record = store.payment(&key).await.expect("load").expect("exists");
    assert_eq!(record.refunds, vec![done.clone(), second.clone()]);
    let by_refund = PaymentKey::Refund(reference("ref-r1"));
    let found = store.payment(&by_refund).await.expect("load by refund");
    assert_eq!(
        found,
        Some(record.clone()),
        "a refund's reference names its payment"
    );
    let unknown = PaymentKey::Refund(reference("ref-none"));
    assert_eq!(store.payment(&unknown).await.expect("load"), None);
    assert!(store.pending_refunds().await.expect("pending").is_empty());
    let page = store
        .list_refunds(&ListQuery::default())
        .await
        .expect("list");
    assert_eq!(
        (page.total, page.items),
        (2, vec![second.clone(), done.clone()])
    );

    let mut clash = second.clone();
    clash.id = athm_domain::RefundId::random();
    clash.reference_number = Some(reference("ref-r1"));
    let err = store
        .update_payment(&key, &write(vec![clash]))
        .await
        .expect_err("a refund reference number is unique");
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
}

/// A completed payment with reference number `reference`, stored.
async fn completed_payment(store: &dyn Store, reference_number: &str) -> Payment {
    let mut p = payment("20.00", 0);
    p.status = PaymentStatus::Completed;
    p.reference_number = Some(reference(reference_number));
    store.insert_payment(&p).await.expect("insert");
    p
}

/// Writes `refunds` on the payment they refund, in one step.
async fn save_refunds(store: &dyn Store, refunds: Vec<Refund>) -> Result<(), StoreError> {
    let key = PaymentKey::Ecommerce(refunds[0].ecommerce_id);
    let step = move |record: Option<&PaymentRecord>| {
        let mut w = PaymentWrite::payment(record.expect("exists").payment.clone());
        w.refunds.clone_from(&refunds);
        Ok(Some(w))
    };
    store.update_payment(&key, &step).await.map(|_| ())
}

/// A refund's intent key reads back as written; a second refund of the
/// same payment with the same intent is refused (and writes nothing),
/// while the same intent on another payment, updates of the refund, and
/// any number of refunds without an intent are accepted.
pub async fn a_refund_intent_round_trips_and_is_one_refund_per_payment(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let p = completed_payment(store, "pay-i1").await;
    let q = completed_payment(store, "pay-i2").await;
    let intent: RefundIntent = "order-7:refund-1".parse().expect("a valid intent");
    let refund = |of: &Payment, secs| {
        Refund::plan(
            of,
            &[],
            Some(amount("1.00")),
            Default::default(),
            intent.clone(),
            at(secs),
        )
        .expect("a valid refund")
        .into_refund()
    };
    let first = refund(&p, 10);
    save_refunds(store, vec![first.clone()])
        .await
        .expect("a refund with an intent");
    let load = |of: &Payment| {
        let key = PaymentKey::Ecommerce(of.ecommerce_id);
        async move {
            store
                .payment(&key)
                .await
                .expect("load")
                .expect("exists")
                .refunds
        }
    };
    assert_eq!(
        load(&p).await,
        vec![first.clone()],
        "the intent round trips"
    );

    let err = save_refunds(store, vec![refund(&p, 11)])
        .await
        .expect_err("one refund per intent and payment");
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    assert_eq!(load(&p).await, vec![first.clone()], "nothing was written");

    let mut done = first.clone();
    done.status = RefundStatus::Completed;
    done.reference_number = Some(reference("ref-i1"));
    let mut plain = Vec::new();
    for secs in [12, 13] {
        let mut r = refund(&p, secs);
        r.intent_key = None;
        plain.push(r);
    }
    save_refunds(store, [vec![done.clone()], plain.clone()].concat())
        .await
        .expect("the refund updated, two refunds without an intent");
    assert_eq!(load(&p).await, [vec![done], plain].concat());
    let elsewhere = refund(&q, 14);
    save_refunds(store, vec![elsewhere.clone()])
        .await
        .expect("the same intent on another payment");
    assert_eq!(load(&q).await, vec![elsewhere]);
}

/// The latest non-empty name and email win, through `upsert_client` and through a step.
pub async fn clients_merge_latest_non_empty_details(store: Arc<dyn Store>) {
    let update = |name: &str, email: &str| {
        ClientUpdate::new(Some(&phone(7)), name, email).expect("a phone number")
    };
    let created = store
        .upsert_client(&update("Ana", "ana@example.com"), at(0))
        .await
        .expect("create");
    assert_eq!((created.name.as_str(), created.created_at), ("Ana", at(0)));
    let same = store
        .upsert_client(&update("", ""), at(5))
        .await
        .expect("merge nothing");
    assert_eq!(same, created);

    let mut p = payment("3.00", 10);
    p.customer_phone = Some(phone(7));
    p.updated_at = at(10);
    let key = PaymentKey::Ecommerce(p.ecommerce_id);
    let step = move |_: Option<&PaymentRecord>| {
        let mut w = PaymentWrite::payment(p.clone());
        w.client = ClientUpdate::new(p.customer_phone.as_ref(), "Ana Ruiz", "");
        Ok(Some(w))
    };
    store
        .update_payment(&key, &step)
        .await
        .expect("a step merges the client");
    let client = store
        .client(&phone(7))
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(client.name, "Ana Ruiz");
    assert_eq!(client.email, "ana@example.com");
    assert_eq!((client.created_at, client.updated_at), (at(0), at(10)));
    let page = store
        .list_clients(&ListQuery::default())
        .await
        .expect("list");
    assert_eq!((page.total, page.items), (1, vec![client]));
    assert!(store.client(&phone(8)).await.expect("load").is_none());
}
