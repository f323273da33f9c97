//! Refund intents: the same intent is one refund however often it arrives.

use crate::error::RuleError;
use crate::model::{Refund, RefundIntent, RefundMessage, RefundStatus, Reservation};
use crate::test_support::{amount, completed_payment, intent, now, refund_of};

/// Plans `requested` of [`completed_payment`] under `key`, beside `refunds`.
fn plan(refunds: &[Refund], requested: Option<&str>, key: &str) -> Result<Reservation, RuleError> {
    Refund::plan(
        &completed_payment(),
        refunds,
        requested.map(amount),
        RefundMessage::default(),
        intent(key),
        now(),
    )
}

/// A refund of `text` in `status`, sent for the intent `key`.
fn sent_for(key: &str, text: &str, status: RefundStatus) -> Refund {
    Refund {
        intent_key: Some(intent(key)),
        ..refund_of(text, status)
    }
}

#[test]
fn an_intent_seen_before_is_its_refund_in_whatever_state_it_reached() {
    for status in [
        RefundStatus::Pending,
        RefundStatus::Completed,
        RefundStatus::Failed,
    ] {
        let first = sent_for("click-1", "10.00", status);
        let refunds = [refund_of("5.00", RefundStatus::Completed), first.clone()];
        for requested in [Some("10.00"), None] {
            assert_eq!(
                plan(&refunds, requested, "click-1"),
                Ok(Reservation::Existing(first.clone())),
                "{status} asked for {requested:?}"
            );
        }
    }
}

#[test]
fn a_replayed_intent_is_answered_even_when_nothing_is_left_to_refund() {
    // the first click reserved everything: a fresh refund would be refused,
    // the same click again is that refund
    let first = sent_for("click-1", "25.00", RefundStatus::Pending);
    let refunds = [first.clone()];
    assert_eq!(
        plan(&refunds, Some("25.00"), "click-1"),
        Ok(Reservation::Existing(first))
    );
    assert_eq!(
        plan(&refunds, Some("25.00"), "click-2"),
        Err(RuleError::FullyRefunded)
    );
}

#[test]
fn an_intent_used_for_another_amount_is_refused() {
    let refunds = [sent_for("click-1", "10.00", RefundStatus::Completed)];
    assert_eq!(
        plan(&refunds, Some("10.01"), "click-1"),
        Err(RuleError::IntentReused {
            intent: "click-1".into(),
            amount: amount("10.00").value(),
        })
    );
}

#[test]
fn another_intent_for_the_same_amount_is_another_refund() {
    let refunds = [sent_for("click-1", "10.00", RefundStatus::Completed)];
    let Ok(Reservation::New(second)) = plan(&refunds, Some("10.00"), "click-2") else {
        panic!("a second intent is a second refund")
    };
    assert_eq!(second.intent_key, Some(intent("click-2")));
    assert_eq!(second.status, RefundStatus::Pending);
    assert_ne!(second.id, refunds[0].id);
}

#[test]
fn a_refund_learned_from_ath_movil_answers_no_intent() {
    // refunds made elsewhere have no intent: they never capture a new one
    let elsewhere = refund_of("10.00", RefundStatus::Completed);
    let elsewhere = Refund {
        intent_key: None,
        ..elsewhere
    };
    let planned = plan(&[elsewhere], Some("10.00"), "click-1").unwrap();
    assert!(matches!(planned, Reservation::New(_)), "{planned:?}");
}

#[test]
fn into_refund_is_the_refund_either_way() {
    let refund = refund_of("1.00", RefundStatus::Pending);
    assert_eq!(Reservation::New(refund.clone()).into_refund(), refund);
    assert_eq!(Reservation::Existing(refund.clone()).into_refund(), refund);
}

#[test]
fn intents_are_printable_ascii_of_bounded_length() {
    assert_eq!(intent(" key-1 ").as_str(), "key-1");
    assert!("".parse::<RefundIntent>().is_err());
    assert!("two words".parse::<RefundIntent>().is_err());
    assert!("clé".parse::<RefundIntent>().is_err());
    assert!(
        "k".repeat(RefundIntent::MAX_LEN)
            .parse::<RefundIntent>()
            .is_ok()
    );
    assert!(
        "k".repeat(RefundIntent::MAX_LEN + 1)
            .parse::<RefundIntent>()
            .is_err()
    );
    assert_ne!(RefundIntent::random(), RefundIntent::random());
}
