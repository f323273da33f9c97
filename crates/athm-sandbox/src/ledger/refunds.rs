//! Refunds: partial or full, never more than what is left; through the API
//! (by reference number) or in the ATH Business app (by payment).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Books, Event, Ledger, new_reference_number};
use crate::error::{ApiError, codes};
use crate::model::{Payment, PaymentStatus, Refund};
use crate::wire::request::{AppRefund, RefundRequest, check_refund};

fn reference_not_found() -> ApiError {
    ApiError::bad(
        codes::REFERENCE_NOT_FOUND,
        "Reference number does not exist",
    )
}

impl Ledger {
    /// Executes a refund of a completed payment of `owner` (the refund API).
    pub(crate) fn refund(
        &self,
        owner: &str,
        request: RefundRequest,
        now: DateTime<Utc>,
    ) -> Result<(Refund, Payment), ApiError> {
        let mut books = self.books();
        let id = books
            .payments
            .values()
            .find(|p| {
                p.public_token == owner
                    && p.status == PaymentStatus::Completed
                    && p.reference_number.as_deref() == Some(request.reference_number.trim())
            })
            .map(|p| p.ecommerce_id)
            .ok_or_else(reference_not_found)?;
        let out = self.execute(&mut books, id, request.amount, request.message, now);
        self.commit(&mut books);
        out
    }

    /// Executes a refund the business makes in the ATH Business app: of
    /// completed payment `id`, all that is left when no amount is given. It
    /// counts and is announced exactly as a refund through the API.
    pub(crate) fn refund_in_app(
        &self,
        id: Uuid,
        request: AppRefund,
        now: DateTime<Utc>,
    ) -> Result<(Refund, Payment), ApiError> {
        check_refund(request.amount, &request.message)?;
        let mut books = self.books();
        self.settle(&mut books, id, now);
        let out = self.refund_settled(&mut books, id, request, now);
        self.commit(&mut books);
        out
    }

    fn refund_settled(
        &self,
        books: &mut Books,
        id: Uuid,
        request: AppRefund,
        now: DateTime<Utc>,
    ) -> Result<(Refund, Payment), ApiError> {
        let payment = books.payments.get(&id).ok_or_else(|| {
            ApiError::bad(
                codes::ECOMMERCE_NOT_FOUND,
                "Ecommerce transaction does not exist",
            )
        })?;
        if payment.status != PaymentStatus::Completed {
            return Err(ApiError::bad(
                codes::UNEXPECTED_STATUS,
                "Only a completed transaction can be refunded",
            ));
        }
        let amount = request.amount.unwrap_or_else(|| payment.refundable());
        if amount.is_zero() {
            return Err(ApiError::bad(
                codes::AMOUNT_OVER_LIMIT,
                "Nothing is left to refund",
            ));
        }
        self.execute(books, id, amount, request.message, now)
    }

    /// Refunds `amount` of completed payment `id`: at most what is left
    /// (BTRA_0004); a new reference number and daily id; the refund event.
    fn execute(
        &self,
        books: &mut Books,
        id: Uuid,
        amount: Decimal,
        message: String,
        now: DateTime<Utc>,
    ) -> Result<(Refund, Payment), ApiError> {
        let payment = books.payments.get(&id).ok_or_else(reference_not_found)?;
        if amount > payment.refundable() {
            return Err(ApiError::bad(
                codes::AMOUNT_OVER_LIMIT,
                "Refund amount exceeds the amount available to refund",
            ));
        }
        let owner = payment.public_token.clone();
        let payment_reference_number = payment.reference_number.clone().unwrap_or_default();
        let daily = books.next_daily_id(&owner, now);
        let payment = books
            .payments
            .get_mut(&id)
            .ok_or_else(reference_not_found)?;
        payment.total_refunded += amount;
        let payment = payment.clone();
        let refund = Refund {
            reference_number: new_reference_number(),
            ecommerce_id: id,
            payment_reference_number,
            public_token: owner,
            amount,
            message,
            created_at: now,
            daily_transaction_id: daily,
        };
        books.refunds.push(refund.clone());
        books.changed = true;
        self.emit(Event::Refunded(payment.clone(), refund.clone()));
        Ok((refund, payment))
    }

    /// The refunds of payment `id`, oldest first.
    pub(crate) fn refunds_of(&self, id: Uuid) -> Vec<Refund> {
        self.books()
            .refunds
            .iter()
            .filter(|r| r.ecommerce_id == id)
            .cloned()
            .collect()
    }
}
