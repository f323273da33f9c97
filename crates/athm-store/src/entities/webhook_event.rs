//! The `webhook_events` table: every webhook received, under its idempotency key.

use sea_orm::entity::prelude::{
    ActiveModelBehavior, DateTimeUtc, DeriveEntityModel, DerivePrimaryKey, DeriveRelation,
    EntityTrait, EnumIter, PrimaryKeyTrait,
};

/// A webhook event row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    /// Our id (a UUID).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Unique per distinct event.
    pub idempotency_key: String,
    /// What it announces (`ecommerce_completed`…).
    pub kind: String,
    /// The payment it names.
    pub ecommerce_id: Option<String>,
    /// The reference number it carries.
    pub reference_number: Option<String>,
    /// The body as received, NUL characters written `\u0000` (see `convert::text`).
    pub payload: String,
    /// `pending`, `processed`, `failed` or `flagged`.
    pub status: String,
    /// Why processing failed.
    pub error: Option<String>,
    /// Processing attempts.
    pub attempts: i32,
    /// When it was received.
    pub received_at: DateTimeUtc,
    /// When it was processed.
    pub processed_at: Option<DateTimeUtc>,
    /// Until when a recovery worker has claimed it.
    pub claimed_until: Option<DateTimeUtc>,
    /// The sender's address, when known.
    pub remote_addr: Option<String>,
    /// When a flagged event is next checked (`NULL`: not scheduled).
    pub next_attempt_at: Option<DateTimeUtc>,
}

/// No relations are navigated through SeaORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
