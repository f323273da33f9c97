//! `checkouts`: which payment each attempt of a checkout (one signed order)
//! started, keyed by `(checkout_key, attempt)`, so that two starts of one
//! checkout at once cannot both link a payment to the same attempt
//! (`PaymentService::start_checkout`).

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager, Table,
};

use super::columns::{key, uuid};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    CheckoutKey,
    Attempt,
    EcommerceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Checkouts as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(key(T::CheckoutKey, 64).not_null())
                    .col(ColumnDef::new(T::Attempt).integer().not_null())
                    .col(uuid(T::EcommerceId))
                    .primary_key(Index::create().col(T::CheckoutKey).col(T::Attempt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Checkouts::Table).to_owned())
            .await
    }
}
