//! The `payment_items` table: the line items of a payment, in order.

use sea_orm::entity::prelude::{
    ActiveModelBehavior, DeriveEntityModel, DerivePrimaryKey, DeriveRelation, EntityTrait,
    EnumIter, PrimaryKeyTrait,
};

/// A line item row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_items")]
pub struct Model {
    /// A surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The payment it belongs to.
    pub ecommerce_id: String,
    /// Its place in the payment's list, from 0.
    pub position: i32,
    /// What it is.
    pub name: String,
    /// A longer description.
    pub description: String,
    /// How many.
    pub quantity: i64,
    /// The unit price, in cents.
    pub price_cents: i64,
    /// The tax, in cents.
    pub tax_cents: Option<i64>,
    /// The merchant's own data for the item.
    pub metadata: Option<String>,
}

/// No relations are navigated through SeaORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
