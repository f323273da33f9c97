//! `refunds` rows.

use athm_domain::ports::StoreError;
use athm_domain::{Refund, RefundId, RefundMessage, RefundStatus};

use super::{amount, corrupt, parse, parse_opt, time, to_cents};
use crate::entities::refund;

const TABLE: &str = "refunds";

/// The row of `refund`.
pub(crate) fn refund_row(r: &Refund) -> Result<refund::Model, StoreError> {
    Ok(refund::Model {
        id: r.id.to_string(),
        ecommerce_id: r.ecommerce_id.to_string(),
        status: r.status.as_str().to_string(),
        reference_number: r.reference_number.as_ref().map(|x| x.as_str().to_string()),
        daily_transaction_id: r.daily_transaction_id.clone(),
        amount_cents: to_cents(r.amount)?,
        message: r.message.as_str().to_string(),
        customer_name: r.customer_name.clone(),
        customer_phone: r.customer_phone.as_ref().map(|x| x.as_str().to_string()),
        customer_email: r.customer_email.clone(),
        transaction_date: r.transaction_date.map(time),
        failure: r.failure.clone(),
        created_at: time(r.created_at),
        intent_key: r.intent_key.as_ref().map(|k| k.as_str().to_string()),
    })
}

/// A refund from its row.
pub(crate) fn refund_from_row(row: refund::Model) -> Result<Refund, StoreError> {
    let id = row.id.as_str();
    Ok(Refund {
        id: RefundId(parse(TABLE, id, "id", id)?),
        ecommerce_id: parse(TABLE, id, "ecommerce_id", &row.ecommerce_id)?,
        intent_key: parse_opt(TABLE, id, "intent_key", row.intent_key.as_deref())?,
        status: RefundStatus::parse(&row.status)
            .ok_or_else(|| corrupt(TABLE, id, "status", &row.status))?,
        reference_number: parse_opt(
            TABLE,
            id,
            "reference_number",
            row.reference_number.as_deref(),
        )?,
        daily_transaction_id: row.daily_transaction_id.clone(),
        amount: amount(TABLE, id, "amount_cents", row.amount_cents)?,
        message: parse::<RefundMessage>(TABLE, id, "message", &row.message)?,
        customer_name: row.customer_name.clone(),
        customer_phone: parse_opt(TABLE, id, "customer_phone", row.customer_phone.as_deref())?,
        customer_email: row.customer_email.clone(),
        transaction_date: row.transaction_date,
        failure: row.failure.clone(),
        created_at: row.created_at,
    })
}
