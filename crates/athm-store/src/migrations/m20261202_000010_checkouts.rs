//! `checkouts`: each attempt of a checkout (one signed order), keyed by
//! `(checkout_key, attempt)`: claimed (`claimed_at`) before ATH Móvil is
//! asked, so that of two starts of one checkout at once only one creates a
//! payment, then given its payment (`ecommerce_id`, NULL until then)
//! (`PaymentService::start_checkout`).

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager, Table,
};

use super::columns::{key, time};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Checkouts {
    Table,
    CheckoutKey,
    Attempt,
    ClaimedAt,
    EcommerceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Checkouts as T;
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(key(T::CheckoutKey, 64).not_null())
                    .col(ColumnDef::new(T::Attempt).integer().not_null())
                    .col(time(db, T::ClaimedAt).not_null())
                    .col(key(T::EcommerceId, 36).null())
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
