//! The state every handler shares.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::clock::SandboxClock;
use crate::config::{Merchant, SandboxConfig};
use crate::error::{ApiError, codes};
use crate::faults::Faults;
use crate::ledger::Ledger;
use crate::token::TokenSigner;
use crate::webhook::Hub;

/// Everything behind the sandbox's handlers.
pub(crate) struct Shared {
    pub(crate) config: SandboxConfig,
    pub(crate) clock: Arc<SandboxClock>,
    pub(crate) ledger: Ledger,
    pub(crate) faults: Faults,
    pub(crate) hub: Arc<Hub>,
    pub(crate) tokens: TokenSigner,
    pub(crate) shutdown: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The active business owning `public_token` (BTRA_0017, BTRA_0010).
    pub(crate) fn merchant(&self, public_token: &str) -> Result<&Merchant, ApiError> {
        let merchant = self
            .config
            .merchants
            .iter()
            .find(|m| m.public_token == public_token.trim())
            .ok_or_else(|| ApiError::unauthorized(codes::INVALID_TOKEN, "Invalid public token"))?;
        if !merchant.active {
            return Err(ApiError::bad(
                codes::BUSINESS_NOT_ACTIVE,
                "Business is not active",
            ));
        }
        Ok(merchant)
    }

    /// The business owning both tokens.
    pub(crate) fn merchant_with_secret(
        &self,
        public_token: &str,
        private_token: &str,
    ) -> Result<&Merchant, ApiError> {
        let merchant = self.merchant(public_token)?;
        if merchant.private_token != private_token.trim() {
            return Err(ApiError::unauthorized(
                codes::INVALID_TOKEN,
                "Invalid private token",
            ));
        }
        Ok(merchant)
    }

    /// The business of a payment (always known: payments are created by one).
    pub(crate) fn owner(&self, public_token: &str) -> Result<&Merchant, ApiError> {
        self.config
            .merchants
            .iter()
            .find(|m| m.public_token == public_token)
            .ok_or_else(ApiError::internal)
    }

    /// Sleeps for an hour or until the sandbox shuts down.
    pub(crate) async fn hang(&self) {
        let mut shutdown = self.shutdown.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
    }
}
