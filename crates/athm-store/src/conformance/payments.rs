//! Payments: exact money, unique keys, and the atomic step.

use std::sync::Arc;

use athm_domain::ports::{PaymentKey, PaymentWrite, Store, StoreError};
use athm_domain::{CheckoutKey, Item, PaymentStatus, RuleError};

use super::fixtures::{amount, at, payment, reference};

/// 0.01, 1499.99 and 1500.00 come back exactly, in every money column.
pub async fn money_round_trips_exactly(store: Arc<dyn Store>) {
    let mut p = payment("1500.00", 0);
    p.subtotal = Some(amount("1499.99"));
    p.tax = Some(amount("0.01"));
    p.fee = Some(amount("0.01"));
    p.net_amount = Some(amount("1499.99"));
    p.total_refunded_amount = amount("0.01");
    p.items.push(Item {
        name: "Penny".to_string(),
        description: String::new(),
        quantity: 3,
        price: amount("0.01"),
        tax: Some(amount("1499.99")),
        metadata: None,
    });
    store.insert_payment(&p).await.expect("insert");
    let loaded = store
        .payment(&PaymentKey::Ecommerce(p.ecommerce_id))
        .await
        .expect("load")
        .expect("the payment exists");
    assert_eq!(loaded.payment, p);
    assert_eq!(loaded.payment.total.to_string(), "1500.00");
    assert_eq!(
        loaded.payment.subtotal.map(|a| a.value()),
        Some(amount("1499.99").value())
    );
    assert!(loaded.refunds.is_empty());
    let open = store
        .payments_in_status(&[PaymentStatus::Open], None, 10)
        .await
        .expect("by status");
    assert_eq!(open, vec![p]);
}

/// Many payments have no reference number; two cannot share one.
pub async fn payments_without_reference_numbers_coexist(store: Arc<dyn Store>) {
    for secs in 0..3 {
        store
            .insert_payment(&payment("1.00", secs))
            .await
            .expect("payments without reference numbers coexist");
    }
    let mut first = payment("2.00", 10);
    first.reference_number = Some(reference("ref-1"));
    store.insert_payment(&first).await.expect("insert");
    let mut second = payment("3.00", 11);
    second.reference_number = Some(reference("ref-1"));
    let err = store
        .insert_payment(&second)
        .await
        .expect_err("taken reference");
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    let found = store
        .payment(&PaymentKey::Reference(reference("ref-1")))
        .await
        .expect("load")
        .expect("found by reference");
    assert_eq!(found.payment.ecommerce_id, first.ecommerce_id);
    assert!(
        store
            .payment(&PaymentKey::Ecommerce(second.ecommerce_id))
            .await
            .expect("load")
            .is_none()
    );
}

/// Inserting a payment whose ecommerce id is known is `Duplicate`.
pub async fn insert_payment_refuses_a_known_ecommerce_id(store: Arc<dyn Store>) {
    let p = payment("5.00", 0);
    store.insert_payment(&p).await.expect("insert");
    let mut again = payment("6.00", 1);
    again.ecommerce_id = p.ecommerce_id;
    match store.insert_payment(&again).await {
        Err(StoreError::Duplicate { entity, key }) => {
            assert_eq!((entity, key), ("payment", p.ecommerce_id.to_string()));
        }
        other => panic!("expected Duplicate, got {other:?}"),
    }
}

/// The step creates an absent payment, updates a present one, writes
/// nothing when told nothing, and nothing at all when the decision refuses.
pub async fn update_payment_creates_updates_and_refuses(store: Arc<dyn Store>) {
    let p = payment("10.00", 0);
    let key = PaymentKey::Ecommerce(p.ecommerce_id);
    let create = {
        let p = p.clone();
        move |record: Option<&athm_domain::ports::PaymentRecord>| {
            assert!(record.is_none(), "the payment does not exist yet");
            Ok(Some(PaymentWrite::payment(p.clone())))
        }
    };
    let created = store.update_payment(&key, &create).await.expect("create");
    assert!(created.created(), "the step says it created the payment");
    assert_eq!(created.before, None);
    assert_eq!(created.written.map(|w| w.payment), Some(p.clone()));

    let confirm = |record: Option<&athm_domain::ports::PaymentRecord>| {
        let mut payment = record.expect("the payment exists").payment.clone();
        payment.confirm(at(5))?;
        payment.items.clear();
        Ok(Some(PaymentWrite::payment(payment)))
    };
    let confirmed = store.update_payment(&key, &confirm).await.expect("update");
    assert!(!confirmed.created(), "an update creates nothing");
    assert_eq!(
        confirmed.before.as_ref().map(|r| r.payment.status),
        Some(PaymentStatus::Open),
        "the step answers the payment as its decision saw it"
    );
    assert_eq!(
        confirmed.record().map(|r| r.payment.status),
        Some(PaymentStatus::Confirm)
    );
    let loaded = store.payment(&key).await.expect("load").expect("exists");
    assert_eq!(loaded.payment.status, PaymentStatus::Confirm);
    assert_eq!(loaded.payment.updated_at, at(5));
    assert!(loaded.payment.items.is_empty(), "items are replaced");

    let nothing = |_: Option<&athm_domain::ports::PaymentRecord>| Ok(None);
    let unchanged = store.update_payment(&key, &nothing).await.expect("no-op");
    assert_eq!(unchanged.written, None);
    assert_eq!(
        unchanged.record().map(|r| r.payment.status),
        Some(PaymentStatus::Confirm),
        "a step that writes nothing still answers the record"
    );

    let refuse = |record: Option<&athm_domain::ports::PaymentRecord>| {
        let mut payment = record.expect("exists").payment.clone();
        payment.status = PaymentStatus::Cancel;
        Err(RuleError::NotOpen(payment.status))
    };
    match store.update_payment(&key, &refuse).await {
        Err(StoreError::Rule(RuleError::NotOpen(_))) => {}
        other => panic!("expected the rule error, got {other:?}"),
    }
    let after = store.payment(&key).await.expect("load").expect("exists");
    assert_eq!(after, loaded, "a refusal writes nothing");
    assert!(
        store
            .claim_lifecycle_events(10, super::fixtures::at(0), chrono::Duration::seconds(60))
            .await
            .expect("outbox")
            .is_empty()
    );
}

/// A checkout's attempts: an attempt is claimed once (of two starts, one
/// wins), then given its payment in the transaction that records it; the
/// last attempt is answered, with its payment once it has one; a claim
/// without a payment can be released and claimed again; another checkout
/// is independent.
pub async fn checkout_attempts_are_claimed_once_then_given_their_payment(store: Arc<dyn Store>) {
    let key = CheckoutKey::digest(b"checkout one");
    assert!(store.checkout_attempt(&key).await.expect("read").is_none());
    let first = payment("10.00", 0);

    store
        .claim_checkout(&key, 0, false, at(0))
        .await
        .expect("claim");
    let refused = store.claim_checkout(&key, 0, false, at(1)).await;
    assert!(
        matches!(refused, Err(StoreError::Duplicate { .. })),
        "a claimed attempt is refused: {refused:?}"
    );
    let claimed = store
        .checkout_attempt(&key)
        .await
        .expect("read")
        .expect("claimed");
    assert_eq!(
        (claimed.attempt, claimed.claimed_at, claimed.payment),
        (0, at(0), None)
    );

    store
        .insert_checkout_payment(&key, 0, &first)
        .await
        .expect("record the attempt's payment");
    let given = store
        .checkout_attempt(&key)
        .await
        .expect("read")
        .expect("claimed");
    assert_eq!(given.payment.map(|r| r.payment), Some(first.clone()));
    let twice = store
        .insert_checkout_payment(&key, 0, &payment("10.00", 2))
        .await;
    assert!(twice.is_err(), "an attempt has one payment: {twice:?}");
    let orphan = payment("10.00", 3);
    let unclaimed = store.insert_checkout_payment(&key, 5, &orphan).await;
    assert!(
        matches!(unclaimed, Err(StoreError::NotFound { .. })),
        "{unclaimed:?}"
    );
    let stored = store
        .payment(&PaymentKey::Ecommerce(orphan.ecommerce_id))
        .await;
    assert!(
        stored.expect("read").is_none(),
        "nothing is written for an attempt not claimed"
    );

    store
        .claim_checkout(&key, 1, false, at(5))
        .await
        .expect("the next attempt");
    store.release_checkout(&key, 1).await.expect("release");
    store
        .release_checkout(&key, 0)
        .await
        .expect("a given attempt stays");
    let last = store
        .checkout_attempt(&key)
        .await
        .expect("read")
        .expect("claimed");
    assert_eq!(
        last.attempt, 0,
        "the released attempt is gone, the paid one stays"
    );
    store
        .claim_checkout(&key, 1, false, at(6))
        .await
        .expect("claimed again");

    let other = CheckoutKey::digest(b"checkout two");
    assert!(
        store
            .checkout_attempt(&other)
            .await
            .expect("read")
            .is_none()
    );
    store
        .claim_checkout(&other, 0, false, at(7))
        .await
        .expect("another checkout");
}

/// A start that claimed an attempt and went quiet is taken over: the next
/// attempt is claimed over it, after which the slow start cannot record its
/// payment (one payment per checkout, even when the first start was only
/// slow). Taking over a claim that has a payment by then is refused.
pub async fn a_stale_checkout_claim_taken_over_can_record_no_payment(store: Arc<dyn Store>) {
    let key = CheckoutKey::digest(b"slow start");
    store
        .claim_checkout(&key, 0, false, at(0))
        .await
        .expect("claim");

    store
        .claim_checkout(&key, 1, true, at(200))
        .await
        .expect("the next start takes the stale claim over");

    let slow = payment("10.00", 1);
    let late = store.insert_checkout_payment(&key, 0, &slow).await;
    assert!(matches!(late, Err(StoreError::NotFound { .. })), "{late:?}");
    let recorded = store
        .payment(&PaymentKey::Ecommerce(slow.ecommerce_id))
        .await;
    assert!(
        recorded.expect("read").is_none(),
        "the slow start's payment is not recorded"
    );
    let last = store
        .checkout_attempt(&key)
        .await
        .expect("read")
        .expect("claimed");
    assert_eq!((last.attempt, last.payment), (1, None));

    let paid = payment("10.00", 2);
    store
        .insert_checkout_payment(&key, 1, &paid)
        .await
        .expect("the taking start records its payment");
    let refused = store.claim_checkout(&key, 2, true, at(400)).await;
    assert!(
        matches!(refused, Err(StoreError::Duplicate { .. })),
        "an attempt with a payment is not stale: {refused:?}"
    );
}
