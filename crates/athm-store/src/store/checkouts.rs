//! Checkouts: which payment each attempt of a checkout started. An attempt
//! is its table's key, so of two starts of one checkout linking the same
//! attempt, the second is refused ([`StoreError::Duplicate`]).

use athm_domain::ports::{PaymentKey, PaymentRecord, StoreError};
use athm_domain::{CheckoutKey, EcommerceId};
use sea_orm::{
    ActiveValue, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::SqlStore;
use super::error::{database, is_unique_violation};
use super::payments::load_record;
use super::step::{self, Failure, Step};
use crate::entities::checkout::{ActiveModel, Column, Entity};

/// The last attempt of checkout `key` and its payment.
pub(crate) async fn last_attempt(
    db: &DatabaseConnection,
    key: &CheckoutKey,
) -> Result<Option<(u32, PaymentRecord)>, StoreError> {
    let last = Entity::find()
        .filter(Column::CheckoutKey.eq(key.as_str()))
        .order_by_desc(Column::Attempt)
        .one(db)
        .await
        .map_err(|e| database("load a checkout", e))?;
    let Some(last) = last else { return Ok(None) };
    let corrupt = |what: String| StoreError::Corrupt(format!("checkout {key}: {what}"));
    let attempt = u32::try_from(last.attempt).map_err(|_| corrupt("a negative attempt".into()))?;
    let id: EcommerceId = last
        .ecommerce_id
        .parse()
        .map_err(|_| corrupt(format!("ecommerce id {:?}", last.ecommerce_id)))?;
    let record = load_record(db, &PaymentKey::Ecommerce(id), false)
        .await
        .map_err(Failure::into_error)?
        .ok_or_else(|| corrupt(format!("payment {id} is not recorded")))?;
    Ok(Some((attempt, record)))
}

/// The step behind `Store::link_checkout`.
struct Link<'a> {
    key: &'a CheckoutKey,
    attempt: u32,
    id: &'a EcommerceId,
}

impl Step for Link<'_> {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        let attempt = i32::try_from(self.attempt).map_err(|_| {
            Failure::Fail(StoreError::Corrupt(format!(
                "checkout attempt {} is out of range",
                self.attempt
            )))
        })?;
        let row = ActiveModel {
            checkout_key: ActiveValue::Set(self.key.as_str().to_string()),
            attempt: ActiveValue::Set(attempt),
            ecommerce_id: ActiveValue::Set(self.id.to_string()),
        };
        match Entity::insert(row).exec_without_returning(txn).await {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(Failure::Fail(StoreError::Duplicate {
                entity: "checkout attempt",
                key: format!("{} #{}", self.key, self.attempt),
            })),
            Err(err) => Err(Failure::db("link a checkout to its payment")(err)),
        }
    }
}

/// Records that attempt `attempt` of checkout `key` is payment `id`.
pub(crate) async fn link(
    store: &SqlStore,
    key: &CheckoutKey,
    attempt: u32,
    id: &EcommerceId,
) -> Result<(), StoreError> {
    step::run(store, &Link { key, attempt, id }).await
}
