//! The transaction report: completed payments and refunds in a date range,
//! with production's limits.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::Ledger;
use crate::clock::{format_local, local};
use crate::config::Merchant;
use crate::error::{ApiError, codes};
use crate::model::{Payment, PaymentStatus, Refund};
use crate::money::json_number;
use crate::wire::answer::{daily_id, item_numbers};

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
                format!("The date range cannot exceed {max_days} days"),
            ));
        }
        Ok(Self { from, to })
    }

    fn contains(&self, at: DateTime<Utc>) -> bool {
        (self.from..=self.to).contains(&local(at))
    }
}

impl Ledger {
    /// The report rows of `merchant` in `range`, oldest first.
    pub(crate) fn report(
        &self,
        merchant: &Merchant,
        range: ReportRange,
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
                rows.push((at, payment_row(p, merchant)));
            }
        }
        for r in books.refunds.iter().filter(|r| r.public_token == owner) {
            any = true;
            if range.contains(r.created_at) {
                let payment = books.payments.get(&r.ecommerce_id);
                rows.push((r.created_at, refund_row(r, payment, merchant)));
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

fn payment_row(p: &Payment, merchant: &Merchant) -> Value {
    let customer = p.customer.clone().unwrap_or_else(empty_customer);
    json!({
        "transactionType": "ECOMMERCE",
        "status": "COMPLETED",
        "date": p.completed_at.map(format_local).unwrap_or_default(),
        "referenceNumber": p.reference_number.clone().unwrap_or_default(),
        "dailyTransactionId": p.daily_transaction_id.map(daily_id).unwrap_or_default(),
        "ecommerceId": p.ecommerce_id.to_string(),
        "businessName": merchant.business_name,
        "name": customer.name,
        "phoneNumber": customer.phone_number,
        "email": customer.email,
        "message": "",
        "total": json_number(p.total),
        "subtotal": json_number(p.subtotal.unwrap_or_default()),
        "tax": json_number(p.tax.unwrap_or_default()),
        "fee": json_number(p.fee),
        "netAmount": json_number(p.net_amount),
        "totalRefundAmount": json_number(p.total_refunded),
        "metadata1": p.metadata1,
        "metadata2": p.metadata2,
        "items": p.items.iter().map(item_numbers).collect::<Vec<_>>(),
    })
}

fn refund_row(r: &Refund, payment: Option<&Payment>, merchant: &Merchant) -> Value {
    let customer = payment
        .and_then(|p| p.customer.clone())
        .unwrap_or_else(empty_customer);
    json!({
        "transactionType": "REFUND",
        "status": "COMPLETED",
        "date": format_local(r.created_at),
        "referenceNumber": r.reference_number,
        "referenceTransactionId": r.payment_reference_number,
        "dailyTransactionId": daily_id(r.daily_transaction_id),
        "ecommerceId": r.ecommerce_id.to_string(),
        "businessName": merchant.business_name,
        "name": customer.name,
        "phoneNumber": customer.phone_number,
        "email": customer.email,
        "message": r.message,
        "total": json_number(r.amount),
        "subtotal": 0,
        "tax": 0,
        "fee": 0,
        "netAmount": json_number(r.amount),
        "totalRefundAmount": json_number(r.amount),
        "metadata1": payment.map(|p| p.metadata1.clone()).unwrap_or_default(),
        "metadata2": payment.map(|p| p.metadata2.clone()).unwrap_or_default(),
        "items": [],
    })
}

fn empty_customer() -> crate::model::Customer {
    crate::model::Customer {
        name: String::new(),
        email: String::new(),
        phone_number: String::new(),
    }
}
