//! `clients` rows.

use athm_domain::Client;
use athm_domain::ports::StoreError;

use super::{parse, time};
use crate::entities::client;

/// The row of `client`.
pub(crate) fn client_row(c: &Client) -> client::Model {
    client::Model {
        phone: c.phone.as_str().to_string(),
        name: c.name.clone(),
        email: c.email.clone(),
        created_at: time(c.created_at),
        updated_at: time(c.updated_at),
    }
}

/// A client from its row.
pub(crate) fn client_from_row(row: client::Model) -> Result<Client, StoreError> {
    Ok(Client {
        phone: parse("clients", &row.phone, "phone", &row.phone)?,
        name: row.name,
        email: row.email,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
