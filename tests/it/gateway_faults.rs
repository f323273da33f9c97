//! Every sandbox fault on every ATH Móvil operation the service uses, at the
//! `PaymentService` level over `SqlStore` + `AthmClient`: the caller gets a
//! clear error (or, for latency within the timeout, the normal answer), and
//! the database stays consistent with ATH Móvil — nothing is recorded that
//! did not happen there, no money is counted that did not move.

use std::time::Duration;

use athm_domain::ports::{ListQuery, PaymentKey};
use athm_domain::services::PaymentError;
use athm_domain::{EcommerceId, PaymentStatus, RefundIntent, RefundMessage, RefundStatus};
use athm_sandbox::{Fault, Operation};

use crate::db::TestDb;
use crate::services::{Env, env};

const FAULTS: [Fault; 7] = [
    Fault::Latency { millis: 100 },
    Fault::Hang,
    Fault::InternalError,
    Fault::Unavailable,
    Fault::RateLimited {
        retry_after_secs: 5,
    },
    Fault::MalformedBody,
    Fault::DropConnection,
];

const OPERATIONS: [Operation; 7] = [
    Operation::Create,
    Operation::Find,
    Operation::Authorize,
    Operation::Cancel,
    Operation::UpdatePhone,
    Operation::Refund,
    Operation::Report,
];

/// A sentence for the caller: not empty, not a `Debug` dump.
fn assert_clear(error: &dyn std::error::Error, case: &str) {
    let text = error.to_string();
    assert!(!text.trim().is_empty(), "{case}: an empty error");
    assert!(
        !text.contains("Error {") && !text.contains("Some("),
        "{case}: a Debug dump, not a sentence: {text}"
    );
}

async fn status_here(env: &Env, id: EcommerceId) -> PaymentStatus {
    env.store
        .payment(&PaymentKey::Ecommerce(id))
        .await
        .expect("load")
        .expect("stored")
        .payment
        .status
}

/// Runs `operation` with `fault` armed; panics with the case's name when the
/// answer is unclear or the database disagrees with the sandbox.
async fn run_case(env: &Env, operation: Operation, fault: Fault) {
    let case = format!("{operation:?} with {fault:?}");
    let ok = matches!(fault, Fault::Latency { .. });
    // The state the operation starts from, built before the fault is armed.
    let subject = match operation {
        Operation::Create | Operation::Report => None,
        Operation::Find | Operation::Cancel | Operation::UpdatePhone => {
            Some(env.open("5.00").await)
        }
        Operation::Authorize => {
            let open = env.open("5.00").await;
            env.confirm(open.ecommerce_id);
            Some(open)
        }
        Operation::Refund => Some(env.completed("5.00").await),
        Operation::Subscribe => unreachable!("not used by the service"),
    };
    let payments_before = env
        .store
        .list_payments(&ListQuery::default())
        .await
        .expect("list")
        .total;
    let refunds_before = env.sandbox.refunds_executed();
    env.sandbox.faults().set(operation, fault, None);
    let id = subject.as_ref().map(|p| p.ecommerce_id);
    let result: Result<(), Box<dyn std::error::Error>> = match operation {
        Operation::Create => env
            .payments
            .initiate(athm_domain::PaymentRequest::new(
                "5.00".parse().expect("a total"),
            ))
            .await
            .map(|_| ())
            .map_err(Into::into),
        Operation::Find => env
            .payments
            .sync_status(&id.expect("a payment"))
            .await
            .map(|_| ())
            .map_err(Into::into),
        Operation::Authorize => env
            .payments
            .authorize(&id.expect("a payment"))
            .await
            .map(|_| ())
            .map_err(Into::into),
        Operation::Cancel => env
            .payments
            .cancel(&id.expect("a payment"))
            .await
            .map(|_| ())
            .map_err(Into::into),
        Operation::UpdatePhone => env
            .payments
            .update_phone_number(
                &id.expect("a payment"),
                "7875550000".parse().expect("a phone"),
            )
            .await
            .map(|_| ())
            .map_err(Into::into),
        Operation::Refund => env
            .payments
            .refund(
                &id.expect("a payment"),
                None,
                RefundMessage::default(),
                RefundIntent::random(),
            )
            .await
            .map(|_| ())
            .map_err(Into::into),
        Operation::Report => {
            let now = env.sandbox.now();
            env.reconciler
                .sync(now - chrono::Duration::hours(1), now, false, &|_, _| {})
                .await
                .map(|_| ())
                .map_err(Into::into)
        }
        Operation::Subscribe => unreachable!(),
    };
    env.sandbox.faults().clear(operation);
    match (&result, ok) {
        (Ok(()), true) => {}
        (Err(error), false) => assert_clear(error.as_ref(), &case),
        (Ok(()), false) => panic!("{case}: succeeded despite the fault"),
        (Err(error), true) => panic!("{case}: latency within the timeout failed: {error}"),
    }
    if let Err(error) = &result
        && let Some(PaymentError::Rule(rule)) = error.downcast_ref::<PaymentError>()
    {
        panic!("{case}: a gateway fault reported as a rule: {rule}");
    }

    // The database agrees with the sandbox.
    match (operation, subject) {
        (Operation::Create, _) => {
            let after = env
                .store
                .list_payments(&ListQuery::default())
                .await
                .expect("list");
            let expected = payments_before + u64::from(ok);
            assert_eq!(
                after.total, expected,
                "{case}: a payment ATH Móvil never made"
            );
        }
        (Operation::Report, _) => {
            let after = env
                .store
                .list_payments(&ListQuery::default())
                .await
                .expect("list");
            assert_eq!(after.total, payments_before, "{case}");
        }
        (Operation::Find | Operation::UpdatePhone, Some(p)) => {
            assert_eq!(
                status_here(env, p.ecommerce_id).await,
                PaymentStatus::Open,
                "{case}"
            );
            let remote = env
                .sandbox
                .payment(p.ecommerce_id.uuid())
                .expect("at the sandbox");
            if operation == Operation::UpdatePhone {
                let here = env
                    .store
                    .payment(&PaymentKey::Ecommerce(p.ecommerce_id))
                    .await
                    .expect("load")
                    .expect("stored")
                    .payment
                    .customer_phone
                    .map(|p| p.as_str().to_string());
                let changed_here = here.as_deref() == Some("7875550000");
                let changed_there = remote.phone_number.as_deref() == Some("7875550000");
                assert_eq!(changed_here, ok, "{case}: phone here");
                assert_eq!(changed_there, ok, "{case}: phone at the sandbox");
            }
        }
        (Operation::Authorize, Some(p)) => {
            let here = status_here(env, p.ecommerce_id).await;
            let remote = env
                .sandbox
                .payment(p.ecommerce_id.uuid())
                .expect("at the sandbox");
            let completed_there = remote.status == athm_sandbox::PaymentStatus::Completed;
            assert_eq!(
                completed_there, ok,
                "{case}: faults other than latency have no effect"
            );
            assert_eq!(
                here == PaymentStatus::Completed,
                completed_there,
                "{case}: {here:?}"
            );
        }
        (Operation::Cancel, Some(p)) => {
            let here = status_here(env, p.ecommerce_id).await;
            let remote = env
                .sandbox
                .payment(p.ecommerce_id.uuid())
                .expect("at the sandbox");
            let cancelled_there = remote.status == athm_sandbox::PaymentStatus::Cancelled;
            assert_eq!(cancelled_there, ok, "{case}");
            assert_eq!(
                here == PaymentStatus::Cancel,
                cancelled_there,
                "{case}: {here:?}"
            );
        }
        (Operation::Refund, Some(p)) => {
            let record = env
                .store
                .payment(&PaymentKey::Ecommerce(p.ecommerce_id))
                .await
                .expect("load")
                .expect("stored");
            let moved = env.sandbox.refunds_executed() - refunds_before;
            assert_eq!(moved, usize::from(ok), "{case}: money moved at ATH Móvil");
            assert_eq!(record.refunds.len(), 1, "{case}");
            let refund = &record.refunds[0];
            if ok {
                assert_eq!(refund.status, RefundStatus::Completed, "{case}");
                assert_eq!(record.payment.total_refunded_amount.to_string(), "5.00");
            } else {
                // Unknown outcome: PENDING (reconciliation decides); refused: FAILED.
                let expected = match result
                    .as_ref()
                    .err()
                    .and_then(|e| e.downcast_ref::<PaymentError>())
                {
                    Some(PaymentError::RefundPending { .. }) => RefundStatus::Pending,
                    Some(PaymentError::RefundRefused { .. }) => RefundStatus::Failed,
                    other => panic!("{case}: unexpected refund error {other:?}"),
                };
                assert_eq!(refund.status, expected, "{case}");
                assert!(
                    record.payment.total_refunded_amount.is_zero(),
                    "{case}: counted money that never moved"
                );
            }
        }
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_on_every_operation_gives_a_clear_error_and_a_consistent_database() {
    let db = TestDb::sqlite();
    let env = env(&db.url, Duration::from_millis(400)).await;
    for operation in OPERATIONS {
        for fault in FAULTS {
            run_case(&env, operation, fault).await;
        }
    }
}
