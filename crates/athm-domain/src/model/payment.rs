//! The ecommerce payment and its life cycle.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Amount, AthmTransaction, AuthToken, ClientUpdate, EcommerceId, Item, LifecycleEvent,
    LifecycleKind, Metadata, PaymentRequest, PaymentTimeout, PhoneNumber, ReferenceNumber,
    RemoteStatus,
};
use crate::error::RuleError;

/// Where a payment is in its life: OPEN → CONFIRM → COMPLETED, or CANCEL / EXPIRED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Created, waiting for the customer to approve in the app.
    Open,
    /// The customer approved; the merchant must authorize before the timeout.
    Confirm,
    /// Authorized: the money moved.
    Completed,
    /// Cancelled by the merchant or the customer.
    Cancel,
    /// Not approved in time.
    Expired,
}

impl PaymentStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [PaymentStatus; 5] = [
        Self::Open,
        Self::Confirm,
        Self::Completed,
        Self::Cancel,
        Self::Expired,
    ];

    /// The name ATH Móvil uses (`OPEN`, `CONFIRM`, `COMPLETED`, `CANCEL`, `EXPIRED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Confirm => "CONFIRM",
            Self::Completed => "COMPLETED",
            Self::Cancel => "CANCEL",
            Self::Expired => "EXPIRED",
        }
    }

    /// Reads a name written by [`PaymentStatus::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Whether the payment can no longer change on its own (COMPLETED, CANCEL, EXPIRED).
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Cancel | Self::Expired)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ATH Móvil ecommerce payment as this service knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// ATH Móvil's id for the payment.
    pub ecommerce_id: EcommerceId,
    /// Where the payment is in its life cycle.
    pub status: PaymentStatus,
    /// ATH Móvil's reference number, once completed.
    pub reference_number: Option<ReferenceNumber>,
    /// The business's transaction count of the day, once completed.
    pub daily_transaction_id: Option<String>,
    /// What the customer pays.
    pub total: Amount,
    /// The total before tax, when given.
    pub subtotal: Option<Amount>,
    /// The tax, when given.
    pub tax: Option<Amount>,
    /// ATH Móvil's fee, once known.
    pub fee: Option<Amount>,
    /// What the business receives (total − fee), once known.
    pub net_amount: Option<Amount>,
    /// How much has been refunded, as ATH Móvil counts it.
    pub total_refunded_amount: Amount,
    /// The customer's name, once known.
    pub customer_name: String,
    /// The customer's phone number; it links the payment to its [`super::Client`].
    pub customer_phone: Option<PhoneNumber>,
    /// The customer's email, once known.
    pub customer_email: String,
    /// The merchant's first metadata field.
    pub metadata_1: Metadata,
    /// The merchant's second metadata field.
    pub metadata_2: Metadata,
    /// The customer's message, if any.
    pub message: String,
    /// The business's name at ATH Móvil.
    pub business_name: String,
    /// What was bought.
    pub items: Vec<Item>,
    /// How long the customer has to approve.
    pub timeout: PaymentTimeout,
    /// The token that authorizes the payment; kept server-side, never serialised or shown.
    #[serde(skip)]
    pub auth_token: Option<AuthToken>,
    /// When the payment was created here.
    pub created_at: DateTime<Utc>,
    /// When the payment last changed here.
    pub updated_at: DateTime<Utc>,
    /// When ATH Móvil completed it.
    pub transaction_date: Option<DateTime<Utc>>,
}

impl Payment {
    /// A payment just created at ATH Móvil for `request`, waiting for the customer.
    pub fn open(
        request: &PaymentRequest,
        ecommerce_id: EcommerceId,
        auth_token: AuthToken,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            ecommerce_id,
            status: PaymentStatus::Open,
            reference_number: None,
            daily_transaction_id: None,
            total: request.total.amount(),
            subtotal: request.subtotal,
            tax: request.tax,
            fee: None,
            net_amount: None,
            total_refunded_amount: Amount::ZERO,
            customer_name: String::new(),
            customer_phone: request.phone_number.clone(),
            customer_email: String::new(),
            metadata_1: request.metadata_1.clone(),
            metadata_2: request.metadata_2.clone(),
            message: String::new(),
            business_name: String::new(),
            items: request.items.clone(),
            timeout: request.timeout,
            auth_token: Some(auth_token),
            created_at: now,
            updated_at: now,
            transaction_date: None,
        }
    }

    /// A payment we learn of only from ATH Móvil (a webhook or a report row);
    /// `None` without an ecommerce id. Its status is applied by the caller.
    pub fn from_remote(remote: &AthmTransaction, now: DateTime<Utc>) -> Option<Self> {
        let mut payment = Self {
            ecommerce_id: remote.ecommerce_id?,
            status: PaymentStatus::Open,
            reference_number: None,
            daily_transaction_id: None,
            total: remote.total.unwrap_or_default(),
            subtotal: remote.subtotal,
            tax: remote.tax,
            fee: None,
            net_amount: None,
            total_refunded_amount: Amount::ZERO,
            customer_name: String::new(),
            customer_phone: None,
            customer_email: String::new(),
            metadata_1: Metadata::lossy(&remote.metadata_1),
            metadata_2: Metadata::lossy(&remote.metadata_2),
            message: String::new(),
            business_name: String::new(),
            items: remote.items.clone(),
            timeout: PaymentTimeout::default(),
            auth_token: None,
            created_at: remote.date.unwrap_or(now),
            updated_at: now,
            transaction_date: None,
        };
        payment.copy_details(remote);
        Some(payment)
    }

    /// Whether a completed report row that names no ecommerceId could be
    /// this payment, completed at ATH Móvil while it still waits here (no
    /// reference number yet): the same total and metadata, the same customer
    /// phone when both are known, completed within the customer's time to
    /// approve (give or take five minutes of clock drift). A candidate only:
    /// findPayment says which one it is.
    pub fn could_be(&self, row: &AthmTransaction) -> bool {
        const DRIFT_SECS: i64 = 300;
        let in_time = row.date.is_some_and(|at| {
            let since = (at - self.created_at).num_seconds();
            (-DRIFT_SECS..=i64::from(self.timeout.secs()) + DRIFT_SECS).contains(&since)
        });
        let same_phone = match (&self.customer_phone, &row.customer_phone) {
            (Some(here), Some(there)) => here == there,
            _ => true,
        };
        self.reference_number.is_none()
            && self.status != PaymentStatus::Completed
            && row.total == Some(self.total)
            && self.metadata_1 == Metadata::lossy(&row.metadata_1)
            && self.metadata_2 == Metadata::lossy(&row.metadata_2)
            && same_phone
            && in_time
    }

    /// Whether the customer's time to approve has run out at `now`.
    pub fn is_past_timeout(&self, now: DateTime<Utc>) -> bool {
        now.signed_duration_since(self.created_at).num_seconds() >= i64::from(self.timeout.secs())
    }

    /// The customer approved: OPEN → CONFIRM. Already CONFIRM is a no-op; any other status is refused.
    ///
    /// # Errors
    /// [`RuleError::NotOpen`] for a payment neither OPEN nor CONFIRM.
    pub fn confirm(&mut self, now: DateTime<Utc>) -> Result<(), RuleError> {
        match self.status {
            PaymentStatus::Open => {
                self.set_status(PaymentStatus::Confirm, now);
                Ok(())
            }
            PaymentStatus::Confirm => Ok(()),
            from => Err(RuleError::Transition {
                from,
                to: PaymentStatus::Confirm,
            }),
        }
    }

    /// ATH Móvil says the payment is completed. Authoritative from any status
    /// (a completed event overrides CANCEL or EXPIRED). Copies the completion
    /// details; returns the lifecycle event only on the first completion.
    pub fn complete(
        &mut self,
        remote: &AthmTransaction,
        now: DateTime<Utc>,
    ) -> Option<LifecycleEvent> {
        let first = self.status != PaymentStatus::Completed;
        let details_changed = self.copy_details(remote);
        if first || details_changed {
            self.set_status(PaymentStatus::Completed, now);
        }
        first.then(|| self.lifecycle(LifecycleKind::PaymentCompleted, self.total, now))
    }

    /// Points an OPEN payment at another customer phone.
    ///
    /// # Errors
    /// [`RuleError`] when the payment is no longer OPEN.
    pub fn change_phone(
        &mut self,
        phone: PhoneNumber,
        now: DateTime<Utc>,
    ) -> Result<(), RuleError> {
        if self.status != PaymentStatus::Open {
            return Err(RuleError::NotOpen(self.status));
        }
        self.customer_phone = Some(phone);
        self.updated_at = now;
        Ok(())
    }

    /// Follows ATH Móvil's running refunded total as a read reported it
    /// (findPayment, a refund answer, a report row). Refunds only add up at
    /// ATH Móvil, so a stale read arriving late never lowers it; nothing is
    /// ever added here from an event's claim. Returns whether it changed.
    pub fn follow_refunded_total(&mut self, reported: Amount, now: DateTime<Utc>) -> bool {
        if reported <= self.total_refunded_amount {
            return false;
        }
        self.total_refunded_amount = reported;
        self.updated_at = now;
        true
    }

    /// Ends a payment that is still waiting (OPEN or CONFIRM) as CANCEL or
    /// EXPIRED. Ignored once terminal; returns the lifecycle event when it changed.
    ///
    /// # Errors
    /// [`RuleError`] when the end asked for is not CANCEL or EXPIRED.
    pub fn end(
        &mut self,
        status: PaymentStatus,
        now: DateTime<Utc>,
    ) -> Result<Option<LifecycleEvent>, RuleError> {
        let kind = match status {
            PaymentStatus::Cancel => LifecycleKind::PaymentCancelled,
            PaymentStatus::Expired => LifecycleKind::PaymentExpired,
            to => {
                return Err(RuleError::Transition {
                    from: self.status,
                    to,
                });
            }
        };
        if self.status.is_terminal() {
            return Ok(None);
        }
        self.set_status(status, now);
        Ok(Some(self.lifecycle(kind, self.total, now)))
    }

    /// Brings the payment in line with what findPayment answered. findPayment
    /// says CANCEL for expired payments too: past the timeout that means EXPIRED.
    pub fn apply_remote(
        &mut self,
        remote: &AthmTransaction,
        now: DateTime<Utc>,
    ) -> Option<LifecycleEvent> {
        match remote.status {
            RemoteStatus::Completed => self.complete(remote, now),
            RemoteStatus::Confirm => {
                let _ = self.confirm(now);
                None
            }
            RemoteStatus::Cancelled if self.is_past_timeout(now) => {
                self.end(PaymentStatus::Expired, now).ok().flatten()
            }
            RemoteStatus::Cancelled => self.end(PaymentStatus::Cancel, now).ok().flatten(),
            RemoteStatus::Expired => self.end(PaymentStatus::Expired, now).ok().flatten(),
            RemoteStatus::Open | RemoteStatus::Other(_) => None,
        }
    }

    /// Copies the refund total (never lowering it), reference, fee and net
    /// amount that ATH Móvil reports, leaving fields it did not send as they
    /// are, and fills in customer data still missing. Returns whether
    /// anything changed.
    pub fn copy_details(&mut self, remote: &AthmTransaction) -> bool {
        let before = self.clone();
        fn keep<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        // Customer data is filled in, never replaced: findPayment does not
        // carry it, so it comes from news (a webhook) that a later forged
        // body must not rewrite.
        fn fill_text(mine: &mut String, theirs: &str) {
            if mine.is_empty() && !theirs.is_empty() {
                *mine = theirs.to_string();
            }
        }
        keep(&mut self.reference_number, &remote.reference_number);
        keep(&mut self.daily_transaction_id, &remote.daily_transaction_id);
        keep(&mut self.fee, &remote.fee);
        keep(&mut self.net_amount, &remote.net_amount);
        if self.customer_phone.is_none() {
            self.customer_phone.clone_from(&remote.customer_phone);
        }
        if let Some(refunded) = remote.total_refunded_amount {
            // Refunds only add up: a stale answer (a completed event redelivered
            // or retried after a refund) must not lower the total and reopen it.
            self.total_refunded_amount = self.total_refunded_amount.max(refunded);
        }
        if remote.date.is_some() && remote.reference_number.is_some() {
            self.transaction_date = remote.date;
        }
        fill_text(&mut self.customer_name, &remote.customer_name);
        fill_text(&mut self.customer_email, &remote.customer_email);
        fill_text(&mut self.business_name, &remote.business_name);
        fill_text(&mut self.message, &remote.message);
        *self != before
    }

    /// What the payment tells about its customer, for the [`super::Client`] record.
    pub fn customer(&self) -> Option<ClientUpdate> {
        ClientUpdate::new(
            self.customer_phone.as_ref(),
            &self.customer_name,
            &self.customer_email,
        )
    }

    /// Whether ATH Móvil would refund some of the payment, pending refunds
    /// aside (see [`super::refundable`] for the amount with them).
    pub fn is_refundable(&self) -> bool {
        self.status == PaymentStatus::Completed
            && self.reference_number.is_some()
            && self.total > self.total_refunded_amount
    }

    fn set_status(&mut self, status: PaymentStatus, now: DateTime<Utc>) {
        self.status = status;
        self.updated_at = now;
    }

    pub(crate) fn lifecycle(
        &self,
        kind: LifecycleKind,
        amount: Amount,
        now: DateTime<Utc>,
    ) -> LifecycleEvent {
        LifecycleEvent {
            kind,
            ecommerce_id: self.ecommerce_id,
            reference_number: self.reference_number.clone(),
            amount,
            occurred_at: now,
        }
    }
}
