//! `athm refund`: refund a payment from the command line.

use std::process::ExitCode;

use athm_domain::model::{Amount, ReferenceNumber, RefundMessage};
use athm_domain::ports::PaymentKey;
use athm_domain::services::PaymentError;

use crate::startup::services;
use crate::{AppError, Settings};

/// Refunds `amount` (all that is left when `None`) of the payment with `reference`.
pub(crate) async fn refund(
    settings: Settings,
    reference: &str,
    amount: Option<&str>,
    message: &str,
) -> Result<ExitCode, AppError> {
    let reference: ReferenceNumber = reference.parse()?;
    let amount = amount
        .map(|a| Amount::parse_field("--amount", a))
        .transpose()?;
    let message: RefundMessage = message.parse()?;
    let services = services(&settings).await?;
    let record = services
        .store
        .payment(&PaymentKey::Reference(reference.clone()))
        .await?
        .ok_or_else(|| PaymentError::NotFound(reference.to_string()))?;
    let refund = services
        .payments
        .refund(&record.payment.ecommerce_id, amount, message)
        .await?;
    println!(
        "Refunded {} of payment {reference} (refund reference {}).",
        refund.amount,
        refund
            .reference_number
            .as_ref()
            .map_or("pending", |r| r.as_str())
    );
    Ok(ExitCode::SUCCESS)
}
