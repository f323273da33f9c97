//! The transaction report: completed payments and refunds in a date range,
//! with production's limits.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::Ledger;
use crate::clock::{format_local_tenths, local};
use crate::config::Merchant;
use crate::error::{ApiError, codes};
use crate::model::{Customer, Item, Payment, PaymentStatus, Refund};
use crate::money::json_double;
use crate::wire::answer::formatted_phone;

/// The inspection field naming a row's ecommerce payment
/// (only with [`crate::SandboxConfig::inspection_fields`]).
pub(crate) const INSPECT_ECOMMERCE_ID: &str = "sandboxEcommerceId";
/// The inspection field naming the payment a REFUND row refunds.
pub(crate) const INSPECT_PAYMENT_REFERENCE: &str = "sandboxPaymentReferenceNumber";

/// A checked report range, in Puerto Rico wall time, both ends included.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReportRange {
    from: NaiveDateTime,
    to: NaiveDateTime,
}

impl ReportRange {
    /// Checks `fromDate`/`toDate` (`YYYY-MM-DD HH:MM:SS`): parse (0023/0024),
    /// not after today (`fromDate` 0047, `toDate` 0048), in order (0025), at
    /// most `max_days` long (0026).
    pub(crate) fn parse(
        from: &str,
        to: &str,
        max_days: u32,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let parse = |s: &str| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S");
        let from =
            parse(from).map_err(|_| ApiError::bad(codes::REPORT_BAD_FROM, "Invalid fromDate"))?;
        let to = parse(to).map_err(|_| ApiError::bad(codes::REPORT_BAD_TO, "Invalid toDate"))?;
        let today = local(now).date();
        if from.date() > today {
            return Err(ApiError::bad(
                codes::REPORT_FROM_IN_FUTURE,
                "fromDate cannot be in the future",
            ));
        }
        if to.date() > today {
            return Err(ApiError::bad(
                codes::REPORT_TO_IN_FUTURE,
                "toDate cannot be in the future",
            ));
        }
        if from > to {
            return Err(ApiError::bad(
                codes::REPORT_FROM_AFTER_TO,
                "fromDate is after toDate",
            ));
        }
        if to - from > TimeDelta::days(i64::from(max_days)) {
            return Err(ApiError::bad(
                codes::REPORT_RANGE_TOO_LONG,
                max_days.to_string(),
            ));
        }
        Ok(Self { from, to })
    }

    fn contains(&self, at: DateTime<Utc>) -> bool {
        (self.from..=self.to).contains(&local(at))
    }
}

impl Ledger {
    /// The report rows of `merchant` in `range`, oldest first; `inspect`
    /// adds the sandbox's inspection fields production never sends.
    pub(crate) fn report(
        &self,
        merchant: &Merchant,
        range: ReportRange,
        inspect: bool,
    ) -> Result<Vec<Value>, ApiError> {
        let books = self.books();
        let owner = merchant.public_token.as_str();
        let mut rows: Vec<(DateTime<Utc>, Value)> = Vec::new();
        let mut any = false;
        for p in books.order.iter().filter_map(|id| books.payments.get(id)) {
            if p.public_token != owner || p.status != PaymentStatus::Completed {
                continue;
            }
            any = true;
            if let Some(at) = p.completed_at.filter(|at| range.contains(*at)) {
                rows.push((at, payment_row(p, inspect)));
            }
        }
        for r in books.refunds.iter().filter(|r| r.public_token == owner) {
            any = true;
            if range.contains(r.created_at) {
                let payment = books.payments.get(&r.ecommerce_id);
                rows.push((r.created_at, refund_row(r, payment, inspect)));
            }
        }
        if !any {
            return Err(ApiError::bad(
                codes::REPORT_NO_RECORDS,
                "No transactions found",
            ));
        }
        if rows.is_empty() {
            return Err(ApiError::bad(
                codes::REPORT_NONE_IN_RANGE,
                "No transactions found in the date range",
            ));
        }
        rows.sort_by_key(|(at, _)| *at);
        Ok(rows.into_iter().map(|(_, row)| row).collect())
    }
}

/// A report row's `referenceNumber`: as captured in production, with a
/// trailing space (clients must trim it).
fn row_reference(reference: &str) -> String {
    format!("{reference} ")
}

/// The customer's name, email and formatted phone, `""` when unknown.
fn customer_fields(customer: Option<&Customer>) -> (String, String, String) {
    customer.map_or_else(Default::default, |c| {
        (
            c.name.clone(),
            c.email.clone(),
            formatted_phone(&c.phone_number),
        )
    })
}

/// An item as the report writes it: no `formattedPrice`/`sku`, amounts as doubles.
fn report_item(item: &Item) -> Value {
    json!({
        "name": item.name, "description": item.description, "quantity": item.quantity,
        "price": json_double(item.price),
        "tax": json_double(item.tax.unwrap_or_default()),
        "metadata": item.metadata,
    })
}

/// An ECOMMERCE row, field for field as the captured production row: no
/// `ecommerceId`, `businessName`, `transactionDate`, `referenceTransactionId`.
fn payment_row(p: &Payment, inspect: bool) -> Value {
    let (name, email, phone) = customer_fields(p.customer.as_ref());
    let mut row = json!({
        "transactionType": "ECOMMERCE",
        "status": "COMPLETED",
        "date": p.completed_at.map(format_local_tenths).unwrap_or_default(),
        "referenceNumber": row_reference(p.reference_number.as_deref().unwrap_or_default()),
        "dailyTransactionID": p.daily_transaction_id.unwrap_or_default(),
        "name": name,
        "phoneNumber": phone,
        "email": email,
        "message": "",
        "total": json_double(p.total),
        "tax": json_double(p.tax.unwrap_or_default()),
        "subtotal": json_double(p.subtotal.unwrap_or_default()),
        "fee": json_double(p.fee),
        "netAmount": json_double(p.net_amount),
        "totalRefundAmount": json_double(p.total_refunded),
        "metadata1": p.metadata1,
        "metadata2": p.metadata2,
        "items": p.items.iter().map(report_item).collect::<Vec<_>>(),
    });
    if inspect && let Some(obj) = row.as_object_mut() {
        obj.insert(
            INSPECT_ECOMMERCE_ID.into(),
            json!(p.ecommerce_id.to_string()),
        );
    }
    row
}

/// A REFUND row: the refund's own reference and amount, the customer; it
/// does not name the payment it refunds (nor carries its metadata).
fn refund_row(r: &Refund, payment: Option<&Payment>, inspect: bool) -> Value {
    let (name, email, phone) = customer_fields(payment.and_then(|p| p.customer.as_ref()));
    let zero = json_double(Decimal::ZERO);
    let mut row = json!({
        "transactionType": "REFUND",
        "status": "COMPLETED",
        "date": format_local_tenths(r.created_at),
        "referenceNumber": row_reference(&r.reference_number),
        "dailyTransactionID": r.daily_transaction_id,
        "name": name,
        "phoneNumber": phone,
        "email": email,
        "message": r.message,
        "total": json_double(r.amount),
        "tax": zero,
        "subtotal": zero,
        "fee": zero,
        "netAmount": json_double(r.amount),
        "totalRefundAmount": json_double(r.amount),
        "metadata1": "",
        "metadata2": "",
        "items": [],
    });
    if inspect && let Some(obj) = row.as_object_mut() {
        obj.insert(
            INSPECT_ECOMMERCE_ID.into(),
            json!(r.ecommerce_id.to_string()),
        );
        obj.insert(
            INSPECT_PAYMENT_REFERENCE.into(),
            json!(r.payment_reference_number),
        );
    }
    row
}
