//! The domain's services wired by hand over the real adapters: `SqlStore`
//! on a chosen backend, `AthmClient` with short timeouts, and an in-process sandbox.

use std::sync::Arc;
use std::time::Duration;

use athm_client::{AthmClient, ClientConfig, RetryPolicy};
use athm_domain::ports::{AthmGateway, Clock, Store, SystemClock};
use athm_domain::services::{PaymentService, Reconciler};
use athm_domain::{EcommerceId, Payment, PaymentRequest};
use athm_sandbox::{
    CustomerInput, DEMO_PRIVATE_TOKEN, DEMO_PUBLIC_TOKEN, RunningSandbox, Sandbox, SandboxConfig,
};
use athm_store::SqlStore;

/// The services over one store, one client and one sandbox.
pub struct Env {
    pub sandbox: RunningSandbox,
    pub payments: PaymentService,
    pub reconciler: Reconciler,
    pub store: Arc<dyn Store>,
}

/// The services over a migrated store at `database_url`, calling a fresh
/// sandbox with `timeout` per request and at most two attempts per read.
pub async fn env(database_url: &str, timeout: Duration) -> Env {
    let sandbox = Sandbox::start(SandboxConfig::for_tests())
        .await
        .expect("the sandbox starts");
    let store = SqlStore::connect(database_url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let store: Arc<dyn Store> = Arc::new(store);
    let config = ClientConfig {
        timeout,
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(1),
        },
        ..ClientConfig::new(DEMO_PUBLIC_TOKEN, DEMO_PRIVATE_TOKEN).with_base_url(sandbox.base_url())
    };
    let gateway: Arc<dyn AthmGateway> = Arc::new(AthmClient::new(config).expect("a client"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Env {
        payments: PaymentService::new(gateway.clone(), store.clone(), clock.clone()),
        reconciler: Reconciler::new(gateway, store.clone(), clock),
        store,
        sandbox,
    }
}

impl Env {
    /// A payment of `total` created through the service, still OPEN.
    pub async fn open(&self, total: &str) -> Payment {
        let request = PaymentRequest::new(total.parse().expect("a valid total"));
        self.payments.initiate(request).await.expect("initiated").0
    }

    /// The customer approves `id` in the sandbox.
    pub fn confirm(&self, id: EcommerceId) {
        self.sandbox
            .confirm(
                id.uuid(),
                CustomerInput {
                    name: Some("Ana Ruiz".into()),
                    email: Some("ana@example.com".into()),
                    phone_number: Some("7875551234".into()),
                },
            )
            .expect("confirmed in the sandbox");
    }

    /// A payment of `total` created, confirmed and authorized through the service.
    pub async fn completed(&self, total: &str) -> Payment {
        let open = self.open(total).await;
        self.confirm(open.ecommerce_id);
        self.payments
            .authorize(&open.ecommerce_id)
            .await
            .expect("authorized")
    }
}
