//! Drops two `webhook_events` indexes that no query needs: `(kind, status)`
//! (no lookup filters on both) and `(status, claimed_until)` (the recovery
//! claim filters on status and orders by `received_at`, which
//! `(status, received_at)` serves). Every event is inserted and then marked
//! processed, so each index costs two entries per event; six are left.

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager,
};

use super::columns::index;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Kind,
    Status,
    ClaimedUntil,
}

const KIND_STATUS: &str = "idx_webhook_events_kind_status";
const STATUS_CLAIMED_UNTIL: &str = "idx_webhook_events_status_claimed_until";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [KIND_STATUS, STATUS_CLAIMED_UNTIL] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(WebhookEvents::Table)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                KIND_STATUS,
                WebhookEvents::Table,
                [WebhookEvents::Kind, WebhookEvents::Status],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                STATUS_CLAIMED_UNTIL,
                WebhookEvents::Table,
                [WebhookEvents::Status, WebhookEvents::ClaimedUntil],
                false,
            ))
            .await
    }
}
