//! The ATH Móvil client alone, without a database or a web server: create a
//! payment, wait for the customer to confirm it, authorize it, refund part
//! of it. It runs against the local sandbox (ATH Móvil has no test
//! environment); for production, build the `ClientConfig` with your real
//! tokens and leave the base URLs at their defaults.
//!
//! Run it with `cargo run --example client`.

// A test (or example) states what it expects: a failed `expect` is its report.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use std::time::Duration;

use athm_client::{AthmClient, ClientConfig};
use athm_domain::ports::{AthmGateway, RefundOrder};
use athm_domain::{Amount, PaymentRequest, RefundMessage, RemoteStatus};
use athm_sandbox::{CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await?;
    let config =
        ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(sandbox.base_url());
    let client = AthmClient::new(config)?;

    // 1. Create a payment of $25.00 (ATH Móvil pushes it to the customer's app).
    let request = PaymentRequest::new("25.00".parse()?);
    let (ecommerce_id, auth_token) = client.create_payment(&request).await?;
    println!("created payment {ecommerce_id}");

    // 2. The customer approves it on their phone, a moment later (the sandbox plays them).
    let customer = sandbox.handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        customer
            .confirm(ecommerce_id.uuid(), CustomerInput::default())
            .expect("the customer confirms an OPEN payment");
    });

    // 3. Wait for the confirmation, polling findPayment.
    let confirmed = client
        .wait_for_confirmation(
            &ecommerce_id,
            Duration::from_secs(10),
            Duration::from_millis(100),
        )
        .await?;
    assert_eq!(confirmed.status, RemoteStatus::Confirm);
    println!("the customer confirmed it");

    // 4. Authorize: the money moves and the payment gets its reference number.
    let completed = client.authorize(&auth_token).await?;
    assert_eq!(completed.status, RemoteStatus::Completed);
    let reference_number = completed
        .reference_number
        .clone()
        .ok_or("a completed payment has a reference number")?;
    println!("completed: reference number {reference_number}");

    // 5. Refund $10.00 of it.
    let ten: Amount = "10.00".parse()?;
    let receipt = client
        .refund(&RefundOrder {
            reference_number,
            amount: ten,
            message: RefundMessage::try_from("Returned one item".to_string())?,
        })
        .await?;
    assert_eq!(receipt.original.total_refunded_amount, Some(ten));
    assert_eq!(
        sandbox.refunds_executed(),
        1,
        "exactly one refund was executed"
    );
    println!(
        "refunded {ten}: refund reference number {}",
        receipt
            .refund
            .reference_number
            .as_ref()
            .map_or("?", |r| r.as_str())
    );

    sandbox.shutdown().await;
    println!("ok: payment created, confirmed, authorized and partly refunded");
    Ok(())
}
