//! Migration 23: a feed file is loaded as a job on the server. The file is kept (encrypted) with its load
//! until the load ends, and the runner holds a lease on the load that each chunk renews (`node`,
//! `lease_until_us`): when its process ends, the `book.resume` job hands the load to another runner, which
//! goes on after the last committed chunk.

use super::{Stmt, alter as raw, bigint_null, id, text_null};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

pub(super) fn v23(s: &mut Vec<Stmt>, kind: DbKind) {
    // SQLite adds one column per ALTER.
    s.push(raw(
        kind,
        Table::alter()
            .table("book_loads")
            .add_column(text_null("node"))
            .to_owned(),
    ));
    s.push(raw(
        kind,
        Table::alter()
            .table("book_loads")
            .add_column(bigint_null("lease_until_us"))
            .to_owned(),
    ));
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("book_load_files")
            .col(id("load_id"))
            .col(ColumnDef::new("data").blob().not_null().to_owned())
            .to_owned(),
    )));
}
