//! The `lifecycle_outbox` table: lifecycle events waiting for delivery.

use sea_orm::entity::prelude::{
    ActiveModelBehavior, DateTimeUtc, DeriveEntityModel, DerivePrimaryKey, DeriveRelation,
    EntityTrait, EnumIter, PrimaryKeyTrait,
};

/// An outbox row; `id` gives the delivery order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lifecycle_outbox")]
pub struct Model {
    /// Its position in the outbox.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What happened (`payment_completed`…).
    pub kind: String,
    /// The payment it happened to.
    pub ecommerce_id: String,
    /// The payment's (or refund's) reference number.
    pub reference_number: Option<String>,
    /// The amount, in cents.
    pub amount_cents: i64,
    /// When it happened.
    pub occurred_at: DateTimeUtc,
    /// Delivery attempts.
    pub attempts: i32,
    /// Why the last delivery failed.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<DateTimeUtc>,
    /// When delivery was last attempted.
    pub last_attempt_at: Option<DateTimeUtc>,
    /// Until when a relay has claimed it (no other relay offers it before).
    pub claimed_until: Option<DateTimeUtc>,
    /// Not offered again before this instant (after a failed delivery).
    pub next_attempt_at: Option<DateTimeUtc>,
}

/// No relations are navigated through SeaORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
