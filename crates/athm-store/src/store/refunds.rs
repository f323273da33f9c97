//! Refund listings.

use athm_domain::ports::{ListQuery, Page, StoreError};
use athm_domain::{Refund, RefundStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::error::Context;
use super::listing::{self, Search};
use crate::convert::refund_from_row;
use crate::entities::refund::{Column, Entity};

/// Refunds still pending, oldest first.
pub(crate) async fn pending(conn: &impl ConnectionTrait) -> Result<Vec<Refund>, StoreError> {
    Entity::find()
        .filter(Column::Status.eq(RefundStatus::Pending.as_str()))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(conn)
        .await
        .context("list pending refunds")?
        .into_iter()
        .map(refund_from_row)
        .collect()
}

/// The admin listing of refunds, newest first.
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    query: &ListQuery<RefundStatus>,
) -> Result<Page<Refund>, StoreError> {
    let mut select = Entity::find();
    if let Some(status) = query.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    select = listing::created_between(select, Column::CreatedAt, query);
    if let Some(search) = Search::new(query) {
        select = select.filter(search.matching(
            [
                Column::ReferenceNumber,
                Column::EcommerceId,
                Column::CustomerName,
                Column::CustomerEmail,
                Column::Message,
            ],
            Some(Column::CustomerPhone),
        ));
    }
    let select = select
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id);
    let (rows, total) = listing::page(conn, select, query, "list refunds").await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(refund_from_row)
            .collect::<Result<_, _>>()?,
        total,
    })
}
