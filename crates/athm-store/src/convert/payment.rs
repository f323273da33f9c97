//! `payments` and `payment_items` rows.

use athm_domain::ports::StoreError;
use athm_domain::{AuthToken, Item, Metadata, Payment, PaymentStatus, PaymentTimeout};

use super::{amount, corrupt, opt_amount, opt_cents, parse, parse_opt, time, to_cents};
use crate::entities::{payment, payment_item};

const TABLE: &str = "payments";

/// The row of `payment` (without its items).
pub(crate) fn payment_row(p: &Payment) -> Result<payment::Model, StoreError> {
    Ok(payment::Model {
        ecommerce_id: p.ecommerce_id.to_string(),
        status: p.status.as_str().to_string(),
        reference_number: p.reference_number.as_ref().map(|r| r.as_str().to_string()),
        daily_transaction_id: p.daily_transaction_id.clone(),
        total_cents: to_cents(p.total)?,
        subtotal_cents: opt_cents(p.subtotal)?,
        tax_cents: opt_cents(p.tax)?,
        fee_cents: opt_cents(p.fee)?,
        net_amount_cents: opt_cents(p.net_amount)?,
        total_refunded_cents: to_cents(p.total_refunded_amount)?,
        customer_name: p.customer_name.clone(),
        customer_phone: p.customer_phone.as_ref().map(|x| x.as_str().to_string()),
        customer_email: p.customer_email.clone(),
        metadata_1: p.metadata_1.as_str().to_string(),
        metadata_2: p.metadata_2.as_str().to_string(),
        message: p.message.clone(),
        business_name: p.business_name.clone(),
        timeout_secs: i32::try_from(p.timeout.secs()).unwrap_or(i32::MAX),
        auth_token: p.auth_token.as_ref().map(|t| t.expose().to_string()),
        created_at: time(p.created_at),
        updated_at: time(p.updated_at),
        transaction_date: p.transaction_date.map(time),
    })
}

/// The item rows of `payment`, in order (ids left to the database).
pub(crate) fn item_rows(p: &Payment) -> Result<Vec<payment_item::Model>, StoreError> {
    p.items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            Ok(payment_item::Model {
                id: 0,
                ecommerce_id: p.ecommerce_id.to_string(),
                position: i32::try_from(position).unwrap_or(i32::MAX),
                name: item.name.clone(),
                description: item.description.clone(),
                quantity: i64::from(item.quantity),
                price_cents: to_cents(item.price)?,
                tax_cents: opt_cents(item.tax)?,
                metadata: item.metadata.clone(),
            })
        })
        .collect()
}

/// A payment from its row and its item rows (in position order).
pub(crate) fn payment_from_rows(
    row: payment::Model,
    items: Vec<payment_item::Model>,
) -> Result<Payment, StoreError> {
    let id = row.ecommerce_id.clone();
    let id = id.as_str();
    let metadata = |column: &'static str, text: &str| {
        Metadata::parse_field(column, text).map_err(|_| corrupt(TABLE, id, column, text))
    };
    let timeout = u32::try_from(row.timeout_secs)
        .ok()
        .and_then(|s| PaymentTimeout::new(s).ok())
        .ok_or_else(|| corrupt(TABLE, id, "timeout_secs", row.timeout_secs))?;
    Ok(Payment {
        ecommerce_id: parse(TABLE, id, "ecommerce_id", id)?,
        status: PaymentStatus::parse(&row.status)
            .ok_or_else(|| corrupt(TABLE, id, "status", &row.status))?,
        reference_number: parse_opt(
            TABLE,
            id,
            "reference_number",
            row.reference_number.as_deref(),
        )?,
        daily_transaction_id: row.daily_transaction_id,
        total: amount(TABLE, id, "total_cents", row.total_cents)?,
        subtotal: opt_amount(TABLE, id, "subtotal_cents", row.subtotal_cents)?,
        tax: opt_amount(TABLE, id, "tax_cents", row.tax_cents)?,
        fee: opt_amount(TABLE, id, "fee_cents", row.fee_cents)?,
        net_amount: opt_amount(TABLE, id, "net_amount_cents", row.net_amount_cents)?,
        total_refunded_amount: amount(TABLE, id, "total_refunded_cents", row.total_refunded_cents)?,
        customer_name: row.customer_name,
        customer_phone: parse_opt(TABLE, id, "customer_phone", row.customer_phone.as_deref())?,
        customer_email: row.customer_email,
        metadata_1: metadata("metadata_1", &row.metadata_1)?,
        metadata_2: metadata("metadata_2", &row.metadata_2)?,
        message: row.message,
        business_name: row.business_name,
        items: items
            .into_iter()
            .map(item_from_row)
            .collect::<Result<_, _>>()?,
        timeout,
        auth_token: row.auth_token.map(AuthToken::new),
        created_at: row.created_at,
        updated_at: row.updated_at,
        transaction_date: row.transaction_date,
    })
}

fn item_from_row(row: payment_item::Model) -> Result<Item, StoreError> {
    const ITEMS: &str = "payment_items";
    let id = row.id.to_string();
    Ok(Item {
        quantity: u32::try_from(row.quantity)
            .map_err(|_| corrupt(ITEMS, &id, "quantity", row.quantity))?,
        price: amount(ITEMS, &id, "price_cents", row.price_cents)?,
        tax: opt_amount(ITEMS, &id, "tax_cents", row.tax_cents)?,
        name: row.name,
        description: row.description,
        metadata: row.metadata,
    })
}
