//! `Services`: every use case over one set of ports, for applications that embed athm.

use std::sync::Arc;

use super::{
    ClientService, OutboxRelay, PaymentService, PaymentWatcher, Reconciler, WebhookProcessor,
};
use crate::ports::{AthmGateway, Clock, EventSink, Store, SystemClock};

/// Every use case of athm built over one gateway, one store and one clock.
///
/// An application that embeds athm builds this once, from any
/// [`AthmGateway`] (`athm-client`'s `AthmClient`, a mock, your own) and any
/// [`Store`] (`athm-store`'s `SqlStore`, your own adapter), and clones the
/// services it needs. Cloning is cheap: every service holds `Arc`s.
///
/// ```
/// use std::sync::Arc;
/// use athm_domain::ports::{AthmGateway, Store};
/// use athm_domain::services::Services;
///
/// fn wire(gateway: Arc<dyn AthmGateway>, store: Arc<dyn Store>) -> Services {
///     let services = Services::new(gateway, store);
///     let _payments = services.payments.clone(); // checkout and refunds
///     let _webhooks = services.webhooks.clone(); // raw webhook bodies
///     services
/// }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Services {
    /// Checkout, status, authorization, cancellation and refunds.
    pub payments: PaymentService,
    /// Storing and applying raw webhook bodies, each confirmed with ATH Móvil
    /// before it changes money (webhooks are not signed).
    pub webhooks: WebhookProcessor,
    /// The customers who paid.
    pub clients: ClientService,
    /// Reconciliation with ATH Móvil's transaction report.
    pub reconciler: Reconciler,
    /// The gateway the services call.
    pub gateway: Arc<dyn AthmGateway>,
    /// The store the services write to.
    pub store: Arc<dyn Store>,
    /// The clock the services read.
    pub clock: Arc<dyn Clock>,
}

impl Services {
    /// Every service over `gateway` and `store`, on the system clock.
    pub fn new(gateway: Arc<dyn AthmGateway>, store: Arc<dyn Store>) -> Self {
        Self::with_clock(gateway, store, Arc::new(SystemClock))
    }

    /// Every service over these ports, with the given clock (tests move it by hand).
    pub fn with_clock(
        gateway: Arc<dyn AthmGateway>,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            payments: PaymentService::new(gateway.clone(), store.clone(), clock.clone()),
            webhooks: WebhookProcessor::new(
                gateway.clone(),
                store.clone(),
                store.clone(),
                clock.clone(),
            ),
            clients: ClientService::new(store.clone(), clock.clone()),
            reconciler: Reconciler::new(gateway.clone(), store.clone(), clock.clone()),
            gateway,
            store,
            clock,
        }
    }

    /// A relay that hands the store's committed lifecycle events to `sink`
    /// (your order logic); call [`OutboxRelay::deliver_pending`] periodically.
    pub fn outbox_relay(&self, sink: Arc<dyn EventSink>) -> OutboxRelay {
        OutboxRelay::new(self.store.clone(), sink, self.clock.clone())
    }

    /// A confirm watcher that leaves payments younger than `min_age` to their browser.
    pub fn watcher(&self, min_age: chrono::Duration) -> PaymentWatcher {
        PaymentWatcher::new(
            self.payments.clone(),
            self.store.clone(),
            self.clock.clone(),
            min_age,
        )
    }
}
