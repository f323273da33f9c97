//! The trust gate on refund claims: ATH Móvil must have made the refund
//! (a webhook's own reference is in the transaction report), and its
//! refunded total for the payment must cover it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{Books, refund_event, refused};
use crate::model::{AthmTransaction, Refund, RefundStatus};
use crate::ports::{GatewayError, MockAthmGateway, Operation, PaymentKey, PaymentRecord};
use crate::services::GateError;
use crate::services::gate::{Source, TrustGate, Trusted, Verdict};
use crate::test_support::{
    PAYMENT_REF, REFUND_REF, Row, amount, clock, completed_payment, ecommerce_id, now, record,
    reference, refund_of, remote_refund, remote_refunded,
};

/// A reference number no refund of this payment has at ATH Móvil.
const FORGED_REF: &str = "66666666-forgedforgedforged";
/// A genuine refund of another payment, of the same amount.
const OTHER_REF: &str = "77777777-otherotherother";

fn claim(value: &Value) -> AthmTransaction {
    AthmTransaction::from_json(value).expect("a valid claim")
}

/// The completed payment with `refunds`.
fn stored(refunds: Vec<Refund>) -> Row {
    Row::new(Some(PaymentRecord {
        refunds,
        ..record(completed_payment())
    }))
}

async fn check(
    gateway: MockAthmGateway,
    row: &Row,
    tx: &AthmTransaction,
    source: Source,
) -> Result<Verdict, GateError> {
    let (store, _) = Books::of(&[row]).store();
    TrustGate::new(Arc::new(gateway), Arc::new(store), clock())
        .check_refund(tx, source)
        .await
}

/// The transaction report answers `rows`, once.
fn reports(gateway: &mut MockAthmGateway, rows: Vec<AthmTransaction>) {
    gateway
        .expect_transaction_report()
        .times(1)
        .returning(move |_, _| Ok(rows.clone()));
}

/// findPayment answers ATH Móvil's refunded total `refunded`, once.
fn finds_refunded(gateway: &mut MockAthmGateway, refunded: &'static str) {
    finds_refunded_times(gateway, refunded, 1);
}

/// findPayment answers ATH Móvil's refunded total `refunded`, `times`
/// times (a claim naming no payment asks once to locate it, once to check it).
fn finds_refunded_times(gateway: &mut MockAthmGateway, refunded: &'static str, times: usize) {
    gateway
        .expect_find_payment()
        .withf(|id| *id == ecommerce_id())
        .times(times)
        .returning(move |_| Ok(remote_refunded(refunded)));
}

fn forged(verdict: Result<Verdict, GateError>) -> String {
    match verdict {
        Ok(Verdict::Forged(reason)) => reason,
        other => panic!("not forged: {other:?}"),
    }
}

fn trusted(verdict: Result<Verdict, GateError>) -> (PaymentKey, AthmTransaction, Option<String>) {
    match verdict {
        Ok(Verdict::Trusted(Trusted::Refund {
            key,
            refund,
            refunded_total,
        })) => (key, *refund, refunded_total.map(|a| a.to_string())),
        other => panic!("not a trusted refund: {other:?}"),
    }
}

#[tokio::test]
async fn a_forged_refund_matching_a_failed_or_pending_refund_here_is_forged_when_the_report_lacks_it()
 {
    // the report holds a genuine refund of the same amount seconds away, of
    // another payment, and an ECOMMERCE row under the forged reference
    let report = vec![
        remote_refund(Some(OTHER_REF), "10.00"),
        // a payment row under the forged reference (another customer's, so
        // it is no payment of this customer's made elsewhere either)
        AthmTransaction {
            transaction_type: crate::model::TransactionType::Ecommerce,
            customer_phone: "9395550000".parse().ok(),
            ..remote_refund(Some(FORGED_REF), "10.00")
        },
    ];
    for status in [RefundStatus::Failed, RefundStatus::Pending] {
        let mut shapes = vec![
            refund_event(FORGED_REF, Some(PAYMENT_REF), "10.00"),
            refund_event(PAYMENT_REF, Some(FORGED_REF), "10.00"),
        ];
        if status == RefundStatus::Pending {
            // the documented shape: its own reference only
            shapes.push(refund_event(FORGED_REF, None, "10.00"));
        }
        for shape in shapes {
            let row = stored(vec![refund_of("10.00", status)]);
            let mut gateway = MockAthmGateway::new();
            reports(&mut gateway, report.clone());
            if shape["referenceTransactionId"].is_null() {
                // named by no payment: located by ATH Móvil's total, which
                // has room for the pending refund (its answer was lost)
                finds_refunded(&mut gateway, "10.00");
            } else {
                gateway.expect_find_payment().never();
            }

            let reason = forged(check(gateway, &row, &claim(&shape), Source::Webhook).await);

            assert!(
                reason.contains(FORGED_REF) && reason.contains("transaction report"),
                "{status}, {shape}: {reason}"
            );
        }
    }
}

#[tokio::test]
async fn another_payment_s_refund_claimed_for_this_one_is_forged_unless_ath_movil_s_total_covers_it()
 {
    let tx = claim(&refund_event(OTHER_REF, Some(PAYMENT_REF), "10.00"));
    let cases = [
        // nothing refunded of this payment at ATH Móvil
        (vec![], "0.00", false),
        // ATH Móvil's 10.00 is the refund recorded here already
        (
            vec![Refund {
                reference_number: Some(reference(REFUND_REF)),
                ..refund_of("10.00", RefundStatus::Completed)
            }],
            "10.00",
            false,
        ),
        // ATH Móvil's total has room: it is this payment's
        (vec![], "10.00", true),
    ];
    for (refunds, refunded, genuine) in cases {
        let row = stored(refunds);
        let mut gateway = MockAthmGateway::new();
        reports(&mut gateway, vec![remote_refund(Some(OTHER_REF), "10.00")]);
        // the news names the payment: asked once for the report's second
        // opinion (the row must fit this payment alone), once for the total
        finds_refunded_times(&mut gateway, refunded, if genuine { 2 } else { 1 });

        let verdict = check(gateway, &row, &tx, Source::Webhook).await;

        if genuine {
            let (key, refund, total) = trusted(verdict);
            assert_eq!(key, PaymentKey::Ecommerce(ecommerce_id()));
            assert_eq!(refund.reference_number, Some(reference(OTHER_REF)));
            assert_eq!(total.as_deref(), Some("10.00"));
        } else {
            let reason = forged(verdict);
            assert!(
                reason.contains("fits no single payment here"),
                "{refunded}: {reason}"
            );
        }
    }
}

#[tokio::test]
async fn the_documented_shape_is_linked_to_the_pending_refund_of_its_amount_in_ath_movil_s_figures()
{
    let row = stored(vec![refund_of("10.00", RefundStatus::Pending)]);
    let mut gateway = MockAthmGateway::new();
    // the report's row, without the customer's email
    let mut report_row = remote_refund(Some(REFUND_REF), "10.00");
    report_row.customer_email.clear();
    reports(&mut gateway, vec![report_row]);
    finds_refunded_times(&mut gateway, "10.00", 2);
    let tx = claim(&refund_event(REFUND_REF, None, "10.00"));

    let (key, refund, total) = trusted(check(gateway, &row, &tx, Source::Webhook).await);

    assert_eq!(key, PaymentKey::Ecommerce(ecommerce_id()));
    assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
    assert_eq!(refund.total, Some(amount("10.00")));
    assert_eq!(refund.daily_transaction_id.as_deref(), Some("107"));
    assert_eq!(refund.customer_email, "customer@example.com");
    assert_eq!(total.as_deref(), Some("10.00"));
}

/// A claim is linked to a payment by the *claim's* amount (the
/// pending-refund heuristic): a forged claim of 10.00 naming another
/// payment's genuine 5.00 refund must not record that refund on this
/// payment (whose lost pending 10.00 ATH Móvil's total covers), so the
/// report row's amount must be the claim's.
#[tokio::test]
async fn a_claim_whose_amount_is_not_the_report_s_is_forged() {
    let row = stored(vec![refund_of("10.00", RefundStatus::Pending)]);
    let mut gateway = MockAthmGateway::new();
    reports(&mut gateway, vec![remote_refund(Some(OTHER_REF), "5.00")]);
    finds_refunded(&mut gateway, "10.00");
    let tx = claim(&refund_event(OTHER_REF, None, "10.00"));

    let reason = forged(check(gateway, &row, &tx, Source::Webhook).await);
    assert!(reason.contains("the report says 5.00"), "{reason}");
}

#[tokio::test]
async fn a_refund_recorded_already_is_trusted_without_asking_ath_movil() {
    let known = Refund {
        reference_number: Some(reference(REFUND_REF)),
        ..refund_of("10.00", RefundStatus::Completed)
    };
    for shape in [
        refund_event(REFUND_REF, None, "10.00"),
        refund_event(PAYMENT_REF, Some(REFUND_REF), "10.00"),
        refund_event(REFUND_REF, Some(PAYMENT_REF), "10.00"),
    ] {
        let row = stored(vec![known.clone()]);
        // any call to ATH Móvil would panic
        let verdict = check(
            MockAthmGateway::new(),
            &row,
            &claim(&shape),
            Source::Webhook,
        )
        .await;

        let (key, refund, total) = trusted(verdict);
        assert_eq!(key, PaymentKey::Ecommerce(ecommerce_id()), "{shape}");
        assert_eq!(refund.reference_number, Some(reference(REFUND_REF)));
        assert_eq!(total, None, "nothing read, nothing to follow");
    }
}

#[tokio::test]
async fn a_payment_ath_movil_does_not_know_is_forged_and_an_unreachable_one_is_an_error() {
    let tx = claim(&refund_event(REFUND_REF, Some(PAYMENT_REF), "10.00"));
    let row = stored(Vec::new());
    let mut gateway = MockAthmGateway::new();
    reports(&mut gateway, vec![remote_refund(Some(REFUND_REF), "10.00")]);
    gateway
        .expect_find_payment()
        .times(1)
        .returning(|_| Err(refused(Operation::FindPayment, "BTRA_0031")));

    // unknown to ATH Móvil, the payment the news names fits no refund
    let reason = forged(check(gateway, &row, &tx, Source::Webhook).await);
    assert!(reason.contains("fits no single payment here"), "{reason}");

    let mut gateway = MockAthmGateway::new();
    reports(&mut gateway, vec![remote_refund(Some(REFUND_REF), "10.00")]);
    gateway.expect_find_payment().times(1).returning(|_| {
        Err(GatewayError::Unavailable {
            operation: Operation::FindPayment,
            detail: "down".into(),
        })
    });
    let verdict = check(gateway, &row, &tx, Source::Webhook).await;
    assert!(matches!(verdict, Err(GateError::Gateway(_))), "{verdict:?}");
}

#[tokio::test]
async fn the_report_is_read_from_a_day_before_the_news_to_now() {
    let pr = |text: &str| claim(&json!({"date": text})).date.expect("a valid date");
    let day = Duration::hours(24);
    let ten_minutes_ago = pr("2025-12-08 16:20:52");
    let three_days_ago = pr("2025-12-05 16:30:52");
    let tomorrow = pr("2025-12-09 16:30:52");
    // a news date may be its payment's, days older than the refund: the
    // window runs to now whatever the date, and never past it
    let cases: [(&str, DateTime<Utc>, DateTime<Utc>); 3] = [
        ("2025-12-08 16:20:52", ten_minutes_ago - day, now()),
        ("2025-12-05 16:30:52", three_days_ago - day, now()),
        ("2025-12-09 16:30:52", now() - day, now()),
    ];
    assert!(tomorrow > now());
    for (date, from, to) in cases {
        let mut event = refund_event(REFUND_REF, Some(PAYMENT_REF), "10.00");
        event["date"] = json!(date);
        let asked = Arc::new(Mutex::new(Vec::new()));
        let seen = asked.clone();
        let mut gateway = MockAthmGateway::new();
        gateway
            .expect_transaction_report()
            .times(1)
            .returning(move |f, t| {
                seen.lock().unwrap().push((f, t));
                Ok(Vec::new())
            });

        forged(
            check(
                gateway,
                &stored(Vec::new()),
                &claim(&event),
                Source::Webhook,
            )
            .await,
        );

        assert_eq!(*asked.lock().unwrap(), [(from, to)], "dated {date}");
    }
}

#[tokio::test]
async fn a_report_row_is_not_looked_up_again_but_must_be_covered() {
    let row_of_report = remote_refund(Some(REFUND_REF), "10.00");
    // asked to locate it, then (once located) to check it
    for (refunded, genuine, asked) in [("10.00", true, 2), ("0.00", false, 1)] {
        let row = stored(vec![refund_of("10.00", RefundStatus::Pending)]);
        let mut gateway = MockAthmGateway::new();
        gateway.expect_transaction_report().never();
        finds_refunded_times(&mut gateway, refunded, asked);

        let verdict = check(gateway, &row, &row_of_report, Source::Report).await;

        assert_eq!(
            matches!(verdict, Ok(Verdict::Trusted(_))),
            genuine,
            "{refunded}: {verdict:?}"
        );
    }
}

#[tokio::test]
async fn a_refund_of_nothing_is_forged_without_asking_anyone() {
    let row = stored(Vec::new());
    let tx = claim(&refund_event(REFUND_REF, Some(PAYMENT_REF), "0.00"));
    let reason = forged(check(MockAthmGateway::new(), &row, &tx, Source::Webhook).await);
    assert!(reason.contains("0.00"), "{reason}");
}

#[tokio::test]
async fn a_claim_whose_own_reference_is_recorded_on_another_payment_is_forged() {
    let other_id = crate::model::EcommerceId::new(uuid::Uuid::from_u128(2));
    let other = Row::new(Some(PaymentRecord {
        payment: crate::model::Payment {
            ecommerce_id: other_id,
            reference_number: Some(reference("22222222-secondsecondsecond")),
            ..completed_payment()
        },
        refunds: vec![Refund {
            ecommerce_id: other_id,
            reference_number: Some(reference(REFUND_REF)),
            ..refund_of("10.00", RefundStatus::Completed)
        }],
    }));
    for shape in [
        refund_event(PAYMENT_REF, Some(REFUND_REF), "10.00"),
        refund_event(REFUND_REF, Some(PAYMENT_REF), "10.00"),
    ] {
        let row = stored(Vec::new());
        // ATH Móvil would vouch for it: the refund is real, in the report,
        // and this payment's total has room for 10.00
        let mut gateway = MockAthmGateway::new();
        gateway
            .expect_transaction_report()
            .returning(|_, _| Ok(vec![remote_refund(Some(REFUND_REF), "10.00")]));
        gateway
            .expect_find_payment()
            .returning(|_| Ok(remote_refunded("10.00")));
        let (store, _) = Books::of(&[&row, &other]).store();

        let verdict = TrustGate::new(Arc::new(gateway), Arc::new(store), clock())
            .check_refund(&claim(&shape), Source::Webhook)
            .await;

        let reason = forged(verdict);
        assert!(
            reason.contains(REFUND_REF) && reason.contains(&other_id.to_string()),
            "{shape}: {reason}"
        );
    }
}

#[tokio::test]
async fn a_report_row_of_another_customer_is_forged_and_one_of_no_known_phone_waits_for_a_person() {
    let tx = claim(&refund_event(REFUND_REF, Some(PAYMENT_REF), "10.00"));
    let stranger: crate::model::PhoneNumber = "9395550000".parse().expect("a valid phone");
    // a row without the customer's phone cannot be tied to one payment by
    // ATH Móvil's word: the news alone names this one, so a person decides
    for (phone, why) in [
        (Some(stranger), "another customer"),
        (None, "a person links it"),
    ] {
        let row = stored(Vec::new());
        let mut report_row = remote_refund(Some(REFUND_REF), "10.00");
        report_row.customer_phone = phone;
        let mut gateway = MockAthmGateway::new();
        reports(&mut gateway, vec![report_row]);
        gateway.expect_find_payment().never();

        let reason = forged(check(gateway, &row, &tx, Source::Webhook).await);

        assert!(reason.contains(why), "{reason}");
    }
}

#[tokio::test]
async fn a_report_row_naming_another_payment_is_forged() {
    let tx = claim(&refund_event(REFUND_REF, Some(PAYMENT_REF), "10.00"));
    let elsewhere = crate::model::EcommerceId::new(uuid::Uuid::from_u128(2));
    let cases = [
        // the row's ecommerce id is another payment's
        (Some(elsewhere), None, false),
        // the row's related reference is another payment's
        (None, Some(OTHER_REF), false),
        // the row names this payment, either way
        (Some(ecommerce_id()), Some(PAYMENT_REF), true),
    ];
    for (id, related, genuine) in cases {
        let mut report_row = remote_refund(Some(REFUND_REF), "10.00");
        report_row.ecommerce_id = id;
        report_row.related_reference = related.map(reference);
        let mut gateway = MockAthmGateway::new();
        reports(&mut gateway, vec![report_row]);
        if genuine {
            finds_refunded(&mut gateway, "10.00");
        } else {
            gateway.expect_find_payment().never();
        }

        let verdict = check(gateway, &stored(Vec::new()), &tx, Source::Webhook).await;

        if genuine {
            trusted(verdict);
        } else {
            let reason = forged(verdict);
            assert!(
                reason.contains("another payment"),
                "{id:?} {related:?}: {reason}"
            );
        }
    }
}

/// `just simulate` seed 5001: a refund made in the ATH Business app of a
/// payment the customer made elsewhere (30.28) was filed on the customer's
/// one payment here, whose own later refund (13.62) left room for it.
#[tokio::test]
async fn a_refund_the_customer_s_payment_made_elsewhere_could_hold_is_left_to_a_person() {
    let news = claim(&refund_event(REFUND_REF, None, "3.94"));
    let refund_row = remote_refund(Some(REFUND_REF), "3.94");
    let elsewhere = AthmTransaction {
        transaction_type: crate::model::TransactionType::Ecommerce,
        ecommerce_id: None,
        ..remote_refund(Some("559745633-elsewhere"), "30.28")
    };
    let too_small = AthmTransaction {
        total: Some("3.93".parse().expect("an amount")),
        ..elsewhere.clone()
    };
    // with only the payment here in sight, the refund is its own
    let mut gateway = MockAthmGateway::new();
    reports(&mut gateway, vec![refund_row.clone(), too_small]);
    finds_refunded_times(&mut gateway, "17.56", 2);
    let (key, _, _) = trusted(check(gateway, &stored(Vec::new()), &news, Source::Webhook).await);
    assert_eq!(key, PaymentKey::Ecommerce(ecommerce_id()));

    // a payment of the customer's made elsewhere of 3.94 or more could be
    // the one refunded: the report cannot say which, a person links it
    let mut gateway = MockAthmGateway::new();
    reports(&mut gateway, vec![refund_row, elsewhere]);
    finds_refunded(&mut gateway, "17.56");
    let reason = forged(check(gateway, &stored(Vec::new()), &news, Source::Webhook).await);
    assert!(reason.contains("no payment here matches"), "{reason}");
}
