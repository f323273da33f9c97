//! `Store::update_payment`: lock, decide, write, in one transaction.

use athm_domain::ports::{Decide, PaymentKey, PaymentRecord, PaymentWrite, StoreError};
use athm_domain::webhook::EventStatus;
use athm_domain::{LifecycleEvent, Refund, WebhookEventId};
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter,
};

use super::clients::merge_client;
use super::payments::{self, load_record};
use super::step::{Failure, Step};
use crate::convert::{lifecycle_row, refund_row, time};
use crate::entities::{lifecycle_event, refund, webhook_event};

/// The step behind `Store::update_payment`.
pub(crate) struct UpdatePayment<'a> {
    /// Which payment.
    pub(crate) key: &'a PaymentKey,
    /// The pure decision.
    pub(crate) decide: &'a Decide,
}

impl Step for UpdatePayment<'_> {
    type Output = Option<PaymentWrite>;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Option<PaymentWrite>, Failure> {
        let record = load_record(txn, self.key, true).await?;
        let Some(write) = (self.decide)(record.as_ref()).map_err(StoreError::Rule)? else {
            return Ok(None);
        };
        let same_payment = record
            .as_ref()
            .filter(|r| r.payment.ecommerce_id == write.payment.ecommerce_id);
        match same_payment {
            Some(before) => payments::update(txn, &before.payment, &write.payment).await?,
            None => payments::insert(txn, &write.payment).await?,
        }
        let known: &[Refund] = same_payment.map_or(&[], |r: &PaymentRecord| &r.refunds);
        for refund in &write.refunds {
            save_refund(txn, known, refund).await?;
        }
        if let Some(update) = &write.client {
            merge_client(txn, update, write.payment.updated_at).await?;
        }
        append_events(txn, &write.events).await?;
        if let Some(id) = write.processed_event {
            mark_processed(txn, id).await?;
        }
        Ok(Some(write))
    }
}

/// Inserts or updates `refund` by id; `known` are the locked payment's refunds.
async fn save_refund(
    txn: &impl ConnectionTrait,
    known: &[Refund],
    refund: &Refund,
) -> Result<(), Failure> {
    let before = known.iter().find(|r| r.id == refund.id);
    if before == Some(refund) {
        return Ok(());
    }
    let row = refund_row(refund)?.into_active_model().reset_all();
    let result = match before {
        Some(_) => refund::Entity::update_many()
            .set(row)
            .filter(refund::Column::Id.eq(refund.id.to_string()))
            .exec(txn)
            .await
            .map(|_| ()),
        None => refund::Entity::insert(row)
            .exec_without_returning(txn)
            .await
            .map(|_| ()),
    };
    result.map_err(|err| {
        if super::error::is_unique_violation(&err) {
            Failure::Fail(StoreError::Duplicate {
                entity: "refund",
                key: refund
                    .reference_number
                    .as_ref()
                    .map_or_else(|| refund.id.to_string(), ToString::to_string),
            })
        } else {
            Failure::db("save a refund")(err)
        }
    })
}

/// Appends lifecycle events to the outbox, in order.
async fn append_events(
    txn: &impl ConnectionTrait,
    events: &[LifecycleEvent],
) -> Result<(), Failure> {
    for event in events {
        let mut row = lifecycle_row(event)?.into_active_model().reset_all();
        row.id = ActiveValue::NotSet;
        lifecycle_event::Entity::insert(row)
            .exec_without_returning(txn)
            .await
            .map_err(Failure::db("append a lifecycle event to the outbox"))?;
    }
    Ok(())
}

/// Marks the webhook event `id` processed, counting the attempt.
async fn mark_processed(txn: &impl ConnectionTrait, id: WebhookEventId) -> Result<(), Failure> {
    use webhook_event::Column;
    let updated = webhook_event::Entity::update_many()
        .col_expr(Column::Status, Expr::value(EventStatus::Processed.as_str()))
        .col_expr(Column::Error, Expr::value(Option::<String>::None))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::ProcessedAt, Expr::value(time(Utc::now())))
        .filter(Column::Id.eq(id.to_string()))
        .exec(txn)
        .await
        .map_err(Failure::db("mark a webhook event processed"))?;
    if updated.rows_affected == 0 {
        return Err(Failure::Fail(StoreError::NotFound {
            entity: "webhook event",
            key: id.to_string(),
        }));
    }
    Ok(())
}
