//! A started sandbox with typed request helpers.

use std::time::Duration;

use athm_sandbox::{
    CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, RunningSandbox, Sandbox, SandboxConfig,
};
use serde_json::{Value, json};
use uuid::Uuid;

pub const PAYMENT: &str = "/api/business-transaction/ecommerce/payment";
pub const FIND: &str = "/api/business-transaction/ecommerce/business/findPayment";
pub const AUTHORIZE: &str = "/api/business-transaction/ecommerce/authorization";
pub const UPDATE_PHONE: &str = "/api/business-transaction/ecommerce/business/updatePhoneNumber";
pub const CANCEL: &str = "/api/business-transaction/ecommerce/business/cancel";
pub const REFUND: &str = "/api/business-transaction/ecommerce/refund";
pub const REPORT: &str = "/transactions/v4/transactionReport";
pub const SUBSCRIBE: &str = "/transactions/webhook/post";

pub struct Api {
    pub sandbox: RunningSandbox,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn start() -> Self {
        Self::start_with(SandboxConfig::for_tests()).await
    }

    pub async fn start_with(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config).await.unwrap();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self { sandbox, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    pub async fn create_with(&self, body: Value) -> (u16, Value) {
        self.post(PAYMENT, body).await
    }

    /// Creates a $25.00 payment; returns its id and auth token.
    pub async fn create(&self) -> (Uuid, String) {
        let (status, body) = self.create_with(payment_body()).await;
        assert_eq!(status, 200, "{body}");
        let id = Uuid::parse_str(body["data"]["ecommerceId"].as_str().unwrap()).unwrap();
        (id, body["data"]["auth_token"].as_str().unwrap().to_owned())
    }

    pub async fn find(&self, id: Uuid) -> Value {
        let (status, body) = self
            .post(
                FIND,
                json!({"ecommerceId": id, "publicToken": DEMO_PUBLIC_TOKEN}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    pub async fn authorize(&self, token: &str) -> (u16, Value) {
        self.send(self.http.post(self.url(AUTHORIZE)).bearer_auth(token))
            .await
    }

    /// Creates, confirms and authorizes a $25.00 payment; returns its data.
    pub async fn completed(&self) -> Value {
        let (id, token) = self.create().await;
        self.sandbox.confirm(id, CustomerInput::default()).unwrap();
        let (status, body) = self.authorize(&token).await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    pub async fn refund(&self, reference: &str, amount: Value) -> (u16, Value) {
        self.post(
            REFUND,
            json!({"publicToken": DEMO_PUBLIC_TOKEN, "privateToken": DEMO_PRIVATE_TOKEN,
                   "referenceNumber": reference, "amount": amount, "message": "Sorry"}),
        )
        .await
    }

    pub async fn report(&self, from: &str, to: &str) -> (u16, Value) {
        let body = json!({"publicToken": DEMO_PUBLIC_TOKEN, "privateToken": DEMO_PRIVATE_TOKEN,
                          "fromDate": from, "toDate": to});
        self.send(self.http.get(self.url(REPORT)).json(&body)).await
    }
}

pub fn payment_body() -> Value {
    json!({
        "publicToken": DEMO_PUBLIC_TOKEN, "timeout": "600", "total": "25.00", "subtotal": "24.00",
        "tax": "1.00", "metadata1": "Order #12345", "metadata2": "Customer ref",
        "phoneNumber": "7871234567",
        "items": [{"name": "Widget", "description": "A useful widget", "quantity": "1",
                   "price": "24.00", "tax": "1.00", "metadata": "sku-1"}]
    })
}

/// Asserts an error answer with `code`.
pub fn assert_error(answer: &(u16, Value), code: &str) {
    let (status, body) = answer;
    assert!(*status >= 400, "expected an error, got {status} {body}");
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["errorcode"], code, "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert!(body["data"].is_null(), "{body}");
}
