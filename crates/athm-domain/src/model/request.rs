//! What a merchant asks ATH Móvil to charge.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Amount, Item, Metadata, PaymentTimeout, PhoneNumber, Total};
use crate::error::{FieldError, Problem};

/// A validated request for a new ecommerce payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// What the customer pays (1.00–1500.00).
    pub total: Total,
    /// The subtotal shown to the customer: a display value, not checked
    /// against `total` (the WooCommerce plugin puts shipping into it; a
    /// report row can have subtotal 0.00 for a total of 1.00).
    pub subtotal: Option<Amount>,
    /// The tax shown to the customer: a display value, like `subtotal`.
    pub tax: Option<Amount>,
    /// The merchant's first metadata field (≤ 40 characters).
    pub metadata_1: Metadata,
    /// The merchant's second metadata field (≤ 40 characters).
    pub metadata_2: Metadata,
    /// The customer's phone, to push the payment to their app.
    pub phone_number: Option<PhoneNumber>,
    /// What is bought.
    pub items: Vec<Item>,
    /// How long the customer has to approve.
    pub timeout: PaymentTimeout,
}

impl PaymentRequest {
    /// A request for `total` with nothing else set.
    pub fn new(total: Total) -> Self {
        Self {
            total,
            subtotal: None,
            tax: None,
            metadata_1: Metadata::default(),
            metadata_2: Metadata::default(),
            phone_number: None,
            items: Vec::new(),
            timeout: PaymentTimeout::default(),
        }
    }

    /// The largest subtotal or tax ATH Móvil takes: its amounts are
    /// `<4 digits>.<2 digits>` (BTRA_0020, "numeric value out of bounds").
    pub const MAX_DISPLAY_AMOUNT: Decimal = Decimal::from_parts(999_999, 0, 0, false, 2);

    /// Checks what the field types cannot: `subtotal` and `tax` within
    /// ATH Móvil's amount format. They are display values, so nothing ties
    /// them to `total` (ATH Móvil does not check total = subtotal + tax).
    ///
    /// # Errors
    /// A [`FieldError`] naming `subtotal` or `tax` when it is over
    /// [`PaymentRequest::MAX_DISPLAY_AMOUNT`].
    pub fn validate(&self) -> Result<(), FieldError> {
        for (field, amount) in [("subtotal", self.subtotal), ("tax", self.tax)] {
            if amount.is_some_and(|a| a.value() > Self::MAX_DISPLAY_AMOUNT) {
                return Err(FieldError::new(
                    field,
                    Problem::OutOfRange {
                        min: Decimal::ZERO,
                        max: Self::MAX_DISPLAY_AMOUNT,
                    },
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(total: &str, subtotal: &str, tax: &str) -> PaymentRequest {
        let mut request = PaymentRequest::new(total.parse().unwrap());
        request.subtotal = Some(subtotal.parse().unwrap());
        request.tax = Some(tax.parse().unwrap());
        request
    }

    #[test]
    fn subtotal_and_tax_are_display_values_not_checked_against_the_total() {
        // A captured report row: subtotal 0.0 for a total of 1.0.
        assert_eq!(request("1.00", "0.00", "0.00").validate(), Ok(()));
        // Shipping outside the subtotal: subtotal + tax < total.
        assert_eq!(request("25.00", "20.00", "1.00").validate(), Ok(()));
        // A discount shown after the subtotal: subtotal + tax > total.
        assert_eq!(request("25.00", "30.00", "1.00").validate(), Ok(()));
        assert_eq!(
            PaymentRequest::new("1.00".parse().unwrap()).validate(),
            Ok(())
        );
    }

    #[test]
    fn subtotal_and_tax_stay_within_ath_movils_amount_format() {
        assert_eq!(request("1.00", "9999.99", "9999.99").validate(), Ok(()));
        let over = request("1.00", "10000.00", "0.00").validate().unwrap_err();
        assert_eq!(over.field, "subtotal");
        let over = request("1.00", "0.00", "10000.00").validate().unwrap_err();
        assert_eq!(over.field, "tax");
    }

    #[test]
    fn subtotal_and_tax_are_never_negative() {
        assert!("-0.01".parse::<Amount>().is_err());
    }
}
