//! Column shapes shared by the migrations, the same on every backend:
//! money as BIGINT cents, UUIDs as 36-character strings, times as UTC
//! timestamps with microseconds (`DATETIME(6)` on MySQL, where a plain
//! `TIMESTAMP` would drop them and end in 2038).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::{Alias, ColumnDef, Index, IndexCreateStatement, IntoIden};

/// A UUID key or reference, `VARCHAR(36)`.
pub(super) fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

/// A short identifier such as a reference number or a phone number.
pub(super) fn key(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).to_owned()
}

/// Money in whole cents, exact on every backend.
pub(super) fn cents(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().to_owned()
}

/// Free text of any length.
pub(super) fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().to_owned()
}

/// A UTC instant with microseconds.
pub(super) fn time(backend: DbBackend, col: impl IntoIden) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    match backend {
        DbBackend::MySql => def.custom(Alias::new("DATETIME(6)")),
        _ => def.timestamp_with_time_zone(),
    };
    def
}

/// An index named `name` on `cols` of `table`.
pub(super) fn index<C: IntoIden>(
    name: &str,
    table: impl IntoIden,
    cols: impl IntoIterator<Item = C>,
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}
