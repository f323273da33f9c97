//! Claims and backoff: `claimed_until` on `lifecycle_outbox` and
//! `webhook_events` (a worker's lease on the row, so that instances sharing
//! the database never work on the same row at once), `next_attempt_at` on
//! `lifecycle_outbox` (a failed delivery is not retried before it).

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager, Table,
};

use super::columns::{index, time};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum LifecycleOutbox {
    Table,
    Id,
    EcommerceId,
    DeliveredAt,
    ClaimedUntil,
    NextAttemptAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Status,
    ClaimedUntil,
}

const OUTBOX_QUEUE_INDEX: &str = "idx_lifecycle_outbox_payment_queue";
const EVENTS_CLAIM_INDEX: &str = "idx_webhook_events_status_claimed_until";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // One column per ALTER: SQLite takes one change per statement.
        for column in [
            LifecycleOutbox::ClaimedUntil,
            LifecycleOutbox::NextAttemptAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LifecycleOutbox::Table)
                        .add_column(time(db, column).null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEvents::Table)
                    .add_column(time(db, WebhookEvents::ClaimedUntil).null())
                    .to_owned(),
            )
            .await?;
        // A payment's undelivered events in order (the claim's prefix check).
        manager
            .create_index(index(
                OUTBOX_QUEUE_INDEX,
                LifecycleOutbox::Table,
                [
                    LifecycleOutbox::EcommerceId,
                    LifecycleOutbox::DeliveredAt,
                    LifecycleOutbox::Id,
                ],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                EVENTS_CLAIM_INDEX,
                WebhookEvents::Table,
                [WebhookEvents::Status, WebhookEvents::ClaimedUntil],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(EVENTS_CLAIM_INDEX)
                    .table(WebhookEvents::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(OUTBOX_QUEUE_INDEX)
                    .table(LifecycleOutbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookEvents::Table)
                    .drop_column(WebhookEvents::ClaimedUntil)
                    .to_owned(),
            )
            .await?;
        for column in [
            LifecycleOutbox::NextAttemptAt,
            LifecycleOutbox::ClaimedUntil,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LifecycleOutbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
