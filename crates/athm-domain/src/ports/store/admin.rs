//! The admin's read side: listings, a payment's timeline, and the health check.

use async_trait::async_trait;

use super::{ListQuery, NoStatus, Page, StoreError};
use crate::model::{
    Client, EcommerceId, Payment, PaymentStatus, Refund, RefundStatus, UnlinkedKind,
    UnlinkedTransaction,
};
use crate::webhook::{EventStatus, WebhookEvent};

/// What the admin pages, `/healthz` and `athm doctor` read.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AdminQueries: Send + Sync {
    /// Checks that the database answers and accepts writes (one that
    /// changes nothing), for `/healthz` and `athm doctor`.
    ///
    /// # Errors
    /// [`StoreError::Database`] when it does not answer or refuses writes.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Lists payments for the admin.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_payments(
        &self,
        query: &ListQuery<PaymentStatus>,
    ) -> Result<Page<Payment>, StoreError>;

    /// Lists refunds for the admin.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_refunds(
        &self,
        query: &ListQuery<RefundStatus>,
    ) -> Result<Page<Refund>, StoreError>;

    /// Lists the unlinked transactions for the admin, newest first (by
    /// ATH Móvil's date), leaving out those whose reference number a payment
    /// or refund here has since taken (`query.status`: refunds only, or
    /// everything else).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_unlinked(
        &self,
        query: &ListQuery<UnlinkedKind>,
    ) -> Result<Page<UnlinkedTransaction>, StoreError>;

    /// Lists clients for the admin.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_clients(&self, query: &ListQuery<NoStatus>) -> Result<Page<Client>, StoreError>;

    /// The webhook events of one payment, oldest first (its timeline).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn events_for_payment(
        &self,
        ecommerce_id: &EcommerceId,
    ) -> Result<Vec<WebhookEvent>, StoreError>;

    /// Lists webhook events for the admin.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn list_webhook_events(
        &self,
        query: &ListQuery<EventStatus>,
    ) -> Result<Page<WebhookEvent>, StoreError>;
}
