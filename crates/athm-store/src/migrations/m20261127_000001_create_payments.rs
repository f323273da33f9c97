//! `payments` (keyed by ecommerce id, unique nullable reference number) and
//! `payment_items`.

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, ForeignKey, ForeignKeyAction,
    MigrationTrait, SchemaManager, Table,
};

use super::columns::{cents, index, key, text, time, uuid};

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Payments {
    Table,
    EcommerceId,
    Status,
    ReferenceNumber,
    DailyTransactionId,
    TotalCents,
    SubtotalCents,
    TaxCents,
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
    BusinessName,
    TimeoutSecs,
    AuthToken,
    CreatedAt,
    UpdatedAt,
    TransactionDate,
}

#[derive(DeriveIden)]
enum PaymentItems {
    Table,
    Id,
    EcommerceId,
    Position,
    Name,
    Description,
    Quantity,
    PriceCents,
    TaxCents,
    Metadata,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(uuid(Payments::EcommerceId).primary_key())
                    .col(key(Payments::Status, 16).not_null())
                    .col(key(Payments::ReferenceNumber, 64).null())
                    .col(key(Payments::DailyTransactionId, 64).null())
                    .col(cents(Payments::TotalCents).not_null())
                    .col(cents(Payments::SubtotalCents).null())
                    .col(cents(Payments::TaxCents).null())
                    .col(cents(Payments::FeeCents).null())
                    .col(cents(Payments::NetAmountCents).null())
                    .col(cents(Payments::TotalRefundedCents).not_null())
                    .col(key(Payments::CustomerName, 255).not_null())
                    .col(key(Payments::CustomerPhone, 16).null())
                    .col(key(Payments::CustomerEmail, 255).not_null())
                    .col(key(Payments::Metadata1, 255).not_null())
                    .col(key(Payments::Metadata2, 255).not_null())
                    .col(text(Payments::Message).not_null())
                    .col(key(Payments::BusinessName, 255).not_null())
                    .col(ColumnDef::new(Payments::TimeoutSecs).integer().not_null())
                    .col(text(Payments::AuthToken).null())
                    .col(time(db, Payments::CreatedAt).not_null())
                    .col(time(db, Payments::UpdatedAt).not_null())
                    .col(time(db, Payments::TransactionDate).null())
                    .to_owned(),
            )
            .await?;
        for index in [
            index(
                "ux_payments_reference_number",
                Payments::Table,
                [Payments::ReferenceNumber],
                true,
            ),
            index(
                "idx_payments_created_at",
                Payments::Table,
                [Payments::CreatedAt],
                false,
            ),
            index(
                "idx_payments_status_created_at",
                Payments::Table,
                [Payments::Status, Payments::CreatedAt],
                false,
            ),
            index(
                "idx_payments_customer_phone",
                Payments::Table,
                [Payments::CustomerPhone],
                false,
            ),
        ] {
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PaymentItems::Table)
                    .col(
                        ColumnDef::new(PaymentItems::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(uuid(PaymentItems::EcommerceId))
                    .col(ColumnDef::new(PaymentItems::Position).integer().not_null())
                    .col(key(PaymentItems::Name, 255).not_null())
                    .col(text(PaymentItems::Description).not_null())
                    .col(
                        ColumnDef::new(PaymentItems::Quantity)
                            .big_integer()
                            .not_null(),
                    )
                    .col(cents(PaymentItems::PriceCents).not_null())
                    .col(cents(PaymentItems::TaxCents).null())
                    .col(text(PaymentItems::Metadata).null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_payment_items_payment")
                            .from(PaymentItems::Table, PaymentItems::EcommerceId)
                            .to(Payments::Table, Payments::EcommerceId)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_payment_items_payment",
                PaymentItems::Table,
                [PaymentItems::EcommerceId, PaymentItems::Position],
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PaymentItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Payments::Table).to_owned())
            .await
    }
}
