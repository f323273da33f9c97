//! What is left to refund: ATH Móvil's total (or what completed here, if
//! more), pending refunds counted as spent.

use crate::error::RuleError;
use crate::model::{
    Amount, Payment, Refund, RefundIntent, RefundMessage, RefundStatus, refundable,
};
use crate::ports::PaymentRecord;
use crate::test_support::{amount, completed_payment, now, refund_of};

/// [`completed_payment`] (25.00) with ATH Móvil's refunded total `reported`.
fn payment_refunded(reported: &str) -> Payment {
    Payment {
        total_refunded_amount: amount(reported),
        ..completed_payment()
    }
}

fn refunds(list: &[(&str, RefundStatus)]) -> Vec<Refund> {
    list.iter().map(|(a, s)| refund_of(a, *s)).collect()
}

#[test]
fn pending_refunds_count_as_spent_and_failed_ones_do_not() {
    let payment = completed_payment();
    let cases: [(&[(&str, RefundStatus)], &str); 4] = [
        (&[], "25.00"),
        (&[("10.00", RefundStatus::Pending)], "15.00"),
        (&[("10.00", RefundStatus::Failed)], "25.00"),
        (
            &[
                ("10.00", RefundStatus::Pending),
                ("4.00", RefundStatus::Pending),
                ("25.00", RefundStatus::Failed),
            ],
            "11.00",
        ),
    ];
    for (list, left) in cases {
        assert_eq!(
            refundable(&payment, &refunds(list)),
            amount(left),
            "{list:?}"
        );
    }
}

#[test]
fn completed_refunds_and_ath_movil_s_total_are_one_figure_the_larger() {
    let cases = [
        // ATH Móvil counts a refund made in the ATH Business app, unknown here
        ("10.00", &[("4.00", RefundStatus::Completed)][..], "15.00"),
        // a refund completed here before a read brought ATH Móvil's total
        ("0.00", &[("10.00", RefundStatus::Completed)][..], "15.00"),
        // the same refund seen both ways is counted once, not twice
        ("10.00", &[("10.00", RefundStatus::Completed)][..], "15.00"),
        // and pending refunds still come off what is left
        (
            "10.00",
            &[
                ("10.00", RefundStatus::Completed),
                ("5.00", RefundStatus::Pending),
            ][..],
            "10.00",
        ),
    ];
    for (reported, list, left) in cases {
        assert_eq!(
            refundable(&payment_refunded(reported), &refunds(list)),
            amount(left),
            "ATH Móvil says {reported}, here {list:?}"
        );
    }
}

#[test]
fn what_is_left_is_never_negative() {
    let payment = payment_refunded("25.00");
    let list = refunds(&[("5.00", RefundStatus::Pending)]);
    assert_eq!(refundable(&payment, &list), Amount::ZERO);
    let over = refunds(&[
        ("20.00", RefundStatus::Pending),
        ("20.00", RefundStatus::Pending),
    ]);
    assert_eq!(refundable(&completed_payment(), &over), Amount::ZERO);
}

#[test]
fn the_record_and_the_plan_use_the_same_rule() {
    // ATH Móvil's read is stale (0.00), a refund of 10.00 completed here
    let record = PaymentRecord {
        payment: completed_payment(),
        refunds: refunds(&[("10.00", RefundStatus::Completed)]),
    };
    assert_eq!(record.refundable(), amount("15.00"));
    let plan = |requested: &str| {
        Refund::plan(
            &record.payment,
            &record.refunds,
            Some(amount(requested)),
            RefundMessage::default(),
            RefundIntent::random(),
            now(),
        )
    };
    assert_eq!(
        plan("15.01"),
        Err(RuleError::RefundExceeds {
            requested: amount("15.01").value(),
            refundable: amount("15.00").value(),
        })
    );
    assert_eq!(plan("15.00").unwrap().into_refund().amount, amount("15.00"));
}

#[test]
fn a_payment_is_refundable_while_ath_movil_s_total_leaves_room() {
    assert!(payment_refunded("24.99").is_refundable());
    assert!(!payment_refunded("25.00").is_refundable());
    let mut no_reference = completed_payment();
    no_reference.reference_number = None;
    assert!(!no_reference.is_refundable());
}
