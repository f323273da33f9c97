//! Webhook events keep their sender's address (`remote_addr`) and, when
//! flagged, when they are checked again (`next_attempt_at`); refunds keep
//! the intent they were sent for (`intent_key`), unique per payment
//! (`ux_refunds_intent_key` on `(ecommerce_id, intent_key)`: refunds
//! without an intent, `NULL`, are not constrained on any backend). On
//! MySQL/MariaDB the payload becomes `LONGTEXT`: a `TEXT` column holds
//! 65,535 bytes, less than the largest body the web layer accepts.
//!
//! `down` undoes each change; on MySQL/MariaDB it fails (in strict mode)
//! while a payload longer than 65,535 bytes is stored.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::{
    Alias, ColumnDef, DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager,
    Table, TableAlterStatement,
};

use super::columns::{index, key, time};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Payload,
    RemoteAddr,
    NextAttemptAt,
}

#[derive(DeriveIden)]
enum Refunds {
    Table,
    EcommerceId,
    IntentKey,
}

/// The widest `remote_addr` (the store cuts longer text to fit).
const REMOTE_ADDR_LEN: u32 = 255;
/// The widest `intent_key` (`RefundIntent::MAX_LEN`).
const INTENT_KEY_LEN: u32 = 128;
const INTENT_INDEX: &str = "ux_refunds_intent_key";

/// The payload column as `type_name` (MySQL/MariaDB only).
fn payload_as(type_name: &str) -> TableAlterStatement {
    Table::alter()
        .table(WebhookEvents::Table)
        .modify_column(
            ColumnDef::new(WebhookEvents::Payload)
                .custom(Alias::new(type_name))
                .not_null(),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // One column per ALTER: SQLite takes one change per statement.
        for column in [
            key(WebhookEvents::RemoteAddr, REMOTE_ADDR_LEN)
                .null()
                .to_owned(),
            time(db, WebhookEvents::NextAttemptAt).null().to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WebhookEvents::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Refunds::Table)
                    .add_column(key(Refunds::IntentKey, INTENT_KEY_LEN).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                INTENT_INDEX,
                Refunds::Table,
                [Refunds::EcommerceId, Refunds::IntentKey],
                true,
            ))
            .await?;
        if db == DbBackend::MySql {
            manager.alter_table(payload_as("LONGTEXT")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        if db == DbBackend::MySql {
            manager.alter_table(payload_as("TEXT")).await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(INTENT_INDEX)
                    .table(Refunds::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Refunds::Table)
                    .drop_column(Refunds::IntentKey)
                    .to_owned(),
            )
            .await?;
        for column in [WebhookEvents::NextAttemptAt, WebhookEvents::RemoteAddr] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WebhookEvents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
