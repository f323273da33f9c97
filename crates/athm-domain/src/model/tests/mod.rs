//! The payment status machine and the refund rules.

mod intent;
mod refund;
mod refund_match;
mod refundable;
mod refunded_total;
mod status;
