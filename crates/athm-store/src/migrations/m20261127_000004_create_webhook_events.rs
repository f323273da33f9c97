//! `webhook_events`: every webhook received, unique by idempotency key.

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, MigrationTrait, SchemaManager, Table,
};

use super::columns::{index, key, text, time, uuid};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    IdempotencyKey,
    Kind,
    EcommerceId,
    ReferenceNumber,
    Payload,
    Status,
    Error,
    Attempts,
    ReceivedAt,
    ProcessedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(uuid(WebhookEvents::Id).primary_key())
                    .col(key(WebhookEvents::IdempotencyKey, 255).not_null())
                    .col(key(WebhookEvents::Kind, 32).not_null())
                    .col(key(WebhookEvents::EcommerceId, 36).null())
                    .col(key(WebhookEvents::ReferenceNumber, 64).null())
                    .col(text(WebhookEvents::Payload).not_null())
                    .col(key(WebhookEvents::Status, 16).not_null())
                    .col(text(WebhookEvents::Error).null())
                    .col(ColumnDef::new(WebhookEvents::Attempts).integer().not_null())
                    .col(time(db, WebhookEvents::ReceivedAt).not_null())
                    .col(time(db, WebhookEvents::ProcessedAt).null())
                    .to_owned(),
            )
            .await?;
        for index in [
            index(
                "ux_webhook_events_idempotency_key",
                WebhookEvents::Table,
                [WebhookEvents::IdempotencyKey],
                true,
            ),
            index(
                "idx_webhook_events_received_at",
                WebhookEvents::Table,
                [WebhookEvents::ReceivedAt],
                false,
            ),
            index(
                "idx_webhook_events_kind_status",
                WebhookEvents::Table,
                [WebhookEvents::Kind, WebhookEvents::Status],
                false,
            ),
            index(
                "idx_webhook_events_status_received_at",
                WebhookEvents::Table,
                [WebhookEvents::Status, WebhookEvents::ReceivedAt],
                false,
            ),
            index(
                "idx_webhook_events_payment",
                WebhookEvents::Table,
                [WebhookEvents::EcommerceId],
                false,
            ),
            index(
                "idx_webhook_events_reference_number",
                WebhookEvents::Table,
                [WebhookEvents::ReferenceNumber],
                false,
            ),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookEvents::Table).to_owned())
            .await
    }
}
