//! The lifecycle outbox: what is left to deliver, and delivery attempts.

use athm_domain::ports::{StoreError, StoredLifecycleEvent};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::SqlStore;
use super::error::Context;
use super::step::{self, Failure, Step};
use crate::convert::{lifecycle_from_row, time};
use crate::entities::lifecycle_event::{Column, Entity};

/// Undelivered events in outbox order.
pub(crate) async fn undelivered(
    conn: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<StoredLifecycleEvent>, StoreError> {
    Entity::find()
        .filter(Column::DeliveredAt.is_null())
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(conn)
        .await
        .context("list undelivered lifecycle events")?
        .into_iter()
        .map(lifecycle_from_row)
        .collect()
}

struct Delivery {
    id: i64,
    error: Option<String>,
    at: DateTime<Utc>,
}

impl Step for Delivery {
    type Output = ();

    async fn run(&self, txn: &DatabaseTransaction) -> Result<(), Failure> {
        let at = time(self.at);
        let mut update = Entity::update_many()
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(Column::LastAttemptAt, Expr::value(at))
            .col_expr(Column::LastError, Expr::value(self.error.clone()));
        if self.error.is_none() {
            update = update.col_expr(Column::DeliveredAt, Expr::value(at));
        }
        let result = update
            .filter(Column::Id.eq(self.id))
            .exec(txn)
            .await
            .map_err(Failure::db("record a lifecycle event delivery"))?;
        if result.rows_affected == 0 {
            return Err(Failure::Fail(StoreError::NotFound {
                entity: "lifecycle event",
                key: self.id.to_string(),
            }));
        }
        Ok(())
    }
}

/// `Store::record_lifecycle_delivery`.
pub(crate) async fn record_delivery(
    store: &SqlStore,
    id: i64,
    error: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    step::run(store, &Delivery { id, error, at }).await
}
