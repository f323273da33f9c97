//! A transaction in ATH Móvil's report that is none of athm's payments or
//! refunds: a payment made elsewhere (the ATH Business app, another
//! integration, "Pay a Business", a donation), or a refund athm cannot tie
//! to one of its payments. It is recorded under its reference number, so
//! athm's books hold all the business's money, and shown to a person.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Amount, AthmTransaction, PhoneNumber, ReferenceNumber, TransactionType};

/// Which unlinked transactions a listing shows: refunds, or everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnlinkedKind {
    /// Payments made elsewhere (every type but REFUND).
    Payment,
    /// Refunds athm could not tie to one payment.
    Refund,
}

impl UnlinkedKind {
    /// Both kinds, in the order a filter offers them.
    pub const ALL: [UnlinkedKind; 2] = [UnlinkedKind::Payment, UnlinkedKind::Refund];

    /// The lower-case name (`payment`, `refund`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Payment => "payment",
            Self::Refund => "refund",
        }
    }

    /// The kind named `text` (any case, surrounding spaces ignored).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Whether a transaction of `kind` is of this kind.
    pub fn holds(self, kind: TransactionType) -> bool {
        (kind == TransactionType::Refund) == (self == Self::Refund)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(total: f64) -> AthmTransaction {
        AthmTransaction::from_json(&json!({
            "transactionType": "PAYMENT", "status": "COMPLETED", "date": "2021-07-08 00:35:43.0",
            "referenceNumber": "402894d56b240610016b2e6c78a6003a ", "dailyTransactionID": 33,
            "name": "Valeria Herrero", "phoneNumber": "(787) 123-4567", "total": total,
            "fee": 0.0, "netAmount": total, "totalRefundAmount": 0.0
        }))
        .expect("the captured shape parses")
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).expect("an instant")
    }

    #[test]
    fn a_row_is_recorded_under_its_trimmed_reference_with_its_figures() {
        let unlinked = UnlinkedTransaction::from_row(&row(5.0), "made elsewhere", at(10)).unwrap();
        assert_eq!(
            unlinked.reference_number.as_str(),
            "402894d56b240610016b2e6c78a6003a"
        );
        assert_eq!(unlinked.total.to_string(), "5.00");
        assert_eq!(
            unlinked.customer_phone.as_ref().unwrap().as_str(),
            "7871234567"
        );
        assert!(!unlinked.is_refund());
        let mut nameless = row(5.0);
        nameless.reference_number = None;
        assert_eq!(UnlinkedTransaction::from_row(&nameless, "", at(10)), None);
    }

    #[test]
    fn a_newer_read_updates_the_figures_keeps_the_first_sighting_and_the_same_read_changes_nothing()
    {
        let first = UnlinkedTransaction::from_row(&row(5.0), "made elsewhere", at(10)).unwrap();
        let same = UnlinkedTransaction::from_row(&row(5.0), "made elsewhere", at(20)).unwrap();
        assert_eq!(first.updated_by(&same), None);

        let mut refunded = row(5.0);
        refunded.total_refunded_amount = Some("2.00".parse().unwrap());
        let newer = UnlinkedTransaction::from_row(&refunded, "made elsewhere", at(30)).unwrap();
        let updated = first.updated_by(&newer).unwrap();
        assert_eq!(updated.total_refunded_amount.to_string(), "2.00");
        assert_eq!(
            (updated.first_seen_at, updated.updated_at),
            (at(10), at(30))
        );
    }
}
