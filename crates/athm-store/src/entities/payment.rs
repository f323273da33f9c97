//! The `payments` table: one row per ecommerce payment.

use sea_orm::entity::prelude::{
    ActiveModelBehavior, DateTimeUtc, DeriveEntityModel, DerivePrimaryKey, DeriveRelation,
    EntityTrait, EnumIter, PrimaryKeyTrait,
};

/// A payment row. `auth_token` is a secret: never log a row.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    /// ATH Móvil's ecommerce id (a UUID), the primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ecommerce_id: String,
    /// `OPEN`, `CONFIRM`, `COMPLETED`, `CANCEL` or `EXPIRED`.
    pub status: String,
    /// ATH Móvil's reference number (unique when present).
    pub reference_number: Option<String>,
    /// The business's transaction count of the day.
    pub daily_transaction_id: Option<String>,
    /// The total, in cents.
    pub total_cents: i64,
    /// The subtotal, in cents.
    pub subtotal_cents: Option<i64>,
    /// The tax, in cents.
    pub tax_cents: Option<i64>,
    /// ATH Móvil's fee, in cents.
    pub fee_cents: Option<i64>,
    /// What the business receives, in cents.
    pub net_amount_cents: Option<i64>,
    /// How much was refunded, in cents.
    pub total_refunded_cents: i64,
    /// The customer's name.
    pub customer_name: String,
    /// The customer's ten-digit phone number.
    pub customer_phone: Option<String>,
    /// The customer's email.
    pub customer_email: String,
    /// The merchant's first metadata field.
    pub metadata_1: String,
    /// The merchant's second metadata field.
    pub metadata_2: String,
    /// The customer's message.
    pub message: String,
    /// The business's name at ATH Móvil.
    pub business_name: String,
    /// Seconds the customer has to approve.
    pub timeout_secs: i32,
    /// The secret token that authorizes the payment.
    pub auth_token: Option<String>,
    /// When the payment was created here.
    pub created_at: DateTimeUtc,
    /// When the payment last changed here.
    pub updated_at: DateTimeUtc,
    /// When ATH Móvil completed it.
    pub transaction_date: Option<DateTimeUtc>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("payments::Model")
            .field("ecommerce_id", &self.ecommerce_id)
            .field("status", &self.status)
            .field("reference_number", &self.reference_number)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// No relations are navigated through SeaORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
