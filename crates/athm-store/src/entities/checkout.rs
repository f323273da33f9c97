//! The `checkouts` table.

use sea_orm::entity::prelude::{
    ActiveModelBehavior, DateTimeUtc, DeriveEntityModel, DerivePrimaryKey, DeriveRelation,
    EntityTrait, EnumIter, PrimaryKeyTrait,
};

/// One attempt of a checkout.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkouts")]
pub struct Model {
    /// The checkout (`CheckoutKey`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub checkout_key: String,
    /// The attempt, from 0.
    #[sea_orm(primary_key, auto_increment = false)]
    pub attempt: i32,
    /// When a start claimed it.
    pub claimed_at: DateTimeUtc,
    /// The payment it started, once created.
    pub ecommerce_id: Option<String>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
