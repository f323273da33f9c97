//! `athm refund`: refund a payment from the command line.

use std::process::ExitCode;

use athm_domain::model::{Amount, ReferenceNumber, RefundIntent, RefundMessage};
use athm_domain::ports::PaymentKey;
use athm_domain::services::PaymentError;

use crate::startup::services;
use crate::{AppError, Settings};

/// Refunds `amount` (all that is left when `None`) of the payment with
/// `reference`, once per `intent` (a fresh one per invocation when `None`:
/// pass the same key to retry an invocation whose outcome you did not see).
pub(crate) async fn refund(
    settings: Settings,
    reference: &str,
    amount: Option<&str>,
    message: &str,
    intent: Option<&str>,
) -> Result<ExitCode, AppError> {
    let reference: ReferenceNumber = reference.parse()?;
    let intent = match intent {
        Some(key) => key.parse::<RefundIntent>()?,
        None => RefundIntent::random(),
    };
    let amount = amount
        .map(|a| Amount::parse_exact("--amount", a))
        .transpose()?;
    let message: RefundMessage = message.parse()?;
    let services = services(&settings).await?;
    let record = services
        .store
        .payment(&PaymentKey::Reference(reference.clone()))
        .await?
        .ok_or_else(|| PaymentError::NotFound(reference.to_string()))?;
    let refund = match services
        .payments
        .refund(
            &record.payment.ecommerce_id,
            amount,
            message,
            intent.clone(),
        )
        .await
    {
        Ok(refund) => refund,
        Err(error @ PaymentError::RefundPending { .. }) => {
            eprintln!(
                "Run `athm refund {reference} --idempotency-key {intent}` later to see its outcome; it will not be sent again."
            );
            return Err(error.into());
        }
        Err(error) => return Err(error.into()),
    };
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
