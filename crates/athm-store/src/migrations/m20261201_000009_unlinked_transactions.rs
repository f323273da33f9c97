//! `unlinked_transactions`: completed rows of ATH Móvil's transaction
//! report that are none of the payments or refunds here (a payment made
//! elsewhere, a refund athm cannot link), keyed by their reference number,
//! with an index on ATH Móvil's date for the admin listing (newest first).

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, MigrationTrait, SchemaManager, Table,
};

use super::columns::{cents, index, key, text, time};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum UnlinkedTransactions {
    Table,
    ReferenceNumber,
    TransactionType,
    Date,
    TotalCents,
    FeeCents,
    NetAmountCents,
    TotalRefundedCents,
    CustomerName,
    CustomerPhone,
    CustomerEmail,
    #[sea_orm(iden = "metadata_1")]
    Metadata1,
    #[sea_orm(iden = "metadata_2")]
    Metadata2,
    Message,
    Reason,
    FirstSeenAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use UnlinkedTransactions as T;
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(key(T::ReferenceNumber, 64).not_null().primary_key())
                    .col(key(T::TransactionType, 32).not_null())
                    .col(time(db, T::Date).null())
                    .col(cents(T::TotalCents).not_null())
                    .col(cents(T::FeeCents).null())
                    .col(cents(T::NetAmountCents).null())
                    .col(cents(T::TotalRefundedCents).not_null())
                    .col(key(T::CustomerName, 255).not_null())
                    .col(key(T::CustomerPhone, 16).null())
                    .col(key(T::CustomerEmail, 255).not_null())
                    .col(key(T::Metadata1, 255).not_null())
                    .col(key(T::Metadata2, 255).not_null())
                    .col(text(T::Message).not_null())
                    .col(text(T::Reason).not_null())
                    .col(time(db, T::FirstSeenAt).not_null())
                    .col(time(db, T::UpdatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_unlinked_transactions_date",
                T::Table,
                [T::Date, T::ReferenceNumber],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UnlinkedTransactions::Table).to_owned())
            .await
    }
}
