//! The payment's refunded total follows ATH Móvil's reads and never goes down.

use chrono::Duration;
use proptest::prelude::*;
use serde_json::json;

use crate::model::{Amount, AthmTransaction};
use crate::test_support::{amount, completed_payment, now, remote_completed};

fn cents(c: u32) -> Amount {
    amount(&format!("{}.{:02}", c / 100, c % 100))
}

#[test]
fn a_higher_read_is_followed_and_the_change_is_dated() {
    let mut payment = completed_payment();
    let later = now() + Duration::minutes(3);
    assert!(payment.follow_refunded_total(amount("10.00"), later));
    assert_eq!(payment.total_refunded_amount, amount("10.00"));
    assert_eq!(payment.updated_at, later);
}

#[test]
fn a_stale_or_equal_read_changes_nothing() {
    let mut payment = completed_payment();
    payment.follow_refunded_total(amount("10.00"), now());
    let before = payment.clone();
    for stale in ["10.00", "9.99", "0.00"] {
        assert!(
            !payment.follow_refunded_total(amount(stale), now() + Duration::minutes(1)),
            "{stale}"
        );
        assert_eq!(payment, before, "{stale}");
    }
}

#[test]
fn the_total_is_ath_movil_s_figure_never_a_sum_of_claims() {
    // two reads of the same running total are one refund, not two
    let mut payment = completed_payment();
    payment.follow_refunded_total(amount("3.00"), now());
    payment.follow_refunded_total(amount("3.00"), now());
    assert_eq!(payment.total_refunded_amount, amount("3.00"));
}

#[test]
fn a_late_completion_read_never_lowers_the_refunded_total() {
    let mut payment = completed_payment();
    payment.follow_refunded_total(amount("10.00"), now());
    // the completed event (totalRefundedAmount 0) retried after the refund
    assert!(!payment.copy_details(&remote_completed()));
    assert_eq!(payment.total_refunded_amount, amount("10.00"));
    let report = AthmTransaction::from_json(&json!({"totalRefundAmount": "12.00"})).unwrap();
    assert!(payment.copy_details(&report));
    assert_eq!(payment.total_refunded_amount, amount("12.00"));
}

proptest! {
    /// Reads of ATH Móvil's running total arriving in any order leave the
    /// payment at the largest of them, and it never goes down on the way.
    #[test]
    fn any_order_of_reads_ends_at_the_largest(reads in prop::collection::vec(0u32..2500, 0..12)) {
        let mut payment = completed_payment();
        for read in &reads {
            let before = payment.total_refunded_amount;
            let changed = payment.follow_refunded_total(cents(*read), now());
            prop_assert!(payment.total_refunded_amount >= before);
            prop_assert_eq!(changed, payment.total_refunded_amount != before);
        }
        let largest = reads.iter().copied().max().map_or(Amount::ZERO, cents);
        prop_assert_eq!(payment.total_refunded_amount, largest);
    }
}
