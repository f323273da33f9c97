//! The trust gate finding the payment a refund claim is about: by the
//! payment's reference in either field, by a refund recorded under the
//! claim's reference, else among the payments with a pending refund of its
//! amount and its customer's completed payments, by the one (of its
//! customer) that ATH Móvil's refunded total leaves room for. Anything
//! ambiguous matches nothing.

use std::sync::Arc;

use serde_json::Value;

use super::{Books, refund_event};
use crate::model::{AthmTransaction, EcommerceId, Payment, Refund, RefundStatus};
use crate::ports::{MockAthmGateway, MockStore, Page, PaymentKey, PaymentRecord};
use crate::services::gate::{Source, TrustGate, Trusted, Verdict};
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, clock, completed_payment, ecommerce_id, record, reference,
    refund_of, remote_refunded,
};

/// A second completed payment of the same customer.
fn other_payment() -> Payment {
    Payment {
        ecommerce_id: other_id(),
        reference_number: Some(reference("22222222-secondsecondsecond")),
        ..completed_payment()
    }
}

fn other_id() -> EcommerceId {
    EcommerceId::new(uuid::Uuid::from_u128(2))
}

fn with(payment: Payment, refunds: Vec<Refund>) -> Row {
    Row::new(Some(PaymentRecord {
        refunds,
        ..record(payment)
    }))
}

/// findPayment answers each payment's refunded total from `totals`
/// (ecommerce id, total), any number of times.
fn finds(totals: &[(EcommerceId, &'static str)]) -> MockAthmGateway {
    let totals = totals.to_vec();
    let mut gateway = MockAthmGateway::new();
    gateway.expect_find_payment().returning(move |id| {
        let (_, refunded) = totals
            .iter()
            .find(|(known, _)| known == id)
            .expect("findPayment of a payment in the test");
        Ok(AthmTransaction {
            ecommerce_id: Some(*id),
            ..remote_refunded(refunded)
        })
    });
    gateway.expect_transaction_report().never();
    gateway
}

/// Checks `claim` as a report row (no report read) against `rows`; the
/// payment it was linked to and the refund's own reference, or `None`.
async fn locate(
    gateway: MockAthmGateway,
    rows: &[&Row],
    claim: &Value,
) -> Option<(EcommerceId, Option<String>)> {
    let (store, _) = Books::of(rows).store();
    let tx = AthmTransaction::from_json(claim).expect("a valid claim");
    let verdict = TrustGate::new(Arc::new(gateway), Arc::new(store), clock())
        .check_refund(&tx, Source::Report)
        .await
        .expect("the gate could ask");
    match verdict {
        Verdict::Trusted(Trusted::Refund { key, refund, .. }) => {
            let PaymentKey::Ecommerce(id) = key else {
                panic!("linked by {key:?}, not by ecommerce id")
            };
            Some((id, refund.reference_number.map(|r| r.to_string())))
        }
        Verdict::Trusted(other) => panic!("not a refund: {other:?}"),
        Verdict::Forged(_) => None,
    }
}

#[tokio::test]
async fn the_payment_s_reference_in_either_field_names_it_and_the_other_is_the_refund_s() {
    let row = with(completed_payment(), Vec::new());
    for claim in [
        refund_event(REFUND_REF, Some(PAYMENT_REF), "10.00"),
        refund_event(PAYMENT_REF, Some(REFUND_REF), "10.00"),
    ] {
        let gateway = finds(&[(ecommerce_id(), "10.00")]);
        assert_eq!(
            locate(gateway, &[&row], &claim).await,
            Some((ecommerce_id(), Some(REFUND_REF.to_string()))),
            "{claim}"
        );
    }
}

#[tokio::test]
async fn a_claim_naming_only_the_payment_gives_the_refund_no_reference() {
    let row = with(completed_payment(), Vec::new());
    let gateway = finds(&[(ecommerce_id(), "10.00")]);
    let claim = refund_event(PAYMENT_REF, None, "10.00");
    assert_eq!(
        locate(gateway, &[&row], &claim).await,
        Some((ecommerce_id(), None))
    );
}

#[tokio::test]
async fn a_refund_recorded_under_the_claim_s_reference_names_its_payment() {
    let known = Refund {
        ecommerce_id: other_id(),
        reference_number: Some(reference(REFUND_REF)),
        ..refund_of("10.00", RefundStatus::Completed)
    };
    let first = with(completed_payment(), Vec::new());
    let second = with(other_payment(), vec![known]);
    let claim = refund_event(REFUND_REF, None, "10.00");
    // known: nothing is asked
    assert_eq!(
        locate(MockAthmGateway::new(), &[&first, &second], &claim).await,
        Some((other_id(), Some(REFUND_REF.to_string())))
    );
}

#[tokio::test]
async fn the_one_pending_refund_of_the_amount_to_the_customer_names_its_payment() {
    let first = with(completed_payment(), Vec::new());
    let second = with(
        other_payment(),
        vec![Refund {
            ecommerce_id: other_id(),
            ..refund_of("10.00", RefundStatus::Pending)
        }],
    );
    // the customer's other payment is asked too: nothing refunded there
    let gateway = finds(&[(ecommerce_id(), "0.00"), (other_id(), "10.00")]);
    let claim = refund_event(REFUND_REF, None, "10.00");
    assert_eq!(
        locate(gateway, &[&first, &second], &claim).await,
        Some((other_id(), Some(REFUND_REF.to_string())))
    );
}

#[tokio::test]
async fn a_pending_refund_of_another_customer_or_amount_names_nothing() {
    let mut stranger = refund_of("10.00", RefundStatus::Pending);
    stranger.customer_phone = Some("9395550000".parse().expect("a valid phone"));
    for (payment_phone, refund) in [
        ("9395550000", stranger),
        ("9395550000", refund_of("9.99", RefundStatus::Pending)),
    ] {
        let payment = Payment {
            customer_phone: Some(payment_phone.parse().expect("a valid phone")),
            ..completed_payment()
        };
        let row = with(payment, vec![refund]);
        // the customer's phone lists no completed payment: nothing to ask
        let claim = refund_event(REFUND_REF, None, "10.00");
        assert_eq!(locate(MockAthmGateway::new(), &[&row], &claim).await, None);
    }
}

#[tokio::test]
async fn two_pending_refunds_of_the_amount_to_the_customer_name_nothing() {
    let first = with(
        completed_payment(),
        vec![refund_of("10.00", RefundStatus::Pending)],
    );
    let second = with(
        other_payment(),
        vec![Refund {
            ecommerce_id: other_id(),
            ..refund_of("10.00", RefundStatus::Pending)
        }],
    );
    let claim = refund_event(REFUND_REF, None, "10.00");
    // ATH Móvil's totals leave room on both: which one is unknown
    let gateway = finds(&[(ecommerce_id(), "10.00"), (other_id(), "10.00")]);
    assert_eq!(locate(gateway, &[&first, &second], &claim).await, None);
}

#[tokio::test]
async fn a_pending_refund_of_the_amount_ath_movil_s_total_has_no_room_for_names_nothing() {
    let row = with(
        completed_payment(),
        vec![refund_of("10.00", RefundStatus::Pending)],
    );
    let (store, _) = Books::of(&[&row]).store();
    let tx = AthmTransaction::from_json(&refund_event(REFUND_REF, None, "10.00")).unwrap();
    // asked once (the pending candidate is also the customer's payment)
    let mut gateway = MockAthmGateway::new();
    gateway
        .expect_find_payment()
        .times(1)
        .returning(|_| Ok(remote_refunded("0.00")));
    gateway.expect_transaction_report().never();

    let verdict = TrustGate::new(Arc::new(gateway), Arc::new(store), clock())
        .check_refund(&tx, Source::Report)
        .await
        .unwrap();

    // not linked to the payment at all (never "linked, then not covered")
    assert!(
        matches!(&verdict, Verdict::Forged(reason) if reason.contains("no payment here matches")),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn pending_candidates_and_the_customer_s_payments_are_weighed_together() {
    // a pending refund of the amount on the first payment, which ATH Móvil
    // never refunded; the second, with no refund here, was refunded 10.00
    let first = with(
        completed_payment(),
        vec![refund_of("10.00", RefundStatus::Pending)],
    );
    let second = with(other_payment(), Vec::new());
    let claim = refund_event(REFUND_REF, None, "10.00");
    let gateway = finds(&[(ecommerce_id(), "0.00"), (other_id(), "10.00")]);
    assert_eq!(
        locate(gateway, &[&first, &second], &claim).await,
        Some((other_id(), Some(REFUND_REF.to_string())))
    );
    // both with room: the pending refund does not win, nothing matches
    let gateway = finds(&[(ecommerce_id(), "10.00"), (other_id(), "10.00")]);
    assert_eq!(locate(gateway, &[&first, &second], &claim).await, None);
}

#[tokio::test]
async fn a_pending_candidate_of_another_customer_is_not_asked_about() {
    // the pending refund's payment belongs to another phone; the customer's
    // own payment is the one ATH Móvil's total leaves room for
    let stranger = with(
        Payment {
            customer_phone: Some("9395550000".parse().expect("a valid phone")),
            ..other_payment()
        },
        vec![Refund {
            ecommerce_id: other_id(),
            ..refund_of("10.00", RefundStatus::Pending)
        }],
    );
    let mine = with(completed_payment(), Vec::new());
    let claim = refund_event(REFUND_REF, None, "10.00");
    // findPayment of the stranger's payment would panic
    let gateway = finds(&[(ecommerce_id(), "10.00")]);
    assert_eq!(
        locate(gateway, &[&stranger, &mine], &claim).await,
        Some((ecommerce_id(), Some(REFUND_REF.to_string())))
    );
}

#[tokio::test]
async fn the_one_payment_of_the_customer_ath_movil_s_total_leaves_room_for_is_linked() {
    let first = with(completed_payment(), Vec::new());
    let second = with(other_payment(), Vec::new());
    let claim = refund_event(REFUND_REF, None, "10.00");
    // only the second was refunded 10.00 at ATH Móvil
    let gateway = finds(&[(ecommerce_id(), "0.00"), (other_id(), "10.00")]);
    assert_eq!(
        locate(gateway, &[&first, &second], &claim).await,
        Some((other_id(), Some(REFUND_REF.to_string())))
    );
    // both were: which one is unknown
    let gateway = finds(&[(ecommerce_id(), "10.00"), (other_id(), "10.00")]);
    assert_eq!(locate(gateway, &[&first, &second], &claim).await, None);
}

#[tokio::test]
async fn the_customer_s_completed_payments_are_asked_for_ten_at_most() {
    let mut store = MockStore::new();
    store.expect_payment().returning(|key| {
        Ok(matches!(key, PaymentKey::Ecommerce(_)).then(|| record(completed_payment())))
    });
    // no payment of the customer's recorded as made elsewhere
    store.expect_customer_unlinked().returning(|_, _| {
        Ok(Page {
            items: Vec::new(),
            total: 0,
        })
    });
    store.expect_pending_refunds().returning(|| Ok(Vec::new()));
    store
        .expect_customer_payments()
        .withf(|phone, limit| phone.as_str() == "7875551234" && *limit == 10)
        .times(1)
        .returning(|_, _| {
            Ok(Page {
                items: vec![completed_payment()],
                total: 1,
            })
        });
    let gateway = finds(&[(ecommerce_id(), "10.00")]);
    let tx = AthmTransaction::from_json(&refund_event(REFUND_REF, None, "10.00")).unwrap();

    let verdict = TrustGate::new(Arc::new(gateway), Arc::new(store), clock())
        .check_refund(&tx, Source::Report)
        .await
        .unwrap();

    assert!(matches!(verdict, Verdict::Trusted(_)), "{verdict:?}");
}

#[tokio::test]
async fn a_claim_with_neither_a_known_reference_nor_a_phone_names_nothing() {
    let row = with(completed_payment(), Vec::new());
    let mut claim = refund_event(REFUND_REF, None, "10.00");
    claim["phoneNumber"] = Value::String(String::new());
    assert_eq!(locate(MockAthmGateway::new(), &[&row], &claim).await, None);
}
