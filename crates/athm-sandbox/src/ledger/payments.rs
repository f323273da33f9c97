//! The payment life cycle: OPEN → CONFIRM → COMPLETED, or CANCEL.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::{Books, Event, Ledger, new_reference_number};
use crate::error::{ApiError, codes};
use crate::model::{Customer, CustomerInput, Payment, PaymentStatus};
use crate::wire::fields::{invalid, typed_phone};
use crate::wire::request::NewPayment;

fn bad_phone() -> ApiError {
    invalid("Invalid phone number: ten digits expected")
}

fn not_found() -> ApiError {
    ApiError::bad(
        codes::ECOMMERCE_NOT_FOUND,
        "Ecommerce transaction does not exist",
    )
}

impl Ledger {
    /// Records a new OPEN payment.
    pub(crate) fn create(
        &self,
        public_token: &str,
        new: NewPayment,
        now: DateTime<Utc>,
    ) -> Payment {
        let payment = Payment {
            ecommerce_id: Uuid::new_v4(),
            public_token: public_token.to_owned(),
            status: PaymentStatus::Open,
            total: new.total,
            subtotal: new.subtotal,
            tax: new.tax,
            metadata1: new.metadata1,
            metadata2: new.metadata2,
            phone_number: new.phone_number,
            items: new.items,
            timeout_secs: new.timeout_secs,
            created_at: now,
            expires_at: now + TimeDelta::seconds(i64::from(new.timeout_secs)),
            customer: None,
            business_customer_id: None,
            reference_number: None,
            daily_transaction_id: None,
            completed_at: None,
            fee: rust_decimal::Decimal::ZERO,
            net_amount: rust_decimal::Decimal::ZERO,
            total_refunded: rust_decimal::Decimal::ZERO,
        };
        let mut books = self.books();
        books.order.push(payment.ecommerce_id);
        books.payments.insert(payment.ecommerce_id, payment.clone());
        books.changed = true;
        self.commit(&mut books);
        payment
    }

    /// Runs `change` on a payment after expiring it if due. `owner`, when
    /// given, must be the public token that created it.
    fn with_payment<T>(
        &self,
        id: Uuid,
        owner: Option<&str>,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Payment, &mut Books) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut books = self.books();
        self.settle(&mut books, id, now);
        let out = Self::change(&mut books, id, owner, change);
        self.commit(&mut books);
        out
    }

    fn change<T>(
        books: &mut Books,
        id: Uuid,
        owner: Option<&str>,
        change: impl FnOnce(&mut Payment, &mut Books) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut payment = books.payments.get(&id).cloned().ok_or_else(not_found)?;
        if owner.is_some_and(|owner| owner != payment.public_token) {
            return Err(not_found());
        }
        let out = change(&mut payment, books)?;
        if books.payments.get(&id) != Some(&payment) {
            books.changed = true;
            books.payments.insert(id, payment);
        }
        Ok(out)
    }

    /// findPayment.
    pub(crate) fn find(
        &self,
        owner: &str,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Payment, ApiError> {
        self.with_payment(id, Some(owner), now, |p, _| Ok(p.clone()))
    }

    /// The customer approves in the app.
    pub(crate) fn confirm(
        &self,
        id: Uuid,
        who: CustomerInput,
        now: DateTime<Utc>,
    ) -> Result<Payment, ApiError> {
        let phone_number = who
            .phone_number
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(|p| typed_phone(p).ok_or_else(bad_phone))
            .transpose()?;
        self.with_payment(id, None, now, |p, _| {
            if p.status != PaymentStatus::Open {
                return Err(ApiError::bad(
                    codes::NOT_OPEN,
                    "Cannot confirm a cancelled or failed transaction",
                ));
            }
            let phone_number = phone_number
                .or_else(|| p.phone_number.clone())
                .unwrap_or_else(|| "7871234567".to_owned());
            p.customer = Some(Customer {
                name: who.name.unwrap_or_else(|| "Valeria Herrero".to_owned()),
                email: who
                    .email
                    .unwrap_or_else(|| format!("customer{phone_number}@example.com")),
                phone_number: phone_number.clone(),
            });
            p.phone_number = Some(phone_number);
            p.business_customer_id = Some(Uuid::new_v4().simple().to_string());
            p.status = PaymentStatus::Confirm;
            Ok(p.clone())
        })
    }

    /// The customer declines in the app.
    pub(crate) fn decline(&self, id: Uuid, now: DateTime<Utc>) -> Result<Payment, ApiError> {
        let payment = self.with_payment(id, None, now, |p, _| {
            if p.status != PaymentStatus::Open {
                return Err(ApiError::bad(codes::NOT_OPEN, "Transaction is not open"));
            }
            p.status = PaymentStatus::Cancelled;
            Ok(p.clone())
        })?;
        self.emit(Event::Cancelled(payment.clone()));
        Ok(payment)
    }

    /// authorization: CONFIRM → COMPLETED, with reference, daily id and fee.
    pub(crate) fn authorize(&self, id: Uuid, now: DateTime<Utc>) -> Result<Payment, ApiError> {
        let payment = self.with_payment(id, None, now, |p, books| {
            match p.status {
                PaymentStatus::Confirm => {}
                PaymentStatus::Expired => {
                    return Err(ApiError::bad(
                        codes::TIME_EXPIRED,
                        "The valid time to execute has expired",
                    ));
                }
                _ => {
                    return Err(ApiError::bad(
                        codes::NOT_CONFIRMED,
                        "Ecommerce transaction is not in CONFIRM",
                    ));
                }
            }
            p.status = PaymentStatus::Completed;
            p.reference_number = Some(new_reference_number());
            p.daily_transaction_id = Some(books.next_daily_id(&p.public_token, now));
            p.completed_at = Some(now);
            p.fee = self.fee.fee(p.total);
            p.net_amount = p.total - p.fee;
            Ok(p.clone())
        })?;
        self.emit(Event::Completed(payment.clone()));
        Ok(payment)
    }

    /// updatePhoneNumber: only while OPEN.
    pub(crate) fn update_phone(
        &self,
        id: Uuid,
        phone_number: String,
        now: DateTime<Utc>,
    ) -> Result<Payment, ApiError> {
        self.with_payment(id, None, now, |p, _| {
            match p.status {
                PaymentStatus::Open => {}
                PaymentStatus::Expired => {
                    return Err(ApiError::bad(
                        codes::TIME_EXPIRED,
                        "The valid time to execute has expired",
                    ));
                }
                _ => return Err(ApiError::bad(codes::NOT_OPEN, "Transaction is not open")),
            }
            if p.phone_number.as_deref() == Some(phone_number.as_str()) {
                return Err(ApiError::bad(
                    codes::PHONE_ALREADY_ASSIGNED,
                    "Phone number already assigned",
                ));
            }
            p.phone_number = Some(phone_number);
            Ok(p.clone())
        })
    }

    /// cancel: OPEN or CONFIRM → CANCEL; idempotent on a cancelled payment.
    pub(crate) fn cancel(
        &self,
        owner: &str,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Payment, ApiError> {
        let (payment, changed) =
            self.with_payment(id, Some(owner), now, |p, _| match p.status {
                PaymentStatus::Open | PaymentStatus::Confirm => {
                    p.status = PaymentStatus::Cancelled;
                    Ok((p.clone(), true))
                }
                PaymentStatus::Cancelled | PaymentStatus::Expired => Ok((p.clone(), false)),
                PaymentStatus::Completed => Err(ApiError::bad(
                    codes::NOT_OPEN,
                    "Cannot cancel a completed transaction",
                )),
            })?;
        if changed {
            self.emit(Event::Cancelled(payment.clone()));
        }
        Ok(payment)
    }
}
