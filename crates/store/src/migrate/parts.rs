//! The parts the migration steps are made of: columns, indexes, foreign keys and backend-worded
//! `ALTER TABLE`s.

use super::Stmt;
use crate::db::DbKind;
use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Index,
};

pub(super) fn id(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}
pub(super) fn uuid(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}
pub(super) fn uuid_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().null().to_owned()
}
pub(super) fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}
pub(super) fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}
pub(super) fn bigint(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}
pub(super) fn bigint_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}
pub(super) fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}
pub(super) fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().to_owned()
}
pub(super) fn boolean(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().to_owned()
}
pub(super) fn blob(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).var_binary(4096).not_null().to_owned()
}
/// An `ALTER TABLE` in the backend's words (SQLite adds one column per statement).
pub(super) fn alter(kind: DbKind, alter: sea_orm::sea_query::TableAlterStatement) -> Stmt {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
    Stmt::Raw(match kind {
        DbKind::Postgres => alter.to_string(PostgresQueryBuilder),
        DbKind::Sqlite => alter.to_string(SqliteQueryBuilder),
    })
}
pub(super) fn idx(name: &'static str, table: &'static str, cols: &[&'static str]) -> Stmt {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(*c);
    }
    Stmt::Index(Box::new(i.to_owned()))
}
pub(super) fn uidx(name: &'static str, table: &'static str, cols: &[&'static str]) -> Stmt {
    let mut i = Index::create();
    i.name(name).table(table).unique();
    for c in cols {
        i.col(*c);
    }
    Stmt::Index(Box::new(i.to_owned()))
}
pub(super) fn fk(
    table: &'static str,
    col: &'static str,
    to: &'static str,
) -> ForeignKeyCreateStatement {
    let mut f = ForeignKey::create();
    f.name(format!("fk_{table}_{col}"))
        .from(table, col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict);
    f
}
