//! `unlinked_transactions` rows. The text of a report row is whatever ATH
//! Móvil sent, so it is stored as [`column_text`] makes it (NUL characters
//! escaped, cut to the column); [`stored_form`] is a transaction as it
//! reads back, so that comparing a newer read with a stored one is exact.

use athm_domain::ports::StoreError;
use athm_domain::{TransactionType, UnlinkedTransaction};

use super::text::column_text;
use super::{amount, opt_amount, opt_cents, parse, parse_opt, time, to_cents};
use crate::entities::unlinked_transaction;

const TABLE: &str = "unlinked_transactions";
/// Names, emails and metadata are `VARCHAR(255)`.
const SHORT_LEN: usize = 255;
/// The longest message or reason kept (a `TEXT` column holds 65,535 bytes on MySQL).
const LONG_LEN: usize = 16 * 1024;

/// The row of `t`.
pub(crate) fn unlinked_row(
    t: &UnlinkedTransaction,
) -> Result<unlinked_transaction::Model, StoreError> {
    Ok(unlinked_transaction::Model {
        reference_number: t.reference_number.as_str().to_string(),
        transaction_type: column_text(t.transaction_type.as_str(), 32),
        date: t.date.map(time),
        total_cents: to_cents(t.total)?,
        fee_cents: opt_cents(t.fee)?,
        net_amount_cents: opt_cents(t.net_amount)?,
        total_refunded_cents: to_cents(t.total_refunded_amount)?,
        customer_name: column_text(&t.customer_name, SHORT_LEN),
        customer_phone: t.customer_phone.as_ref().map(|p| p.as_str().to_string()),
        customer_email: column_text(&t.customer_email, SHORT_LEN),
        metadata_1: column_text(&t.metadata_1, SHORT_LEN),
        metadata_2: column_text(&t.metadata_2, SHORT_LEN),
        message: column_text(&t.message, LONG_LEN),
        reason: column_text(&t.reason, LONG_LEN),
        first_seen_at: time(t.first_seen_at),
        updated_at: time(t.updated_at),
    })
}

/// An unlinked transaction from its row.
pub(crate) fn unlinked_from_row(
    row: unlinked_transaction::Model,
) -> Result<UnlinkedTransaction, StoreError> {
    let id = row.reference_number.as_str();
    Ok(UnlinkedTransaction {
        reference_number: parse(TABLE, id, "reference_number", id)?,
        transaction_type: TransactionType::parse(&row.transaction_type),
        date: row.date,
        total: amount(TABLE, id, "total_cents", row.total_cents)?,
        fee: opt_amount(TABLE, id, "fee_cents", row.fee_cents)?,
        net_amount: opt_amount(TABLE, id, "net_amount_cents", row.net_amount_cents)?,
        total_refunded_amount: amount(TABLE, id, "total_refunded_cents", row.total_refunded_cents)?,
        customer_name: row.customer_name,
        customer_phone: parse_opt(TABLE, id, "customer_phone", row.customer_phone.as_deref())?,
        customer_email: row.customer_email,
        metadata_1: row.metadata_1,
        metadata_2: row.metadata_2,
        message: row.message,
        reason: row.reason,
        first_seen_at: row.first_seen_at,
        updated_at: row.updated_at,
    })
}

/// `t` as it reads back once stored (text escaped and cut, times to the
/// microsecond).
pub(crate) fn stored_form(t: &UnlinkedTransaction) -> Result<UnlinkedTransaction, StoreError> {
    unlinked_from_row(unlinked_row(t)?)
}
