//! The use cases against mocked ports: every branch of every service.

mod checkout;
mod client;
mod outbox;
mod payment;
mod reconcile;
mod refund;
mod verify;
mod watcher;
mod webhook;
mod webhook_refund;

use crate::ports::{AthmErrorCode, GatewayError, MockStore, Operation, PaymentKey, PaymentRecord};
use crate::test_support::{Row, ecommerce_id};

/// ATH Móvil refusing `operation` with `code`.
fn refused(operation: Operation, code: &str) -> GatewayError {
    GatewayError::Refused {
        operation,
        code: AthmErrorCode::new(code),
        message: "refused".into(),
    }
}

/// `store.payment(ecommerce_id())` answers `record`, `times` times.
fn expect_load(store: &mut MockStore, record: Option<PaymentRecord>, times: usize) {
    store
        .expect_payment()
        .withf(|key| *key == PaymentKey::Ecommerce(ecommerce_id()))
        .times(times)
        .returning(move |_| Ok(record.clone()));
}

/// `store.update_payment` runs the decision on `row`, `times` times.
fn expect_steps(store: &mut MockStore, row: &Row, times: impl Into<mockall::TimesRange>) {
    let row = row.clone();
    store
        .expect_update_payment()
        .times(times)
        .returning(move |_, decide| row.apply(decide));
}

/// `store.update_payments` runs each step's decision on `row`, `times` times.
fn expect_batches(store: &mut MockStore, row: &Row, times: impl Into<mockall::TimesRange>) {
    let row = row.clone();
    store
        .expect_update_payments()
        .times(times)
        .returning(move |steps| steps.iter().map(|s| row.apply(&*s.decide)).collect());
}
