//! A transaction in ATH Móvil's report that is none of athm's payments or
//! refunds: a payment made elsewhere (the ATH Business app, another
//! integration, "Pay a Business", a donation), or a refund athm cannot tie
//! to one of its payments. It is recorded under its reference number, so
//! athm's books hold all the business's money, and shown to a person.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Amount, AthmTransaction, PhoneNumber, ReferenceNumber, TransactionType};

/// A report row no payment or refund here is, as ATH Móvil last reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlinkedTransaction {
    /// ATH Móvil's reference number: its identity (there is no ecommerceId).
    pub reference_number: ReferenceNumber,
    /// ECOMMERCE, PAYMENT, DONATION, REFUND…
    pub transaction_type: TransactionType,
    /// When ATH Móvil made it.
    pub date: Option<DateTime<Utc>>,
    /// The amount: paid, or refunded for a refund.
    pub total: Amount,
    /// ATH Móvil's fee, when reported.
    pub fee: Option<Amount>,
    /// What the business received, when reported.
    pub net_amount: Option<Amount>,
    /// How much of a payment was refunded, as ATH Móvil counts it.
    pub total_refunded_amount: Amount,
    /// The customer's name.
    pub customer_name: String,
    /// The customer's phone number.
    pub customer_phone: Option<PhoneNumber>,
    /// The customer's email.
    pub customer_email: String,
    /// The first metadata field.
    pub metadata_1: String,
    /// The second metadata field.
    pub metadata_2: String,
    /// The customer's (or refund's) message.
    pub message: String,
    /// Why athm could not link it, for the person who looks.
    pub reason: String,
    /// When athm first read it.
    pub first_seen_at: DateTime<Utc>,
    /// When athm last changed its record.
    pub updated_at: DateTime<Utc>,
}

impl UnlinkedTransaction {
    /// The record of a completed report `row` athm could not link, for
    /// `reason`; `None` for a row without a reference number (nothing to
    /// record it under).
    pub fn from_row(row: &AthmTransaction, reason: &str, now: DateTime<Utc>) -> Option<Self> {
        Some(Self {
            reference_number: row.reference_number.clone()?,
            transaction_type: row.transaction_type.clone(),
            date: row.date,
            total: super::refund_amount(row),
            fee: row.fee,
            net_amount: row.net_amount,
            total_refunded_amount: match row.transaction_type {
                TransactionType::Refund => Amount::ZERO,
                _ => row.total_refunded_amount.unwrap_or_default(),
            },
            customer_name: row.customer_name.clone(),
            customer_phone: row.customer_phone.clone(),
            customer_email: row.customer_email.clone(),
            metadata_1: row.metadata_1.clone(),
            metadata_2: row.metadata_2.clone(),
            message: row.message.clone(),
            reason: reason.to_string(),
            first_seen_at: now,
            updated_at: now,
        })
    }

    /// Whether this is a refund (a person may link it to its payment).
    pub fn is_refund(&self) -> bool {
        self.transaction_type == TransactionType::Refund
    }

    /// This record brought up to date by a newer read (`newer`, of the same
    /// reference): ATH Móvil's figures and the reason change, the first
    /// sighting stays. `None` when nothing changed.
    pub fn updated_by(&self, newer: &Self) -> Option<Self> {
        let updated = Self {
            first_seen_at: self.first_seen_at,
            updated_at: self.updated_at,
            ..newer.clone()
        };
        (updated != *self).then_some(Self {
            updated_at: newer.updated_at,
            ..updated
        })
    }
}
