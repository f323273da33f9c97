//! Webhook authenticity. ATH Móvil's webhooks are not signed: anyone who
//! learns the URL can post a "completed" event. So before an event changes
//! money it is checked with ATH Móvil itself: an ecommerce event against
//! findPayment, a refund against our own refund records or the transaction report.

use chrono::Duration;

use crate::model::{AthmTransaction, RemoteStatus, TransactionType};
use crate::ports::{AthmGateway, ErrorClass, GatewayError, PaymentKey, Store};
use crate::webhook::EventKind;

/// What verification concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// ATH Móvil agrees; apply this transaction (ATH Móvil's own figures, with
    /// the customer data only the webhook carries).
    Trusted(Box<AthmTransaction>),
    /// ATH Móvil disagrees or does not know it: flag it, change nothing.
    Forged(String),
}

/// Checks an event of `kind` announcing `tx` with ATH Móvil.
///
/// # Errors
/// A gateway failure that says nothing about the event (unavailable, timeout):
/// the event stays unprocessed and is verified again later.
pub(crate) async fn verify(
    gateway: &dyn AthmGateway,
    store: &dyn Store,
    kind: EventKind,
    tx: &AthmTransaction,
) -> Result<Verdict, GatewayError> {
    match kind {
        EventKind::EcommerceCompleted
        | EventKind::EcommerceCancelled
        | EventKind::EcommerceExpired => verify_ecommerce(gateway, kind, tx).await,
        EventKind::Refund => verify_refund(gateway, store, tx).await,
        _ => Ok(Verdict::Trusted(Box::new(tx.clone()))),
    }
}

async fn verify_ecommerce(
    gateway: &dyn AthmGateway,
    kind: EventKind,
    tx: &AthmTransaction,
) -> Result<Verdict, GatewayError> {
    let Some(ecommerce_id) = tx.ecommerce_id else {
        return Ok(Verdict::Forged(
            "an ecommerce event without ecommerceId cannot be verified".into(),
        ));
    };
    let remote = match gateway.find_payment(&ecommerce_id).await {
        Ok(remote) => remote,
        Err(GatewayError::Refused { code, .. }) if code.class() == ErrorClass::NotFound => {
            return Ok(Verdict::Forged(format!(
                "ATH Móvil does not know payment {ecommerce_id} ({code})"
            )));
        }
        Err(error) => return Err(error),
    };
    let agrees = match kind {
        EventKind::EcommerceCompleted => remote.status == RemoteStatus::Completed,
        _ => matches!(
            remote.status,
            RemoteStatus::Cancelled | RemoteStatus::Expired
        ),
    };
    if !agrees {
        return Ok(Verdict::Forged(format!(
            "the event says {} but findPayment says {}",
            tx.status, remote.status
        )));
    }
    if let (Some(said), Some(real)) = (tx.total, remote.total)
        && said != real
    {
        return Ok(Verdict::Forged(format!(
            "the event says a total of {said} but findPayment says {real}"
        )));
    }
    if let (Some(said), Some(real)) = (&tx.reference_number, &remote.reference_number)
        && said != real
    {
        return Ok(Verdict::Forged(format!(
            "the event's reference number {said} is not ATH Móvil's {real}"
        )));
    }
    Ok(Verdict::Trusted(Box::new(merged(remote, tx))))
}

/// ATH Móvil's answer, with the customer data and status word only the webhook carries.
fn merged(mut remote: AthmTransaction, tx: &AthmTransaction) -> AthmTransaction {
    for (mine, theirs) in [
        (&mut remote.customer_name, &tx.customer_name),
        (&mut remote.customer_email, &tx.customer_email),
        (&mut remote.message, &tx.message),
        (&mut remote.business_name, &tx.business_name),
    ] {
        if mine.is_empty() {
            mine.clone_from(theirs);
        }
    }
    if remote.customer_phone.is_none() {
        remote.customer_phone.clone_from(&tx.customer_phone);
    }
    if remote.items.is_empty() {
        remote.items.clone_from(&tx.items);
    }
    remote.status = tx.status.clone();
    remote.transaction_type = tx.transaction_type.clone();
    remote
}

async fn verify_refund(
    gateway: &dyn AthmGateway,
    store: &dyn Store,
    tx: &AthmTransaction,
) -> Result<Verdict, GatewayError> {
    let (Some(reference), Some(amount)) =
        (&tx.reference_number, tx.total.or(tx.total_refunded_amount))
    else {
        return Ok(Verdict::Forged(
            "a refund event without reference number or amount cannot be verified".into(),
        ));
    };
    let record = store
        .payment(&PaymentKey::Reference(reference.clone()))
        .await
        .ok()
        .flatten();
    if record.is_some_and(|r| {
        r.refunds
            .iter()
            .any(|f| f.amount == amount || f.reference_number.as_ref() == Some(reference))
    }) {
        return Ok(Verdict::Trusted(Box::new(tx.clone())));
    }
    let Some(date) = tx.date else {
        return Ok(Verdict::Forged(
            "a refund made elsewhere without a date cannot be found in the report".into(),
        ));
    };
    let rows = gateway
        .transaction_report(date - Duration::days(1), date + Duration::days(1))
        .await?;
    let found = rows.iter().any(|row| {
        row.transaction_type == TransactionType::Refund
            && row.total.or(row.total_refunded_amount) == Some(amount)
            && (row.reference_number.as_ref() == Some(reference)
                || row
                    .date
                    .is_some_and(|d| (d - date).num_seconds().abs() <= 120))
    });
    Ok(if found {
        Verdict::Trusted(Box::new(tx.clone()))
    } else {
        Verdict::Forged(format!(
            "no refund of {amount} for {reference} is in our records or ATH Móvil's report"
        ))
    })
}
