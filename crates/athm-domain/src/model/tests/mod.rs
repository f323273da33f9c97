//! The payment status machine and the refund rules.

mod refund;
mod status;
