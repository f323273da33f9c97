//! Rows to domain values and back. Reading a row that breaks a domain rule
//! is [`StoreError::Corrupt`], naming the table, the row and the column.

mod client;
mod lifecycle;
mod payment;
mod refund;
pub(crate) mod text;
mod unlinked;
mod webhook;

use athm_domain::Amount;
use athm_domain::ports::StoreError;
use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;

pub(crate) use client::{client_from_row, client_row};
pub(crate) use lifecycle::{lifecycle_from_row, lifecycle_row};
pub(crate) use payment::{item_rows, payment_from_rows, payment_row};
pub(crate) use refund::{refund_from_row, refund_row};
pub(crate) use unlinked::{stored_form, unlinked_from_row, unlinked_row};
pub(crate) use webhook::{event_from_row, event_row, stored_error};

/// A [`StoreError::Corrupt`] about `column` of the `table` row `id`.
pub(crate) fn corrupt(
    table: &str,
    id: &str,
    column: &str,
    value: impl std::fmt::Debug,
) -> StoreError {
    StoreError::Corrupt(format!(
        "{table} row {id}: column {column} holds {value:?}, which is not valid"
    ))
}

/// An amount as whole cents.
pub(crate) fn to_cents(amount: Amount) -> Result<i64, StoreError> {
    let mut value = amount.value();
    value.rescale(2);
    i64::try_from(value.mantissa())
        .map_err(|_| StoreError::Corrupt(format!("the amount {amount} is too large to store")))
}

/// An optional amount as whole cents.
pub(crate) fn opt_cents(amount: Option<Amount>) -> Result<Option<i64>, StoreError> {
    amount.map(to_cents).transpose()
}

/// Reads whole cents back into an amount.
pub(crate) fn amount(
    table: &str,
    id: &str,
    column: &str,
    cents: i64,
) -> Result<Amount, StoreError> {
    Amount::new(Decimal::new(cents, 2)).map_err(|_| corrupt(table, id, column, cents))
}

/// Reads optional cents.
pub(crate) fn opt_amount(
    table: &str,
    id: &str,
    column: &str,
    cents: Option<i64>,
) -> Result<Option<Amount>, StoreError> {
    cents.map(|c| amount(table, id, column, c)).transpose()
}

/// A time as every backend stores it: UTC, to the microsecond.
pub(crate) fn time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// Parses `text` as `T`, or reports the column as corrupt.
pub(crate) fn parse<T: std::str::FromStr>(
    table: &str,
    id: &str,
    column: &str,
    text: &str,
) -> Result<T, StoreError> {
    text.parse().map_err(|_| corrupt(table, id, column, text))
}

/// Parses an optional column.
pub(crate) fn parse_opt<T: std::str::FromStr>(
    table: &str,
    id: &str,
    column: &str,
    text: Option<&str>,
) -> Result<Option<T>, StoreError> {
    text.map(|t| parse(table, id, column, t)).transpose()
}
