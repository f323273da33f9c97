//! One `athm serve` per SQLite file. Two services on one file would both
//! run the workers and the in-process sandbox's ledger beside it, and
//! SQLite takes one writer at a time: the second is refused at start, by
//! an exclusive lock on a file beside the database (`athm.db.lock`), held
//! until the service stops (the operating system releases it if the
//! process dies). The CLI's other commands (`sync`, `refund`…) do not take
//! it: they may run beside a service. Several instances need PostgreSQL
//! or MySQL.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use crate::AppError;

/// The file of a SQLite database URL (`sqlite://dir/athm.db?mode=rwc` →
/// `dir/athm.db`); `None` for an in-memory SQLite database or another database.
pub(crate) fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// The lock of a running `athm serve` on its SQLite file (nothing for
/// another database); released when dropped.
#[derive(Debug)]
pub(crate) struct ServeLock {
    _file: Option<File>,
}

impl ServeLock {
    /// Takes the lock of the SQLite file `database_url` names.
    ///
    /// # Errors
    /// [`AppError::DatabaseInUse`] while another `athm serve` holds it;
    /// [`AppError::Config`] when the lock file cannot be created.
    pub(crate) fn acquire(database_url: &str) -> Result<Self, AppError> {
        let Some(database) = sqlite_file(database_url) else {
            return Ok(Self { _file: None });
        };
        // One lock per file, however it is named (a relative path, a symlink).
        let folder = match database.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let Ok(folder) = folder.canonicalize() else {
            // No such folder: opening the database says so, naming it.
            return Ok(Self { _file: None });
        };
        let database = match database.file_name() {
            Some(name) => folder.join(name),
            None => database,
        };
        let database = database.canonicalize().unwrap_or(database);
        let path = lock_path(&database);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| {
                AppError::Config(format!(
                    "cannot create {} beside the SQLite database: {e}; check the folder is writable",
                    path.display()
                ))
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: Some(file) }),
            Err(TryLockError::WouldBlock) => Err(AppError::DatabaseInUse { path: database }),
            Err(TryLockError::Error(e)) => Err(AppError::Config(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }
}

/// `dir/athm.db` → `dir/athm.db.lock`.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sqlite_url_names_its_file_and_other_databases_none() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/athm/athm.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/athm/athm.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:data/athm.db"),
            Some(PathBuf::from("data/athm.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://file?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://localhost/athm"), None);
    }

    #[test]
    fn a_second_lock_on_one_file_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("a folder");
        let url = format!("sqlite://{}/athm.db?mode=rwc", dir.path().display());
        let first = ServeLock::acquire(&url).expect("the first service locks");
        let second = ServeLock::acquire(&url);
        assert!(
            matches!(&second, Err(AppError::DatabaseInUse { path }) if path.ends_with("athm.db")),
            "{second:?}"
        );
        drop(first);
        ServeLock::acquire(&url).expect("free again once the first stops");
    }
}
