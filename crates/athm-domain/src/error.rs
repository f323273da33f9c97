//! The errors of the domain's values and rules.
//!
//! Each use case has its own error enum beside it in [`crate::services`];
//! this module holds the two kinds every layer shares: a rejected field
//! ([`FieldError`]) and a broken business rule ([`RuleError`]).

use rust_decimal::Decimal;

use crate::model::PaymentStatus;

/// A value that was refused, naming the field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    /// The field as ATH Móvil or the checkout API names it (`total`, `phoneNumber`…).
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: Problem,
}

impl FieldError {
    /// A refusal of `field` for `problem`.
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The value is required but empty or missing.
    #[error("is required")]
    Missing,
    /// The value is not in the expected format.
    #[error("must be {expected}")]
    Format {
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// The number is outside its allowed range.
    #[error("must be between {min} and {max}")]
    OutOfRange {
        /// Smallest allowed value.
        min: Decimal,
        /// Largest allowed value.
        max: Decimal,
    },
    /// The text is longer than allowed.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
}

/// A business rule of payments or refunds that an operation would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A status change the payment life cycle does not allow.
    #[error("a payment in status {from} cannot become {to}")]
    Transition {
        /// The payment's current status.
        from: PaymentStatus,
        /// The status that was asked for.
        to: PaymentStatus,
    },
    /// Refunds need a completed payment.
    #[error("only a COMPLETED payment can be refunded; this one is {0}")]
    NotCompleted(PaymentStatus),
    /// Refunds need the payment's ATH Móvil reference number.
    #[error("the payment has no reference number yet, so ATH Móvil cannot refund it")]
    NoReferenceNumber,
    /// Nothing is left to refund.
    #[error("the payment is already fully refunded")]
    FullyRefunded,
    /// A refund of zero or less.
    #[error("a refund amount must be greater than 0.00")]
    NonPositiveRefund,
    /// A refund larger than what is left.
    #[error("the refund of {requested} exceeds the refundable amount of {refundable}")]
    RefundExceeds {
        /// The amount asked for.
        requested: Decimal,
        /// What can still be refunded, pending refunds deducted.
        refundable: Decimal,
    },
    /// An operation that needs the payment to still be waiting for the customer.
    #[error("the payment is {0}; only an OPEN payment accepts this")]
    NotOpen(PaymentStatus),
    /// The checkout's payment is completed: one checkout pays once.
    #[error("checkout: this order is already paid; reload the page for a new one")]
    CheckoutPaid,
    /// Another start of the checkout is creating its payment right now.
    #[error("checkout: this order's payment is being started; try again in a moment")]
    CheckoutStarting,
    /// The checkout's payment waits for another phone.
    #[error(
        "checkout: this order's payment waits for approval on another phone; cancel it first, or reload the page"
    )]
    CheckoutOtherPhone,
    /// A refund intent (idempotency key) was used before for another amount.
    #[error(
        "the idempotency key {intent} was already used for a refund of {amount}; use a new key for a different refund"
    )]
    IntentReused {
        /// The intent.
        intent: String,
        /// The amount of the refund it names.
        amount: Decimal,
    },
    /// ATH Móvil's refunded total for the payment does not cover a refund
    /// an event or report row claims: it is not this payment's, or not real.
    #[error(
        "ATH Móvil says {reported} is refunded of this payment, which does not cover a further refund of {amount}"
    )]
    RefundNotCovered {
        /// The refund claimed.
        amount: Decimal,
        /// ATH Móvil's refunded total.
        reported: Decimal,
    },
    /// The payment has no auth token stored, so it cannot be authorized here.
    #[error("the payment has no auth token; it was not initiated by this service")]
    NoAuthToken,
}

/// An error and every source under it, on one line (`outer: cause: root`),
/// for logs and reports that must name the root cause.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
