//! The `unlinked_transactions` table.

use sea_orm::entity::prelude::{
    ActiveModelBehavior, DateTimeUtc, DeriveEntityModel, DerivePrimaryKey, DeriveRelation,
    EntityTrait, EnumIter, PrimaryKeyTrait,
};

/// A report row that is none of the payments or refunds here.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unlinked_transactions")]
pub struct Model {
    /// ATH Móvil's reference number: the row's identity.
    #[sea_orm(primary_key, auto_increment = false)]
    pub reference_number: String,
    /// `ecommerce`, `payment`, `donation`, `refund`… (or ATH Móvil's own
    /// upper-case name for another type).
    pub transaction_type: String,
    /// When ATH Móvil made it.
    pub date: Option<DateTimeUtc>,
    /// The amount paid (or refunded, for a refund), in cents.
    pub total_cents: i64,
    /// ATH Móvil's fee, in cents.
    pub fee_cents: Option<i64>,
    /// What the business received, in cents.
    pub net_amount_cents: Option<i64>,
    /// How much of a payment was refunded, in cents.
    pub total_refunded_cents: i64,
    /// The customer's name.
    pub customer_name: String,
    /// The customer's phone number.
    pub customer_phone: Option<String>,
    /// The customer's email.
    pub customer_email: String,
    /// The first metadata field.
    pub metadata_1: String,
    /// The second metadata field.
    pub metadata_2: String,
    /// The customer's (or refund's) message.
    pub message: String,
    /// Why athm could not link it.
    pub reason: String,
    /// When athm first read it.
    pub first_seen_at: DateTimeUtc,
    /// When athm last changed this row.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through SeaORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
