//! The `refunds` table.

use sea_orm::entity::prelude::{
    ActiveModelBehavior, DateTimeUtc, DeriveEntityModel, DerivePrimaryKey, DeriveRelation,
    EntityTrait, EnumIter, PrimaryKeyTrait,
};

/// A refund row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    /// Our id (a UUID).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The payment refunded.
    pub ecommerce_id: String,
    /// `PENDING`, `COMPLETED` or `FAILED`.
    pub status: String,
    /// ATH Móvil's reference number for the refund (unique when present).
    pub reference_number: Option<String>,
    /// The business's transaction count of the day.
    pub daily_transaction_id: Option<String>,
    /// How much, in cents.
    pub amount_cents: i64,
    /// The message sent to the customer.
    pub message: String,
    /// The customer's name.
    pub customer_name: String,
    /// The customer's phone number.
    pub customer_phone: Option<String>,
    /// The customer's email.
    pub customer_email: String,
    /// When ATH Móvil made the refund.
    pub transaction_date: Option<DateTimeUtc>,
    /// Why ATH Móvil refused it.
    pub failure: Option<String>,
    /// When it was recorded here.
    pub created_at: DateTimeUtc,
    /// The caller's intent it was sent for (unique per payment when present).
    pub intent_key: Option<String>,
}

/// No relations are navigated through SeaORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
