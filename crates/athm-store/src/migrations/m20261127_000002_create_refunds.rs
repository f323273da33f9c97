//! `refunds`: keyed by our id, unique nullable reference number.

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, ForeignKey, ForeignKeyAction, MigrationTrait,
    SchemaManager, Table,
};

use super::columns::{cents, index, key, text, time, uuid};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Refunds {
    Table,
    Id,
    EcommerceId,
    Status,
    ReferenceNumber,
    DailyTransactionId,
    AmountCents,
    Message,
    CustomerName,
    CustomerPhone,
    CustomerEmail,
    TransactionDate,
    Failure,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    EcommerceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(uuid(Refunds::Id).primary_key())
                    .col(uuid(Refunds::EcommerceId))
                    .col(key(Refunds::Status, 16).not_null())
                    .col(key(Refunds::ReferenceNumber, 64).null())
                    .col(key(Refunds::DailyTransactionId, 64).null())
                    .col(cents(Refunds::AmountCents).not_null())
                    .col(key(Refunds::Message, 255).not_null())
                    .col(key(Refunds::CustomerName, 255).not_null())
                    .col(key(Refunds::CustomerPhone, 16).null())
                    .col(key(Refunds::CustomerEmail, 255).not_null())
                    .col(time(db, Refunds::TransactionDate).null())
                    .col(text(Refunds::Failure).null())
                    .col(time(db, Refunds::CreatedAt).not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refunds_payment")
                            .from(Refunds::Table, Refunds::EcommerceId)
                            .to(Payments::Table, Payments::EcommerceId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for index in [
            index(
                "ux_refunds_reference_number",
                Refunds::Table,
                [Refunds::ReferenceNumber],
                true,
            ),
            index(
                "idx_refunds_payment",
                Refunds::Table,
                [Refunds::EcommerceId, Refunds::CreatedAt],
                false,
            ),
            index(
                "idx_refunds_created_at",
                Refunds::Table,
                [Refunds::CreatedAt],
                false,
            ),
            index(
                "idx_refunds_status_created_at",
                Refunds::Table,
                [Refunds::Status, Refunds::CreatedAt],
                false,
            ),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Refunds::Table).to_owned())
            .await
    }
}
