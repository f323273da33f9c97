//! [`MockStore`]: one mock of every role, for a domain unit test of a
//! service wired with one store for all its roles (as `athm-app` wires the
//! SQL store). Each role also has its own automock (`MockPaymentStore`…).

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::{
    AdminQueries, CheckoutAttempt, ClientStore, Decide, FlaggedEvents, InsertResult, ListQuery,
    NoStatus, Outbox, Page, PaymentCursor, PaymentKey, PaymentRecord, PaymentStep, PaymentStore,
    StepOutcome, StepResult, StoreError, StoredLifecycleEvent, WebhookInbox,
};
use crate::model::{
    CheckoutKey, Client, ClientUpdate, EcommerceId, Payment, PaymentStatus, PhoneNumber, Refund,
    RefundStatus, UnlinkedKind, UnlinkedTransaction, WebhookEventId,
};
use crate::webhook::{EventStatus, WebhookEvent};

mockall::mock! {
    /// Every store role in one mock.
    pub Store {}

    #[async_trait]
    impl PaymentStore for Store {
        async fn insert_payment(&self, payment: &Payment) -> Result<(), StoreError>;
        async fn payment(&self, key: &PaymentKey) -> Result<Option<PaymentRecord>, StoreError>;
        async fn update_payment(&self, key: &PaymentKey, decide: &Decide) -> Result<StepOutcome, StoreError>;
        async fn update_payments(&self, steps: &[PaymentStep]) -> Vec<StepResult>;
        async fn payments_in_status(
            &self,
            statuses: &[PaymentStatus],
            after: Option<PaymentCursor>,
            limit: u64,
        ) -> Result<Vec<Payment>, StoreError>;
        async fn customer_payments(&self, phone: &PhoneNumber, limit: u64) -> Result<Page<Payment>, StoreError>;
        async fn customer_unlinked(&self, phone: &PhoneNumber, limit: u64) -> Result<Page<UnlinkedTransaction>, StoreError>;
        async fn pending_refunds(&self) -> Result<Vec<Refund>, StoreError>;
        async fn checkout_attempt(&self, key: &CheckoutKey) -> Result<Option<CheckoutAttempt>, StoreError>;
        async fn claim_checkout(&self, key: &CheckoutKey, attempt: u32, over_stale: bool, now: DateTime<Utc>) -> Result<(), StoreError>;
        async fn insert_checkout_payment(&self, key: &CheckoutKey, attempt: u32, payment: &Payment) -> Result<(), StoreError>;
        async fn release_checkout(&self, key: &CheckoutKey, attempt: u32) -> Result<(), StoreError>;
        async fn record_unlinked(&self, transaction: &UnlinkedTransaction) -> Result<bool, StoreError>;
    }

    #[async_trait]
    impl WebhookInbox for Store {
        async fn insert_webhook_event(&self, event: &WebhookEvent) -> Result<(WebhookEvent, bool), StoreError>;
        async fn insert_webhook_events(&self, events: &[WebhookEvent]) -> Vec<InsertResult>;
        async fn webhook_event(&self, id: WebhookEventId) -> Result<Option<WebhookEvent>, StoreError>;
        async fn record_event_outcome(
            &self,
            id: WebhookEventId,
            status: EventStatus,
            error: Option<String>,
            at: DateTime<Utc>,
        ) -> Result<(), StoreError>;
        async fn claim_events_to_retry(
            &self,
            limit: u64,
            received_before: DateTime<Utc>,
            now: DateTime<Utc>,
            lease: Duration,
        ) -> Result<Vec<WebhookEvent>, StoreError>;
        async fn claim_flagged_events(
            &self,
            which: &FlaggedEvents,
            limit: u64,
            now: DateTime<Utc>,
            lease: Duration,
        ) -> Result<Vec<WebhookEvent>, StoreError>;
    }

    #[async_trait]
    impl Outbox for Store {
        async fn claim_lifecycle_events(
            &self,
            limit: u64,
            now: DateTime<Utc>,
            lease: Duration,
        ) -> Result<Vec<StoredLifecycleEvent>, StoreError>;
        async fn record_lifecycle_delivery(&self, id: i64, error: Option<String>, at: DateTime<Utc>) -> Result<(), StoreError>;
        async fn record_lifecycle_deliveries(&self, ids: &[i64], at: DateTime<Utc>) -> Result<(), StoreError>;
    }

    #[async_trait]
    impl AdminQueries for Store {
        async fn ping(&self) -> Result<(), StoreError>;
        async fn list_payments(&self, query: &ListQuery<PaymentStatus>) -> Result<Page<Payment>, StoreError>;
        async fn list_refunds(&self, query: &ListQuery<RefundStatus>) -> Result<Page<Refund>, StoreError>;
        async fn list_unlinked(&self, query: &ListQuery<UnlinkedKind>) -> Result<Page<UnlinkedTransaction>, StoreError>;
        async fn list_clients(&self, query: &ListQuery<NoStatus>) -> Result<Page<Client>, StoreError>;
        async fn events_for_payment(&self, ecommerce_id: &EcommerceId) -> Result<Vec<WebhookEvent>, StoreError>;
        async fn list_webhook_events(&self, query: &ListQuery<EventStatus>) -> Result<Page<WebhookEvent>, StoreError>;
    }

    #[async_trait]
    impl ClientStore for Store {
        async fn upsert_client(&self, update: &ClientUpdate, at: DateTime<Utc>) -> Result<Client, StoreError>;
        async fn client(&self, phone: &PhoneNumber) -> Result<Option<Client>, StoreError>;
    }
}
