//! The ports: what the core needs from the outside world, as traits.
//!
//! Adapters implement them (`athm-client` the [`AthmGateway`], `athm-store`
//! every store role: [`Store`]); the use cases in [`crate::services`] use only these.
//! With the `mocks` feature, each has a mockall mock (`MockAthmGateway`…).

mod clock;
mod error_code;
mod events;
mod gateway;
mod sink_fn;
mod store;

pub use clock::{Clock, SystemClock};
pub use error_code::{AthmErrorCode, ErrorClass};
pub use events::{EventSink, EventSinkError};
pub use gateway::{
    AthmGateway, GatewayError, Operation, RefundOrder, RefundReceipt, WebhookSubscription,
};
pub use sink_fn::{FnEventSink, event_sink_fn};
pub use store::{
    AdminQueries, CheckoutAttempt, ClientStore, Decide, FlaggedEvents, InsertResult, ListQuery,
    NoStatus, Outbox, Page, PaymentCursor, PaymentKey, PaymentRecord, PaymentStep, PaymentStore,
    PaymentWrite, StepOutcome, StepResult, Store, StoreError, StoredLifecycleEvent, WebhookInbox,
    update_each,
};

#[cfg(any(test, feature = "mocks"))]
pub use {
    clock::MockClock,
    events::MockEventSink,
    gateway::MockAthmGateway,
    store::{
        MockAdminQueries, MockClientStore, MockOutbox, MockPaymentStore, MockStore,
        MockWebhookInbox,
    },
};
