//! `lifecycle_outbox`: lifecycle events in the order they were recorded.

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, MigrationTrait, SchemaManager, Table,
};

use super::columns::{cents, index, key, text, time, uuid};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum LifecycleOutbox {
    Table,
    Id,
    Kind,
    EcommerceId,
    ReferenceNumber,
    AmountCents,
    OccurredAt,
    Attempts,
    LastError,
    DeliveredAt,
    LastAttemptAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(LifecycleOutbox::Table)
                    .col(
                        ColumnDef::new(LifecycleOutbox::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(key(LifecycleOutbox::Kind, 32).not_null())
                    .col(uuid(LifecycleOutbox::EcommerceId))
                    .col(key(LifecycleOutbox::ReferenceNumber, 64).null())
                    .col(cents(LifecycleOutbox::AmountCents).not_null())
                    .col(time(db, LifecycleOutbox::OccurredAt).not_null())
                    .col(
                        ColumnDef::new(LifecycleOutbox::Attempts)
                            .integer()
                            .not_null(),
                    )
                    .col(text(LifecycleOutbox::LastError).null())
                    .col(time(db, LifecycleOutbox::DeliveredAt).null())
                    .col(time(db, LifecycleOutbox::LastAttemptAt).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_lifecycle_outbox_undelivered",
                LifecycleOutbox::Table,
                [LifecycleOutbox::DeliveredAt, LifecycleOutbox::Id],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LifecycleOutbox::Table).to_owned())
            .await
    }
}
