//! Migration 12: the customer search index — the terms a name can be found by (its suffixes, pinyin and
//! initials) and the keyed tails of its mobile numbers, each with the customer's branch and RM so that a
//! search is scoped inside the index.

use super::{Stmt, idx, text, uidx, uuid, uuid_null};
use crate::db::DbKind;
use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder, Table};

pub(super) fn v12(s: &mut Vec<Stmt>, kind: DbKind) {
    let mut term = text("term");
    if kind == DbKind::Postgres {
        // Byte-order collation so that prefix ranges (term >= 'ab' AND term < 'ab\u{10FFFF}') use the index.
        term.extra("COLLATE \"C\"");
    }
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("customer_terms")
            .col(uuid("customer_id"))
            .col(term)
            .col(text("branch_code"))
            .col(uuid_null("rm_id"))
            .to_owned(),
    )));
    s.push(uidx(
        "ux_customer_terms",
        "customer_terms",
        &["customer_id", "term"],
    ));
    // One index per scope a search runs in: the whole bank, a branch, an RM's book.
    s.push(idx(
        "ix_customer_terms_term",
        "customer_terms",
        &["term", "customer_id"],
    ));
    s.push(idx(
        "ix_customer_terms_branch",
        "customer_terms",
        &["branch_code", "term", "customer_id"],
    ));
    s.push(idx(
        "ix_customer_terms_rm",
        "customer_terms",
        &["rm_id", "term", "customer_id"],
    ));
}

/// Migration 13: a staff notice may be about a customer (verified, returned, a case registered about them),
/// so the notice links to the customer as case notices link to their case.
pub(super) fn v13(s: &mut Vec<Stmt>, kind: DbKind) {
    // The same column type sea-query gives a UUID column on each backend (as in every other table).
    let alter = Table::alter()
        .table("staff_notices")
        .add_column(uuid_null("customer_id"))
        .to_owned();
    s.push(Stmt::Raw(match kind {
        DbKind::Postgres => alter.to_string(PostgresQueryBuilder),
        DbKind::Sqlite => alter.to_string(SqliteQueryBuilder),
    }));
}
