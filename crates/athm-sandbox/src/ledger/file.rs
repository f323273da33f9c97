//! The ledger file: the books as JSON, so that a sandbox restarted on the
//! same file still knows its payments (a refund after a restart works).
//! Written after each change to a temporary file then renamed over the old
//! one, so a crash leaves either the old or the new books, never half.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Books;
use crate::model::{Payment, Refund};

/// Why the ledger file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerFileError {
    /// Reading or writing the file failed.
    #[error("ledger file {path}: I/O failed")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a ledger this sandbox wrote.
    #[error("ledger file {path} is not a sandbox ledger")]
    Format {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// One business's daily transaction counter on one Puerto Rico day.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DailyCount {
    public_token: String,
    day: NaiveDate,
    count: u32,
}

/// What the file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Snapshot {
    version: u32,
    /// The key that signs auth tokens, hex: tokens issued before a restart
    /// stay valid after it.
    pub(crate) token_key: String,
    payments: Vec<Payment>,
    refunds: Vec<Refund>,
    daily: Vec<DailyCount>,
}

const VERSION: u32 = 1;

impl Snapshot {
    pub(crate) fn of(books: &Books, token_key: &str) -> Self {
        Self {
            version: VERSION,
            token_key: token_key.to_owned(),
            payments: books
                .order
                .iter()
                .filter_map(|id| books.payments.get(id).cloned())
                .collect(),
            refunds: books.refunds.clone(),
            daily: books
                .daily
                .iter()
                .map(|((public_token, day), count)| DailyCount {
                    public_token: public_token.clone(),
                    day: *day,
                    count: *count,
                })
                .collect(),
        }
    }

    pub(crate) fn into_books(self) -> Books {
        Books {
            order: self.payments.iter().map(|p| p.ecommerce_id).collect(),
            payments: self
                .payments
                .into_iter()
                .map(|p| (p.ecommerce_id, p))
                .collect(),
            refunds: self.refunds,
            daily: self
                .daily
                .into_iter()
                .map(|d| ((d.public_token, d.day), d.count))
                .collect::<HashMap<_, _>>(),
            changed: false,
        }
    }
}

/// Reads the file; `None` when it does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<Snapshot>, LedgerFileError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LedgerFileError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| LedgerFileError::Format {
            path: path.to_owned(),
            source,
        })
}

/// Writes the file atomically: a temporary file beside it, synced, then
/// renamed over it.
pub(crate) fn save(path: &Path, snapshot: &Snapshot) -> Result<(), LedgerFileError> {
    let io = |source| LedgerFileError::Io {
        path: path.to_owned(),
        source,
    };
    let bytes = serde_json::to_vec_pretty(snapshot).map_err(|source| LedgerFileError::Format {
        path: path.to_owned(),
        source,
    })?;
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    let mut file = std::fs::File::create(&temp).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&temp, path).map_err(io)
}
