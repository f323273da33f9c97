//! What a merchant asks ATH Móvil to charge.

use serde::{Deserialize, Serialize};

use super::{Amount, Item, Metadata, PaymentTimeout, PhoneNumber, Total};
use crate::error::{FieldError, Problem};

/// A validated request for a new ecommerce payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// What the customer pays (1.00–1500.00).
    pub total: Total,
    /// The total before tax; with `tax`, must add up to `total`.
    pub subtotal: Option<Amount>,
    /// The tax.
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

    /// Checks the rules between fields: subtotal + tax = total when both are given.
    pub fn validate(&self) -> Result<(), FieldError> {
        if let (Some(subtotal), Some(tax)) = (self.subtotal, self.tax)
            && subtotal.plus(tax) != self.total.amount()
        {
            return Err(FieldError::new(
                "total",
                Problem::Inconsistent(format!(
                    "subtotal {subtotal} + tax {tax} must equal the total {}",
                    self.total
                )),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtotal_and_tax_must_add_up_to_the_total() {
        let mut request = PaymentRequest::new("25.00".parse().unwrap());
        request.subtotal = Some("24.00".parse().unwrap());
        request.tax = Some("1.00".parse().unwrap());
        assert!(request.validate().is_ok());
        request.tax = Some("2.00".parse().unwrap());
        assert_eq!(request.validate().unwrap_err().field, "total");
        request.tax = None;
        assert!(request.validate().is_ok());
    }
}
