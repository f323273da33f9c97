//! Starting a sandbox and a client pointed at it.

use std::sync::Arc;
use std::time::Duration;

use athm_client::{AthmClient, ClientConfig, RetryPolicy};
use athm_domain::ports::{AthmGateway, Clock, GatewayError};
use athm_domain::{
    AthmTransaction, AuthToken, EcommerceId, Item, Metadata, PaymentRequest, ReferenceNumber,
    RemoteStatus,
};
use athm_sandbox::{
    CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, RunningSandbox, Sandbox, SandboxConfig,
};
use chrono::{DateTime, Utc};

/// A sandbox and a client pointed at it.
pub struct TestEnv {
    pub sandbox: RunningSandbox,
    pub client: AthmClient,
}

/// Short timeouts and fast retries, so that fault tests run in seconds.
pub fn client_config(base_url: &str) -> ClientConfig {
    let mut config =
        ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(base_url);
    config.timeout = Duration::from_millis(1500);
    config.connect_timeout = Duration::from_millis(500);
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
    };
    config
}

/// The client's "now" is the sandbox's (whose clock tests move).
struct SandboxTime(Sandbox);

impl Clock for SandboxTime {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

pub async fn spawn_with(
    sandbox_config: SandboxConfig,
    tweak: impl FnOnce(&mut ClientConfig),
) -> TestEnv {
    let sandbox = athm_sandbox::Sandbox::start(sandbox_config)
        .await
        .expect("sandbox starts");
    let mut config = client_config(&sandbox.base_url());
    tweak(&mut config);
    let client = AthmClient::new(config)
        .expect("client builds")
        .with_clock(Arc::new(SandboxTime(sandbox.handle())));
    TestEnv { sandbox, client }
}

pub async fn spawn() -> TestEnv {
    spawn_with(SandboxConfig::for_tests(), |_| {}).await
}

/// A client with the demo public token and `private_token`.
pub fn client_with_tokens(env: &TestEnv, public_token: &str, private_token: &str) -> AthmClient {
    let mut config = client_config(&env.sandbox.base_url());
    config.public_token = public_token.into();
    config.private_token = private_token.into();
    AthmClient::new(config).expect("client builds")
}

pub fn request(total: &str) -> PaymentRequest {
    let mut request = PaymentRequest::new(total.parse().expect("a total"));
    request.metadata_1 = Metadata::lossy("Order #12345");
    request.items = vec![Item {
        name: "Widget".into(),
        description: "A useful widget".into(),
        quantity: 1,
        price: total.parse().expect("a price"),
        tax: None,
        metadata: Some("sku-1".into()),
    }];
    request
}

/// The error code of a refusal, or a panic naming what came instead.
pub fn code(error: &GatewayError) -> &str {
    match error {
        GatewayError::Refused { code, .. } => code.as_str(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

impl TestEnv {
    pub async fn create(&self, total: &str) -> (EcommerceId, AuthToken) {
        self.client
            .create_payment(&request(total))
            .await
            .expect("payment created")
    }

    pub fn confirm(&self, id: EcommerceId) {
        self.sandbox
            .confirm(id.uuid(), CustomerInput::default())
            .expect("customer confirms");
    }

    /// Create → customer confirms → authorize: a COMPLETED payment.
    pub async fn completed(&self, total: &str) -> (EcommerceId, ReferenceNumber) {
        let (id, token) = self.create(total).await;
        self.confirm(id);
        let done = self.client.authorize(&token).await.expect("authorized");
        assert_eq!(done.status, RemoteStatus::Completed);
        (id, done.reference_number.expect("a reference number"))
    }

    pub async fn find(&self, id: EcommerceId) -> AthmTransaction {
        self.client.find_payment(&id).await.expect("found")
    }
}
