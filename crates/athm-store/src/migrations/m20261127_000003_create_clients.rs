//! `clients`: customers keyed (so unique) by phone number.

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, MigrationTrait, SchemaManager, Table,
};

use super::columns::{index, key, time};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Clients {
    Table,
    Phone,
    Name,
    Email,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Clients::Table)
                    .col(key(Clients::Phone, 16).not_null().primary_key())
                    .col(key(Clients::Name, 255).not_null())
                    .col(key(Clients::Email, 255).not_null())
                    .col(time(db, Clients::CreatedAt).not_null())
                    .col(time(db, Clients::UpdatedAt).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_clients_created_at",
                Clients::Table,
                [Clients::CreatedAt],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Clients::Table).to_owned())
            .await
    }
}
