//! Clients (customers by phone) for [`crate::services::ClientService`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::model::{Client, ClientUpdate, PhoneNumber};

/// The clients, as [`crate::services::ClientService`] reads and merges them.
/// Payment steps merge the customer themselves ([`super::PaymentWrite::client`]).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Creates or updates the client with `update.phone` (latest non-empty name and email win).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn upsert_client(
        &self,
        update: &ClientUpdate,
        at: DateTime<Utc>,
    ) -> Result<Client, StoreError>;

    /// Loads a client by phone.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    async fn client(&self, phone: &PhoneNumber) -> Result<Option<Client>, StoreError>;
}
