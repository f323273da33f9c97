//! The schema, as sea-orm-migration migrations: one module per migration,
//! each with a real `down`. [`Migrator`] applies the missing ones in order,
//! so a database made by an older set upgrades in place.

mod columns;
mod m20261127_000001_create_payments;
mod m20261127_000002_create_refunds;
mod m20261127_000003_create_clients;
mod m20261127_000004_create_webhook_events;
mod m20261127_000005_create_lifecycle_outbox;
mod m20261127_000006_add_outbox_claims;
mod m20261127_000007_drop_redundant_event_indexes;
mod m20261201_000008_event_sources_rechecks_refund_intents;
mod m20261201_000009_unlinked_transactions;
mod m20261202_000010_checkouts;

use sea_orm_migration::{MigrationTrait, MigratorTrait};

/// Every migration of the store, oldest first; run with
/// [`MigratorTrait::up`] (as [`crate::SqlStore::migrate`] does).
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_payments::Migration),
            Box::new(m20261127_000002_create_refunds::Migration),
            Box::new(m20261127_000003_create_clients::Migration),
            Box::new(m20261127_000004_create_webhook_events::Migration),
            Box::new(m20261127_000005_create_lifecycle_outbox::Migration),
            Box::new(m20261127_000006_add_outbox_claims::Migration),
            Box::new(m20261127_000007_drop_redundant_event_indexes::Migration),
            Box::new(m20261201_000008_event_sources_rechecks_refund_intents::Migration),
            Box::new(m20261201_000009_unlinked_transactions::Migration),
            Box::new(m20261202_000010_checkouts::Migration),
        ]
    }
}
