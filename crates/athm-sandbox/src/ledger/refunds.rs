//! Refunds: partial or full, never more than what is left.

use chrono::{DateTime, Utc};

use super::{Event, Ledger, new_reference_number};
use crate::error::{ApiError, codes};
use crate::model::{Payment, PaymentStatus, Refund};
use crate::wire::request::RefundRequest;

impl Ledger {
    /// Executes a refund of a completed payment of `owner`.
    pub(crate) fn refund(
        &self,
        owner: &str,
        request: RefundRequest,
        now: DateTime<Utc>,
    ) -> Result<(Refund, Payment), ApiError> {
        let mut books = self.books();
        let not_found = || {
            ApiError::bad(
                codes::REFERENCE_NOT_FOUND,
                "Reference number does not exist",
            )
        };
        let id = books
            .payments
            .values()
            .find(|p| {
                p.public_token == owner
                    && p.status == PaymentStatus::Completed
                    && p.reference_number.as_deref() == Some(request.reference_number.trim())
            })
            .map(|p| p.ecommerce_id)
            .ok_or_else(not_found)?;
        let refundable = books
            .payments
            .get(&id)
            .map(Payment::refundable)
            .ok_or_else(not_found)?;
        if request.amount > refundable {
            return Err(ApiError::bad(
                codes::AMOUNT_OVER_LIMIT,
                "Refund amount exceeds the amount available to refund",
            ));
        }
        let daily = books.next_daily_id(owner, now);
        let payment = books.payments.get_mut(&id).ok_or_else(not_found)?;
        payment.total_refunded += request.amount;
        let refund = Refund {
            reference_number: new_reference_number(),
            ecommerce_id: id,
            payment_reference_number: request.reference_number.trim().to_owned(),
            public_token: owner.to_owned(),
            amount: request.amount,
            message: request.message,
            created_at: now,
            daily_transaction_id: daily,
        };
        let payment = payment.clone();
        books.refunds.push(refund.clone());
        self.emit(Event::Refunded(payment.clone(), refund.clone()));
        Ok((refund, payment))
    }
}
