//! The `checkouts` table.

use sea_orm::entity::prelude::{
    ActiveModelBehavior, DeriveEntityModel, DerivePrimaryKey, DeriveRelation, EntityTrait,
    EnumIter, PrimaryKeyTrait,
};

/// The payment one attempt of a checkout started.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checkouts")]
pub struct Model {
    /// The checkout (`CheckoutKey`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub checkout_key: String,
    /// The attempt, from 0.
    #[sea_orm(primary_key, auto_increment = false)]
    pub attempt: i32,
    /// The payment it started.
    pub ecommerce_id: String,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
