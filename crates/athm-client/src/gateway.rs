//! [`AthmGateway`] for [`AthmClient`]: one method per operation, each a
//! typed body, one `send`, one decoding step.

use async_trait::async_trait;
use athm_domain::ports::{
    AthmGateway, GatewayError, Operation, RefundOrder, RefundReceipt, WebhookSubscription,
};
use athm_domain::{AthmTransaction, AuthToken, EcommerceId, PaymentRequest, PhoneNumber};
use chrono::{DateTime, TimeDelta, Utc};

use crate::client::AthmClient;
use crate::report;
use crate::retry::{self, Failure};
use crate::wire::{
    self, CreatePaymentBody, EcommerceBody, RefundBody, ReportBody, SubscriptionBody,
    UpdatePhoneBody,
};

/// Turns a decoding failure into the operation's error.
fn decoded<T>(operation: Operation, result: Result<T, Failure>) -> Result<T, GatewayError> {
    result.map_err(|failure| retry::to_error(operation, failure))
}

impl AthmClient {
    fn public_token(&self) -> &str {
        &self.config.public_token
    }

    fn private_token(&self) -> &str {
        self.config.private_token.expose()
    }

    /// One request of the transaction report, for one window.
    async fn report_window(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AthmTransaction>, GatewayError> {
        let operation = Operation::TransactionReport;
        let body = ReportBody::new(self.public_token(), self.private_token(), from, to);
        let rows = self
            .send_decoded(operation, Some(&body), None, wire::decode_report)
            .await?;
        decoded(operation, rows)
    }
}

#[async_trait]
impl AthmGateway for AthmClient {
    async fn create_payment(
        &self,
        request: &PaymentRequest,
    ) -> Result<(EcommerceId, AuthToken), GatewayError> {
        let operation = Operation::CreatePayment;
        let body = CreatePaymentBody::new(self.public_token(), request);
        let value = self.send(operation, Some(&body), None).await?;
        decoded(operation, wire::created(&value))
    }

    async fn find_payment(
        &self,
        ecommerce_id: &EcommerceId,
    ) -> Result<AthmTransaction, GatewayError> {
        let operation = Operation::FindPayment;
        let body = EcommerceBody {
            ecommerce_id: ecommerce_id.to_string(),
            public_token: self.public_token(),
        };
        let value = self.send(operation, Some(&body), None).await?;
        decoded(operation, wire::transaction(&value))
    }

    async fn authorize(&self, auth_token: &AuthToken) -> Result<AthmTransaction, GatewayError> {
        let operation = Operation::Authorize;
        let value = self.send::<()>(operation, None, Some(auth_token)).await?;
        decoded(operation, wire::transaction(&value))
    }

    async fn update_phone_number(
        &self,
        ecommerce_id: &EcommerceId,
        phone: &PhoneNumber,
        auth_token: &AuthToken,
    ) -> Result<(), GatewayError> {
        let body = UpdatePhoneBody {
            ecommerce_id: ecommerce_id.to_string(),
            phone_number: phone.as_str(),
        };
        self.send(Operation::UpdatePhoneNumber, Some(&body), Some(auth_token))
            .await
            .map(drop)
    }

    async fn cancel(&self, ecommerce_id: &EcommerceId) -> Result<(), GatewayError> {
        let body = EcommerceBody {
            ecommerce_id: ecommerce_id.to_string(),
            public_token: self.public_token(),
        };
        self.send(Operation::Cancel, Some(&body), None)
            .await
            .map(drop)
    }

    async fn refund(&self, order: &RefundOrder) -> Result<RefundReceipt, GatewayError> {
        let operation = Operation::Refund;
        let body = RefundBody::new(self.public_token(), self.private_token(), order);
        let value = self.send(operation, Some(&body), None).await?;
        decoded(operation, wire::refund_receipt(&value))
    }

    async fn transaction_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AthmTransaction>, GatewayError> {
        let Some((from, to)) = report::clamp(from, to, self.clock.now()) else {
            return Ok(Vec::new());
        };
        let window = TimeDelta::from_std(self.config.report_window)
            .unwrap_or(TimeDelta::days(30))
            .max(report::MIN_WINDOW);
        report::fetch_range(from, to, window, |a, b| self.report_window(a, b)).await
    }

    async fn subscribe_webhook(
        &self,
        subscription: &WebhookSubscription,
    ) -> Result<(), GatewayError> {
        let body = SubscriptionBody::new(self.public_token(), self.private_token(), subscription);
        self.send(Operation::SubscribeWebhook, Some(&body), None)
            .await
            .map(drop)
    }
}
