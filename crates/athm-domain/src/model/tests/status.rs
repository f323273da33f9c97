//! The status machine: OPEN → CONFIRM → COMPLETED, or CANCEL / EXPIRED.

use chrono::Duration;
use proptest::prelude::*;
use serde_json::json;

use crate::error::RuleError;
use crate::model::{AthmTransaction, LifecycleKind, Payment, PaymentStatus};
use crate::test_support::{
    PAYMENT_REF, amount, completed_payment, now, open_payment, payment_in, reference,
    remote_completed, remote_status,
};

use PaymentStatus::{Cancel, Completed, Confirm, Expired, Open};

#[test]
fn confirm_moves_only_an_open_payment() {
    let mut payment = open_payment();
    payment.confirm(now()).unwrap();
    assert_eq!((payment.status, payment.updated_at), (Confirm, now()));
    payment.confirm(now()).unwrap(); // already confirmed: a no-op
    assert_eq!(payment.status, Confirm);
    for from in [Completed, Cancel, Expired] {
        let mut payment = payment_in(from);
        assert_eq!(
            payment.confirm(now()),
            Err(RuleError::Transition { from, to: Confirm })
        );
        assert_eq!(payment.status, from);
    }
}

#[test]
fn completion_is_authoritative_from_every_status_and_announced_once() {
    for from in PaymentStatus::ALL {
        let mut payment = payment_in(from);
        let event = payment.complete(&remote_completed(), now());
        assert_eq!(payment.status, Completed, "from {from}");
        assert_eq!(payment.reference_number, Some(reference(PAYMENT_REF)));
        if from == Completed {
            assert_eq!(event, None);
        } else {
            let event = event.unwrap();
            assert_eq!(event.kind, LifecycleKind::PaymentCompleted);
            assert_eq!(event.amount, amount("25.00"));
            assert_eq!(event.reference_number, Some(reference(PAYMENT_REF)));
            assert_eq!(event.occurred_at, now());
        }
        assert_eq!(payment.complete(&remote_completed(), now()), None);
    }
}

#[test]
fn a_repeated_identical_completion_changes_nothing() {
    let mut payment = completed_payment();
    let before = payment.clone();
    assert_eq!(
        payment.complete(&remote_completed(), now() + Duration::hours(1)),
        None
    );
    assert_eq!(payment, before);
}

#[test]
fn cancel_and_expire_end_a_waiting_payment_with_an_event() {
    for (to, kind) in [
        (Cancel, LifecycleKind::PaymentCancelled),
        (Expired, LifecycleKind::PaymentExpired),
    ] {
        for from in [Open, Confirm] {
            let mut payment = payment_in(from);
            let event = payment.end(to, now()).unwrap().unwrap();
            assert_eq!((payment.status, event.kind), (to, kind));
        }
    }
}

#[test]
fn cancel_and_expire_are_ignored_once_terminal() {
    for to in [Cancel, Expired] {
        for from in [Completed, Cancel, Expired] {
            let mut payment = payment_in(from);
            let before = payment.clone();
            assert_eq!(payment.end(to, now()), Ok(None), "{to} on {from}");
            assert_eq!(payment, before);
        }
    }
}

#[test]
fn end_only_ends() {
    for to in [Open, Confirm, Completed] {
        assert!(matches!(
            open_payment().end(to, now()),
            Err(RuleError::Transition { .. })
        ));
    }
}

#[test]
fn find_payment_s_cancel_means_expired_past_the_timeout() {
    let created = open_payment().created_at;
    let mut early = open_payment();
    let event = early.apply_remote(&remote_status("CANCEL"), created + Duration::seconds(599));
    assert_eq!(
        (early.status, event.unwrap().kind),
        (Cancel, LifecycleKind::PaymentCancelled)
    );

    let mut late = open_payment();
    let event = late.apply_remote(&remote_status("CANCEL"), created + Duration::seconds(600));
    assert_eq!(
        (late.status, event.unwrap().kind),
        (Expired, LifecycleKind::PaymentExpired)
    );
}

#[test]
fn apply_remote_follows_confirm_and_ignores_open_and_unknown_statuses() {
    let mut payment = open_payment();
    assert_eq!(payment.apply_remote(&remote_status("CONFIRM"), now()), None);
    assert_eq!(payment.status, Confirm);
    for status in ["OPEN", "PENDING"] {
        let mut payment = open_payment();
        assert_eq!(payment.apply_remote(&remote_status(status), now()), None);
        assert_eq!(payment, open_payment());
    }
    // a stale CONFIRM never undoes a completion
    let mut completed = completed_payment();
    assert_eq!(
        completed.apply_remote(&remote_status("CONFIRM"), now()),
        None
    );
    assert_eq!(completed.status, Completed);
}

#[test]
fn the_phone_changes_only_while_open() {
    let phone = "9395550000".parse().unwrap();
    let mut payment = open_payment();
    payment.change_phone(phone, now()).unwrap();
    assert_eq!(
        payment.customer_phone.as_ref().unwrap().as_str(),
        "9395550000"
    );
    for from in [Confirm, Completed, Cancel, Expired] {
        assert_eq!(
            payment_in(from).change_phone("9395550000".parse().unwrap(), now()),
            Err(RuleError::NotOpen(from))
        );
    }
}

#[test]
fn status_names_round_trip_in_any_case() {
    for status in PaymentStatus::ALL {
        assert_eq!(PaymentStatus::parse(status.as_str()), Some(status));
        assert_eq!(
            PaymentStatus::parse(&status.as_str().to_lowercase()),
            Some(status)
        );
    }
    assert_eq!(PaymentStatus::parse("DONE"), None);
}

#[test]
fn copy_details_copies_what_ath_movil_sent_and_keeps_the_rest() {
    let mut payment = completed_payment();
    let partial = AthmTransaction::from_json(&json!({"ecommerceStatus": "COMPLETED",
        "fee": 0.08, "name": "", "email": "new@example.com", "phoneNumber": "9395550000",
        "totalRefundedAmount": ""}))
    .unwrap();
    assert!(payment.copy_details(&partial));
    assert_eq!(payment.fee, Some(amount("0.08")));
    // customer data known already is never replaced (a later forged body
    // must not rewrite it), and "" does not erase
    assert_eq!(payment.customer_email, "customer@example.com");
    assert_eq!(payment.customer_name, "Test Customer");
    assert_eq!(
        payment.customer_phone.as_ref().map(|p| p.as_str()),
        Some("7875551234")
    );
    assert_eq!(payment.reference_number, Some(reference(PAYMENT_REF)));
    assert_eq!(payment.net_amount, Some(amount("24.93")));
    assert!(
        !payment.copy_details(&partial),
        "nothing new the second time"
    );
    // customer data still missing is filled in
    payment.customer_email.clear();
    payment.customer_phone = None;
    assert!(payment.copy_details(&partial));
    assert_eq!(payment.customer_email, "new@example.com");
    assert_eq!(
        payment.customer_phone.as_ref().map(|p| p.as_str()),
        Some("9395550000")
    );
}

#[test]
fn copy_details_takes_the_transaction_date_only_with_a_reference_number() {
    let mut payment = open_payment();
    let dated = AthmTransaction::from_json(&json!({"date": "2025-12-08 16:30:52"})).unwrap();
    payment.copy_details(&dated);
    assert_eq!(payment.transaction_date, None);
    assert_eq!(
        completed_payment().transaction_date,
        Some(now() - Duration::seconds(3)) // transactionDate 16:30:49 PR time
    );
}

fn remote(status: &'static str) -> AthmTransaction {
    if status == "COMPLETED" {
        remote_completed()
    } else {
        remote_status(status)
    }
}

proptest! {
    /// Whatever ATH Móvil says in whatever order, a payment is announced
    /// completed at most once and, once completed, stays completed.
    #[test]
    fn completion_is_announced_at_most_once_and_never_undone(
        statuses in prop::collection::vec(
            prop::sample::select(vec!["OPEN", "CONFIRM", "COMPLETED", "CANCEL", "EXPIRED", "?"]),
            0..12,
        ),
        minutes in prop::collection::vec(0i64..20, 12),
    ) {
        let mut payment: Payment = open_payment();
        let mut completions = 0;
        for (status, minute) in statuses.iter().zip(&minutes) {
            let was_completed = payment.status == Completed;
            let event = payment.apply_remote(&remote(status), now() + Duration::minutes(*minute));
            if event.is_some_and(|e| e.kind == LifecycleKind::PaymentCompleted) {
                completions += 1;
            }
            if was_completed {
                prop_assert_eq!(payment.status, Completed);
            }
        }
        prop_assert!(completions <= 1);
        prop_assert_eq!(completions == 1, payment.status == Completed);
    }
}
