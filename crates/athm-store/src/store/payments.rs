//! Payments and their items: loading (optionally locked), inserting,
//! replacing, and the admin listing.

use std::collections::HashMap;

use athm_domain::ports::{ListQuery, Page, PaymentCursor, PaymentKey, PaymentRecord, StoreError};
use athm_domain::{Payment, PaymentStatus, Refund};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use super::error::{Context, is_unique_violation};
use super::listing::{self, Search};
use super::step::{self, Failure, Step};
use super::{INSERT_CHUNK, SqlStore};
use crate::convert::{item_rows, payment_from_rows, payment_row, refund_from_row, time};
use crate::entities::{payment, payment_item, refund};

/// Loads the payment `key` names with its refunds (see [`load_records`]).
pub(crate) async fn load_record(
    conn: &impl ConnectionTrait,
    key: &PaymentKey,
    lock: bool,
) -> Result<Option<PaymentRecord>, Failure> {
    Ok(load_records(conn, std::slice::from_ref(key), lock)
        .await?
        .into_iter()
        .next())
}

/// Loads the payments `keys` name, each with its items and refunds, with
/// three statements whatever their number. With `lock`, their rows are
/// locked until the transaction ends (`FOR UPDATE`, in ecommerce-id order
/// so that two batches cannot deadlock; a no-op on SQLite, whose write
/// transactions are exclusive anyway).
pub(crate) async fn load_records(
    conn: &impl ConnectionTrait,
    keys: &[PaymentKey],
    lock: bool,
) -> Result<Vec<PaymentRecord>, Failure> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let (mut ids, mut references, mut refunds) = (Vec::new(), Vec::new(), Vec::new());
    for key in keys {
        match key {
            PaymentKey::Ecommerce(id) => ids.push(id.to_string()),
            PaymentKey::Reference(r) => references.push(r.as_str().to_string()),
            PaymentKey::Refund(r) => refunds.push(r.as_str().to_string()),
        }
    }
    if !refunds.is_empty() {
        ids.extend(refunded_payments(conn, refunds).await?);
    }
    let mut named = Condition::any();
    if !ids.is_empty() {
        named = named.add(payment::Column::EcommerceId.is_in(ids));
    }
    if !references.is_empty() {
        named = named.add(payment::Column::ReferenceNumber.is_in(references));
    }
    let mut select = payment::Entity::find()
        .filter(named)
        .order_by_asc(payment::Column::EcommerceId);
    if lock {
        select = select.lock_exclusive();
    }
    let rows = select
        .all(conn)
        .await
        .map_err(Failure::db("load payments"))?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<String> = rows.iter().map(|r| r.ecommerce_id.clone()).collect();
    let mut items = load_items(conn, &found).await?;
    let mut refunds: HashMap<String, Vec<Refund>> = HashMap::new();
    let refund_rows = refund::Entity::find()
        .filter(refund::Column::EcommerceId.is_in(found))
        .order_by_asc(refund::Column::CreatedAt)
        .order_by_asc(refund::Column::Id)
        .all(conn)
        .await
        .map_err(Failure::db("load payments' refunds"))?;
    for row in refund_rows {
        let id = row.ecommerce_id.clone();
        refunds.entry(id).or_default().push(refund_from_row(row)?);
    }
    rows.into_iter()
        .map(|row| {
            let refunds = refunds.remove(&row.ecommerce_id).unwrap_or_default();
            let items = items.remove(&row.ecommerce_id).unwrap_or_default();
            Ok(PaymentRecord {
                payment: payment_from_rows(row, items)?,
                refunds,
            })
        })
        .collect()
}

/// The ecommerce ids of the payments with a refund of one of these reference numbers.
async fn refunded_payments(
    conn: &impl ConnectionTrait,
    references: Vec<String>,
) -> Result<Vec<String>, Failure> {
    let rows = refund::Entity::find()
        .select_only()
        .column(refund::Column::EcommerceId)
        .filter(refund::Column::ReferenceNumber.is_in(references))
        .into_tuple::<String>()
        .all(conn)
        .await
        .map_err(Failure::db("find refunds by reference number"))?;
    Ok(rows)
}

/// The items of the payments `ids`, in order, by ecommerce id.
async fn load_items(
    conn: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, Vec<payment_item::Model>>, Failure> {
    let mut by_payment: HashMap<String, Vec<payment_item::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_payment);
    }
    let rows = payment_item::Entity::find()
        .filter(payment_item::Column::EcommerceId.is_in(ids.iter().cloned()))
        .order_by_asc(payment_item::Column::EcommerceId)
        .order_by_asc(payment_item::Column::Position)
        .all(conn)
        .await
        .map_err(Failure::db("load payment items"))?;
    for row in rows {
        by_payment
            .entry(row.ecommerce_id.clone())
            .or_default()
            .push(row);
    }
    Ok(by_payment)
}

/// Payments from rows, with their items.
async fn with_items(
    conn: &impl ConnectionTrait,
    rows: Vec<payment::Model>,
) -> Result<Vec<Payment>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.ecommerce_id.clone()).collect();
    let mut items = load_items(conn, &ids).await.map_err(Failure::into_error)?;
    rows.into_iter()
        .map(|row| {
            let own = items.remove(&row.ecommerce_id).unwrap_or_default();
            payment_from_rows(row, own)
        })
        .collect()
}

/// Inserts `payments` and their items, with multi-row statements. A taken
/// ecommerce id is a unique-key race the caller may retry; a taken
/// reference number is not (retrying cannot help).
pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    payments: &[&Payment],
) -> Result<(), Failure> {
    for chunk in payments.chunks(INSERT_CHUNK) {
        let rows = chunk
            .iter()
            .map(|p| Ok(payment_row(p)?.into_active_model().reset_all()))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let Err(err) = payment::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
        else {
            continue;
        };
        let references: Vec<String> = chunk
            .iter()
            .filter_map(|p| p.reference_number.as_ref().map(ToString::to_string))
            .collect();
        if is_unique_violation(&err)
            && err.to_string().contains("reference_number")
            && !references.is_empty()
        {
            return Err(Failure::Fail(StoreError::Duplicate {
                entity: "payment with reference number",
                key: references.join(", "),
            }));
        }
        let ids: Vec<String> = chunk.iter().map(|p| p.ecommerce_id.to_string()).collect();
        return Err(Failure::racing_insert(
            "insert payments",
            "payment",
            ids.join(", "),
        )(err));
    }
    let items = payments
        .iter()
        .map(|p| item_rows(p))
        .collect::<Result<Vec<_>, _>>()?;
    insert_items(conn, items.into_iter().flatten().collect()).await
}

/// Rewrites an existing payment's row, and its items when they changed.
pub(crate) async fn update(
    conn: &impl ConnectionTrait,
    before: &Payment,
    after: &Payment,
) -> Result<(), Failure> {
    if before == after {
        return Ok(());
    }
    let row = payment_row(after)?.into_active_model().reset_all();
    payment::Entity::update_many()
        .set(row)
        .filter(payment::Column::EcommerceId.eq(before.ecommerce_id.to_string()))
        .exec(conn)
        .await
        .map_err(|err| match &after.reference_number {
            Some(reference) if is_unique_violation(&err) => Failure::Fail(StoreError::Duplicate {
                entity: "payment with reference number",
                key: reference.to_string(),
            }),
            _ => Failure::db("update a payment")(err),
        })?;
    if before.items != after.items {
        payment_item::Entity::delete_many()
            .filter(payment_item::Column::EcommerceId.eq(before.ecommerce_id.to_string()))
            .exec(conn)
            .await
            .map_err(Failure::db("replace a payment's items"))?;
        insert_items(conn, item_rows(after)?).await?;
    }
    Ok(())
}

/// Inserts item rows (their ids assigned by the database), with multi-row statements.
async fn insert_items(
    conn: &impl ConnectionTrait,
    rows: Vec<payment_item::Model>,
) -> Result<(), Failure> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let rows = chunk.iter().map(|row| {
            let mut active = row.clone().into_active_model().reset_all();
            active.id = ActiveValue::NotSet;
            active
        });
        payment_item::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
            .map_err(Failure::db("insert payment items"))?;
    }
    Ok(())
}

/// `Store::insert_payment`: one transaction, a taken key is `Duplicate`.
pub(crate) async fn insert_payment(store: &SqlStore, payment: &Payment) -> Result<(), StoreError> {
    struct Insert<'a>(&'a Payment);
    impl Step for Insert<'_> {
        type Output = ();
        async fn run(&self, txn: &sea_orm::DatabaseTransaction) -> Result<(), Failure> {
            insert(txn, &[self.0])
                .await
                .map_err(|failure| match failure {
                    // Not a race to retry: the caller asked for a new payment.
                    retry @ Failure::Retry { .. } => Failure::Fail(retry.into_error()),
                    other => other,
                })
        }
    }
    step::run(store, &Insert(payment)).await
}

/// Up to `limit` payments in `statuses` after `after`, in (created_at,
/// ecommerce_id) order: the keyset page of `Store::payments_in_status`.
pub(crate) async fn in_status(
    conn: &impl ConnectionTrait,
    statuses: &[PaymentStatus],
    after: Option<PaymentCursor>,
    limit: u64,
) -> Result<Vec<Payment>, StoreError> {
    if statuses.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = payment::Entity::find()
        .filter(payment::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    if let Some(cursor) = after {
        // (created_at, ecommerce_id) > cursor, spelled out; the leading
        // `created_at >= at` lets every planner start its range scan of
        // the (status, created_at) index at the cursor.
        let at = time(cursor.created_at);
        let id = cursor.ecommerce_id.to_string();
        select = select.filter(payment::Column::CreatedAt.gte(at)).filter(
            Condition::any()
                .add(payment::Column::CreatedAt.gt(at))
                .add(payment::Column::EcommerceId.gt(id)),
        );
    }
    let rows = select
        .order_by_asc(payment::Column::CreatedAt)
        .order_by_asc(payment::Column::EcommerceId)
        .limit(super::sql_bound(limit))
        .all(conn)
        .await
        .context("list payments by status")?;
    with_items(conn, rows).await
}

/// The admin listing of payments, newest first.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    query: &ListQuery<PaymentStatus>,
) -> Result<Page<Payment>, StoreError> {
    let mut select = payment::Entity::find();
    if let Some(status) = query.status {
        select = select.filter(payment::Column::Status.eq(status.as_str()));
    }
    select = listing::created_between(select, payment::Column::CreatedAt, query);
    if let Some(search) = Search::new(query) {
        select = select.filter(search.matching(
            [
                payment::Column::ReferenceNumber,
                payment::Column::EcommerceId,
                payment::Column::CustomerName,
                payment::Column::CustomerEmail,
                payment::Column::Metadata1,
                payment::Column::Metadata2,
            ],
            Some(payment::Column::CustomerPhone),
        ));
    }
    let select = select
        .order_by_desc(payment::Column::CreatedAt)
        .order_by_desc(payment::Column::EcommerceId);
    let (rows, total) = listing::page(conn, select, query, "list payments").await?;
    Ok(Page {
        items: with_items(conn, rows).await?,
        total,
    })
}
