//! Clients: the race-free merge, loading and the listing.

use athm_domain::ports::{ListQuery, Page, StoreError};
use athm_domain::{Client, ClientUpdate, PhoneNumber};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use super::error::Context;
use super::listing::{self, Search};
use super::step::{Failure, Step};
use crate::convert::{client_from_row, client_row};
use crate::entities::client::{Column, Entity};

/// Merges `update` into the client with its phone (creating it at `at`),
/// with the row locked. Two steps creating one client race on the key: the
/// loser is retried and merges.
pub(crate) async fn merge_client(
    conn: &impl ConnectionTrait,
    update: &ClientUpdate,
    at: DateTime<Utc>,
) -> Result<Client, Failure> {
    let phone = update.phone.as_str();
    let existing = Entity::find_by_id(phone)
        .lock_exclusive()
        .one(conn)
        .await
        .map_err(Failure::db("load a client"))?;
    match existing {
        Some(row) => {
            let mut client = client_from_row(row)?;
            if client.merge(update, at) {
                Entity::update_many()
                    .set(client_row(&client).into_active_model().reset_all())
                    .filter(Column::Phone.eq(phone))
                    .exec(conn)
                    .await
                    .map_err(Failure::db("update a client"))?;
            }
            Ok(client)
        }
        None => {
            let client = Client::new(update, at);
            Entity::insert(client_row(&client).into_active_model().reset_all())
                .exec_without_returning(conn)
                .await
                .map_err(Failure::racing_insert(
                    "insert a client",
                    "client",
                    phone.to_string(),
                ))?;
            Ok(client)
        }
    }
}

/// The step behind `Store::upsert_client`.
pub(crate) struct UpsertClient<'a> {
    /// What we learnt of the customer.
    pub(crate) update: &'a ClientUpdate,
    /// When.
    pub(crate) at: DateTime<Utc>,
}

impl Step for UpsertClient<'_> {
    type Output = Client;

    async fn run(&self, txn: &DatabaseTransaction) -> Result<Client, Failure> {
        merge_client(txn, self.update, self.at).await
    }
}

/// Loads a client by phone.
pub(crate) async fn client(
    conn: &impl ConnectionTrait,
    phone: &PhoneNumber,
) -> Result<Option<Client>, StoreError> {
    Entity::find_by_id(phone.as_str())
        .one(conn)
        .await
        .context("load a client")?
        .map(client_from_row)
        .transpose()
}

/// The admin listing of clients, newest first (the status filter does not apply).
pub(crate) async fn list(
    conn: &impl ConnectionTrait,
    query: &ListQuery,
) -> Result<Page<Client>, StoreError> {
    let mut select = listing::created_between(Entity::find(), Column::CreatedAt, query);
    if let Some(search) = Search::new(query) {
        select = select.filter(search.matching([Column::Name, Column::Email], Some(Column::Phone)));
    }
    let select = select
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Phone);
    let (rows, total) = listing::page(conn, select, query, "list clients").await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(client_from_row)
            .collect::<Result<_, _>>()?,
        total,
    })
}
