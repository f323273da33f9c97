//! Checkouts: each attempt of a checkout, claimed before its payment is
//! created, then given that payment in the transaction that records it.
//! An attempt is its table's key, so of two starts claiming the same
//! attempt the second is refused ([`StoreError::Duplicate`]).

use athm_domain::ports::{CheckoutAttempt, PaymentKey, StoreError};
use athm_domain::{CheckoutKey, EcommerceId, Payment};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::SqlStore;
use super::error::{database, is_unique_violation};
use super::payments::{insert, load_record};
use super::step::{self, Failure, Step};
use crate::entities::checkout::{ActiveModel, Column, Entity};

/// The last attempt of checkout `key`, with its payment once created.
pub(crate) async fn last_attempt(
    db: &DatabaseConnection,
    key: &CheckoutKey,
) -> Result<Option<CheckoutAttempt>, StoreError> {
    let last = Entity::find()
        .filter(Column::CheckoutKey.eq(key.as_str()))
        .order_by_desc(Column::Attempt)
        .one(db)
        .await
        .map_err(|e| database("load a checkout", e))?;
    let Some(last) = last else { return Ok(None) };
    let corrupt = |what: String| StoreError::Corrupt(format!("checkout {key}: {what}"));
    let attempt = u32::try_from(last.attempt).map_err(|_| corrupt("a negative attempt".into()))?;
    let payment = match &last.ecommerce_id {
        None => None,
        Some(text) => {
            let id: EcommerceId = text
                .parse()
                .map_err(|_| corrupt(format!("ecommerce id {text:?}")))?;
            let record = load_record(db, &PaymentKey::Ecommerce(id), false)
                .await
                .map_err(Failure::into_error)?
                .ok_or_else(|| corrupt(format!("payment {id} is not recorded")))?;
            Some(record)
        }
    };
    Ok(Some(CheckoutAttempt {
        attempt,
        claimed_at: last.claimed_at,
        payment,
    }))
}

/// An attempt number as the table holds it.
fn stored_attempt(attempt: u32) -> Result<i32, Failure> {
    i32::try_from(attempt).map_err(|_| {
        Failure::Fail(StoreError::Corrupt(format!(
            "checkout attempt {attempt} is out of range"
        )))
    })
}

/// The step behind `Store::claim_checkout`.
struct Claim<'a> {
    key: &'a CheckoutKey,
    attempt: u32,
    over_stale: bool,
    now: DateTime<Utc>,
}

impl Step for Claim<'_> {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        if self.over_stale {
            // The stale claim goes, and only if it is still a claim without
            // a payment: its start, if alive, then cannot record one.
            let previous = self.attempt.checked_sub(1).ok_or_else(|| {
                Failure::Fail(StoreError::Corrupt(
                    "attempt 0 has no stale claim before it".into(),
                ))
            })?;
            let removed = Entity::delete_many()
                .filter(Column::CheckoutKey.eq(self.key.as_str()))
                .filter(Column::Attempt.eq(stored_attempt(previous)?))
                .filter(Column::EcommerceId.is_null())
                .exec(txn)
                .await
                .map_err(Failure::db("take over a stale checkout claim"))?;
            if removed.rows_affected != 1 {
                return Err(Failure::Fail(StoreError::Duplicate {
                    entity: "checkout attempt",
                    key: format!("{} #{previous}", self.key),
                }));
            }
        }
        let row = ActiveModel {
            checkout_key: ActiveValue::Set(self.key.as_str().to_string()),
            attempt: ActiveValue::Set(stored_attempt(self.attempt)?),
            claimed_at: ActiveValue::Set(self.now),
            ecommerce_id: ActiveValue::Set(None),
        };
        match Entity::insert(row).exec_without_returning(txn).await {
            Ok(_) => Ok(()),
            Err(err) if is_unique_violation(&err) => Err(Failure::Fail(StoreError::Duplicate {
                entity: "checkout attempt",
                key: format!("{} #{}", self.key, self.attempt),
            })),
            Err(err) => Err(Failure::db("claim a checkout attempt")(err)),
        }
    }
}

/// The step behind `Store::insert_checkout_payment`: the payment, and the
/// claimed attempt given it, in one transaction.
struct Record<'a> {
    key: &'a CheckoutKey,
    attempt: u32,
    payment: &'a Payment,
}

impl Step for Record<'_> {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        // A transient failure runs the step again: the payment exists at
        // ATH Móvil, and recording it twice over is refused by its key.
        insert(txn, &[self.payment]).await?;
        let linked = Entity::update_many()
            .col_expr(
                Column::EcommerceId,
                Expr::value(self.payment.ecommerce_id.to_string()),
            )
            .filter(Column::CheckoutKey.eq(self.key.as_str()))
            .filter(Column::Attempt.eq(stored_attempt(self.attempt)?))
            .filter(Column::EcommerceId.is_null())
            .exec(txn)
            .await
            .map_err(Failure::db("give a checkout attempt its payment"))?;
        if linked.rows_affected != 1 {
            return Err(Failure::Fail(StoreError::NotFound {
                entity: "claimed checkout attempt",
                key: format!("{} #{}", self.key, self.attempt),
            }));
        }
        Ok(())
    }
}

/// The step behind `Store::release_checkout`.
struct Release<'a> {
    key: &'a CheckoutKey,
    attempt: u32,
}

impl Step for Release<'_> {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        Entity::delete_many()
            .filter(Column::CheckoutKey.eq(self.key.as_str()))
            .filter(Column::Attempt.eq(stored_attempt(self.attempt)?))
            .filter(Column::EcommerceId.is_null())
            .exec(txn)
            .await
            .map_err(Failure::db("release a checkout attempt"))?;
        Ok(())
    }
}

/// Claims attempt `attempt` of checkout `key` at `now`.
pub(crate) async fn claim(
    store: &SqlStore,
    key: &CheckoutKey,
    attempt: u32,
    over_stale: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let claim = Claim {
        key,
        attempt,
        over_stale,
        now,
    };
    step::run(store, &claim).await
}

/// Records `payment` as the claimed attempt's.
pub(crate) async fn record_payment(
    store: &SqlStore,
    key: &CheckoutKey,
    attempt: u32,
    payment: &Payment,
) -> Result<(), StoreError> {
    step::run(
        store,
        &Record {
            key,
            attempt,
            payment,
        },
    )
    .await
}

/// Gives back a claimed attempt that has no payment.
pub(crate) async fn release(
    store: &SqlStore,
    key: &CheckoutKey,
    attempt: u32,
) -> Result<(), StoreError> {
    step::run(store, &Release { key, attempt }).await
}
