//! `ClientService`: the customers who paid.

use std::sync::Arc;

use super::ClientError;
use crate::model::{Client, ClientUpdate, PhoneNumber};
use crate::ports::{ClientStore, Clock};

/// Records customers by phone number.
#[derive(Clone)]
pub struct ClientService {
    store: Arc<dyn ClientStore>,
    clock: Arc<dyn Clock>,
}

impl ClientService {
    /// A service over these ports.
    pub fn new(store: Arc<dyn ClientStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// The client with this phone, created or updated with the latest
    /// non-empty name and email; `None` for an empty phone.
    ///
    /// # Errors
    /// [`ClientError::Invalid`] for a phone that is not ten digits; store failures.
    pub async fn get_or_update(
        &self,
        phone: &str,
        name: &str,
        email: &str,
    ) -> Result<Option<Client>, ClientError> {
        if phone.trim().is_empty() {
            return Ok(None);
        }
        let phone: PhoneNumber = phone.parse()?;
        let update = ClientUpdate::new(Some(&phone), name, email);
        match update {
            Some(update) => Ok(Some(
                self.store.upsert_client(&update, self.clock.now()).await?,
            )),
            None => Ok(None),
        }
    }
}
