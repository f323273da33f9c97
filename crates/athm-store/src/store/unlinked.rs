//! Unlinked transactions: the race-free record (insert, or bring up to
//! date) and the admin listing, which leaves out those a payment or refund
//! here has since taken the reference number of.

use athm_domain::ports::{ListQuery, Page, StoreError};
use athm_domain::{UnlinkedKind, UnlinkedTransaction};
use sea_orm::sea_query::{Expr, ExprTrait, NullOrdering, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use super::SqlStore;
use super::listing::{self, Search};
use super::step::{self, Failure, Step};
use crate::convert::{stored_form, unlinked_from_row, unlinked_row};
use crate::entities::unlinked_transaction::{Column, Entity};
use crate::entities::{payment, refund};

/// The `transaction_type` of a refund (`TransactionType::Refund`).
const REFUND: &str = "refund";

/// The step behind `Store::record_unlinked`: the row is loaded locked; a
/// new one is inserted, a known one updated when the newer read changes
/// it. Two steps inserting one reference race on the key: the loser is
/// rolled back, run again, and finds the row.
struct Record<'a>(&'a UnlinkedTransaction);

impl Step for Record<'_> {
    type Output = bool;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<bool, Failure> {
        let newer = stored_form(self.0)?;
        let key = newer.reference_number.as_str();
        let known = Entity::find_by_id(key)
            .lock_exclusive()
            .one(txn)
            .await
            .map_err(Failure::db("load an unlinked transaction"))?;
        let Some(known) = known else {
            Entity::insert(unlinked_row(&newer)?.into_active_model().reset_all())
                .exec_without_returning(txn)
                .await
                .map_err(Failure::racing_insert(
                    "insert an unlinked transaction",
                    "unlinked transaction",
                    key.to_string(),
                ))?;
            return Ok(true);
        };
        let Some(updated) = unlinked_from_row(known)?.updated_by(&newer) else {
            return Ok(false);
        };
        Entity::update_many()
            .set(unlinked_row(&updated)?.into_active_model().reset_all())
            .filter(Column::ReferenceNumber.eq(key))
            .exec(txn)
            .await
            .map_err(Failure::db("update an unlinked transaction"))?;
        Ok(true)
    }
}

/// `Store::record_unlinked`.
pub(crate) async fn record(
    store: &SqlStore,
    transaction: &UnlinkedTransaction,
) -> Result<bool, StoreError> {
    step::run(store, &Record(transaction)).await
}

/// `SELECT 1 FROM {table} WHERE {table}.{column} = unlinked_transactions.reference_number`.
fn taking<E: EntityTrait>(table: E, column: E::Column) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(table)
        .and_where(Expr::col((table, column)).equals((Entity, Column::ReferenceNumber)))
        .to_owned()
}

/// The admin listing, newest first by ATH Móvil's date (rows without one
/// last, on every backend), without the rows whose reference number a
/// payment or refund here has taken, of one kind when `status` says; the
/// date range applies to that date.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    query: &ListQuery<UnlinkedKind>,
) -> Result<Page<UnlinkedTransaction>, StoreError> {
    let mut select = Entity::find()
        .filter(Expr::not_exists(taking(
            payment::Entity,
            payment::Column::ReferenceNumber,
        )))
        .filter(Expr::not_exists(taking(
            refund::Entity,
            refund::Column::ReferenceNumber,
        )));
    select = match query.status {
        Some(UnlinkedKind::Refund) => select.filter(Column::TransactionType.eq(REFUND)),
        Some(UnlinkedKind::Payment) => select.filter(Column::TransactionType.ne(REFUND)),
        None => select,
    };
    select = listing::created_between(select, Column::Date, query);
    if let Some(search) = Search::new(query) {
        select = select.filter(search.matching(
            [
                Column::ReferenceNumber,
                Column::CustomerName,
                Column::CustomerEmail,
                Column::Metadata1,
                Column::Metadata2,
                Column::Message,
            ],
            Some(Column::CustomerPhone),
        ));
    }
    let select = select
        .order_by_with_nulls(Column::Date, Order::Desc, NullOrdering::Last)
        .order_by_desc(Column::ReferenceNumber);
    let (rows, total) = listing::page(conn, select, query, "list unlinked transactions").await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(unlinked_from_row)
            .collect::<Result<_, _>>()?,
        total,
    })
}
