//! Clients: the race-free merge, loading and the listing.

use std::collections::HashMap;

use athm_domain::ports::{ListQuery, NoStatus, Page, StoreError};
use athm_domain::{Client, ClientUpdate, PhoneNumber};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

use super::INSERT_CHUNK;
use super::error::Context;
use super::listing::{self, Search};
use super::step::{Failure, Step};
use crate::convert::{client_from_row, client_row};
use crate::entities::client::{Column, Entity};

/// Merges each `(update, at)`, in order, into the client with its phone
/// (creating it at `at`), with the rows locked; returns the merged clients,
/// one per phone, in the order first met. One statement to load them all,
/// one multi-row insert for the new ones, one update per changed one. Two
/// steps creating one client race on the key: the loser is retried and merges.
pub(crate) async fn merge_clients(
    conn: &impl ConnectionTrait,
    updates: &[(&ClientUpdate, DateTime<Utc>)],
) -> Result<Vec<Client>, Failure> {
    if updates.is_empty() {
        return Ok(Vec::new());
    }
    let phones: Vec<&str> = updates.iter().map(|(u, _)| u.phone.as_str()).collect();
    let rows = Entity::find()
        .filter(Column::Phone.is_in(phones))
        .order_by_asc(Column::Phone)
        .lock_exclusive()
        .all(conn)
        .await
        .map_err(Failure::db("load clients"))?;
    let mut known = HashMap::with_capacity(rows.len());
    for row in rows {
        known.insert(row.phone.clone(), client_from_row(row)?);
    }
    // Per phone, in the order first met: the client and whether it is new or changed.
    let mut merged: Vec<(Client, Change)> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for (update, at) in updates {
        match position.get(update.phone.as_str()) {
            Some(&i) => {
                let (client, change) = &mut merged[i];
                if client.merge(update, *at) && *change == Change::None {
                    *change = Change::Updated;
                }
            }
            None => {
                position.insert(update.phone.as_str(), merged.len());
                merged.push(match known.remove(update.phone.as_str()) {
                    Some(mut client) => {
                        let change = if client.merge(update, *at) {
                            Change::Updated
                        } else {
                            Change::None
                        };
                        (client, change)
                    }
                    None => (Client::new(update, *at), Change::Created),
                });
            }
        }
    }
    let created: Vec<&Client> = merged
        .iter()
        .filter(|(_, change)| *change == Change::Created)
        .map(|(client, _)| client)
        .collect();
    for chunk in created.chunks(INSERT_CHUNK) {
        let rows = chunk
            .iter()
            .map(|c| client_row(c).into_active_model().reset_all());
        Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
            .map_err(|err| {
                let phones: Vec<&str> = chunk.iter().map(|c| c.phone.as_str()).collect();
                Failure::racing_insert("insert clients", "client", phones.join(", "))(err)
            })?;
    }
    for (client, change) in &merged {
        if *change == Change::Updated {
            Entity::update_many()
                .set(client_row(client).into_active_model().reset_all())
                .filter(Column::Phone.eq(client.phone.as_str()))
                .exec(conn)
                .await
                .map_err(Failure::db("update a client"))?;
        }
    }
    Ok(merged.into_iter().map(|(client, _)| client).collect())
}

/// What a merge does to a client's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    None,
    Created,
    Updated,
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
        merge_clients(txn, &[(self.update, self.at)])
            .await?
            .pop()
            .ok_or_else(|| Failure::Fail(StoreError::Corrupt("a merged client vanished".into())))
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
    query: &ListQuery<NoStatus>,
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
