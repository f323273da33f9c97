//! Shared fixtures for the crate's unit tests: a fixed clock, payments in
//! each state, ATH Móvil answers, and a one-row fake of `Store::update_payment`
//! that runs the real decision and keeps what it wrote.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::model::{
    Amount, AthmTransaction, AuthToken, EcommerceId, Payment, PaymentRequest, PaymentStatus,
    ReferenceNumber, Refund, RefundIntent, RefundMessage, RefundStatus,
};
use crate::ports::{
    Decide, MockClock, PaymentKey, PaymentRecord, PaymentWrite, StepOutcome, StoreError,
};

/// 2025-12-08 16:30:52 in Puerto Rico.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-12-08T20:30:52Z")
        .expect("a valid instant")
        .with_timezone(&Utc)
}

/// A clock stopped at [`now`].
pub fn clock() -> Arc<MockClock> {
    clock_at(now())
}

/// A clock stopped at `at`.
pub fn clock_at(at: DateTime<Utc>) -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(at);
    Arc::new(clock)
}

pub fn amount(text: &str) -> Amount {
    text.parse().expect("a valid amount")
}

pub const ECOMMERCE_ID: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
pub const PAYMENT_REF: &str = "11223344-aabbccdd11223344aabbccdd11223344";
pub const REFUND_REF: &str = "55667788-eeff0011eeff0011eeff0011eeff0011";

pub fn ecommerce_id() -> EcommerceId {
    ECOMMERCE_ID.parse().expect("a valid id")
}

pub fn reference(text: &str) -> ReferenceNumber {
    text.parse().expect("a valid reference number")
}

/// A request for 25.00 (24.00 + 1.00 tax) pushed to 787-555-1234.
pub fn request() -> PaymentRequest {
    let mut request = PaymentRequest::new("25.00".parse().expect("a valid total"));
    request.subtotal = Some(amount("24.00"));
    request.tax = Some(amount("1.00"));
    request.phone_number = Some("7875551234".parse().expect("a valid phone"));
    request
}

/// A payment created at ATH Móvil five minutes before [`now`], still OPEN.
pub fn open_payment() -> Payment {
    Payment::open(
        &request(),
        ecommerce_id(),
        AuthToken::new("jwt-token"),
        now() - Duration::minutes(5),
    )
}

/// An open payment moved to `status` (no completion details).
pub fn payment_in(status: PaymentStatus) -> Payment {
    Payment {
        status,
        ..open_payment()
    }
}

/// ATH Móvil's completed transaction for [`open_payment`] (authorization answer or webhook).
pub fn remote_completed() -> AthmTransaction {
    AthmTransaction::from_json(&completed_json()).expect("a valid transaction")
}

pub fn completed_json() -> Value {
    json!({
        "transactionType": "ECOMMERCE", "status": "COMPLETED", "ecommerceId": ECOMMERCE_ID,
        "referenceNumber": PAYMENT_REF, "dailyTransactionId": "0002",
        "date": "2025-12-08 16:30:52", "transactionDate": "2025-12-08 16:30:49",
        "total": 25, "subTotal": 24, "tax": 1, "fee": 0.07, "netAmount": 24.93,
        "totalRefundedAmount": 0, "name": "Test Customer", "phoneNumber": 7875551234_u64,
        "email": "customer@example.com", "businessName": "Test Business"
    })
}

/// findPayment's answer for [`open_payment`] once completed, with ATH Móvil's
/// running refunded total `refunded`.
pub fn remote_refunded(refunded: &str) -> AthmTransaction {
    let mut value = completed_json();
    value["totalRefundedAmount"] = json!(refunded);
    AthmTransaction::from_json(&value).expect("a valid transaction")
}

/// A findPayment answer with only a status (as before completion).
pub fn remote_status(status: &str) -> AthmTransaction {
    AthmTransaction::from_json(&json!({
        "ecommerceStatus": status, "ecommerceId": ECOMMERCE_ID,
        "referenceNumber": "", "transactionDate": "", "dailyTransactionId": ""
    }))
    .expect("a valid transaction")
}

/// [`open_payment`] completed by ATH Móvil: 25.00 with reference number, nothing refunded.
pub fn completed_payment() -> Payment {
    let mut payment = open_payment();
    payment.complete(&remote_completed(), now() - Duration::minutes(4));
    payment
}

pub fn record(payment: Payment) -> PaymentRecord {
    PaymentRecord {
        payment,
        refunds: Vec::new(),
    }
}

pub fn intent(text: &str) -> RefundIntent {
    text.parse().expect("a valid intent")
}

/// A refund of `amount` of [`completed_payment`] in `status`, under a
/// random intent, with no reference number.
pub fn refund_of(text: &str, status: RefundStatus) -> Refund {
    let mut refund = Refund::plan(
        &completed_payment(),
        &[],
        Some(amount(text)),
        RefundMessage::default(),
        RefundIntent::random(),
        now() - Duration::minutes(1),
    )
    .expect("a valid refund")
    .into_refund();
    refund.status = status;
    refund
}

/// A refund ATH Móvil reports: `total` refunded under its own reference
/// number `reference` (none when `None`), to the customer of [`completed_payment`].
pub fn remote_refund(reference: Option<&str>, total: &str) -> AthmTransaction {
    let mut value = json!({"transactionType": "REFUND", "status": "COMPLETED",
        "total": total, "date": "2025-12-08 16:20:00", "dailyTransactionID": 107,
        "name": "Test Customer", "phoneNumber": "(787) 555-1234"});
    if let Some(reference) = reference {
        value["referenceNumber"] = json!(reference);
    }
    AthmTransaction::from_json(&value).expect("a valid refund")
}

/// One stored payment row: `apply` runs a step's decision on it as the SQL
/// adapter would (a refusal becomes `StoreError::Rule`, a write replaces the
/// payment and upserts refunds by id) and keeps every write for assertions.
#[derive(Clone, Default)]
pub struct Row {
    record: Arc<Mutex<Option<PaymentRecord>>>,
    writes: Arc<Mutex<Vec<PaymentWrite>>>,
}

impl Row {
    pub fn new(record: Option<PaymentRecord>) -> Self {
        Self {
            record: Arc::new(Mutex::new(record)),
            writes: Arc::default(),
        }
    }

    pub fn apply(&self, decide: &Decide) -> Result<StepOutcome, StoreError> {
        let mut row = self.record.lock().expect("not poisoned");
        let before = row.clone();
        let written = decide(before.as_ref())?;
        if let Some(write) = &written {
            *row = Some(PaymentRecord::after(row.take(), write));
            self.writes
                .lock()
                .expect("not poisoned")
                .push(write.clone());
        }
        Ok(StepOutcome { before, written })
    }

    /// Whether `key` names the stored payment.
    pub fn is_named_by(&self, key: &PaymentKey) -> bool {
        self.record().is_some_and(|r| r.is_named_by(key))
    }

    /// Changes the stored record behind the service's back (a concurrent step).
    pub fn edit(&self, change: impl FnOnce(&mut PaymentRecord)) {
        if let Some(record) = self.record.lock().expect("not poisoned").as_mut() {
            change(record);
        }
    }

    pub fn record(&self) -> Option<PaymentRecord> {
        self.record.lock().expect("not poisoned").clone()
    }

    pub fn writes(&self) -> Vec<PaymentWrite> {
        self.writes.lock().expect("not poisoned").clone()
    }
}
