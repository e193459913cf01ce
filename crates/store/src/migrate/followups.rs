//! Migration 21: the follow-up of what the book tells. An insight may open a task (`insights.task_id`), so
//! the insight report can count the follow-ups; a transactions load is marked once its rows were monitored
//! (`book_loads.monitored_at_us`), so rows committed by a load whose node stopped before monitoring are
//! picked up by the sweep instead of never being looked at.

use super::{Stmt, alter as raw, bigint_null, idx, uuid_null};
use crate::db::DbKind;
use sea_orm::sea_query::Table;

pub(super) fn v21(s: &mut Vec<Stmt>, kind: DbKind) {
    s.push(raw(
        kind,
        Table::alter()
            .table("insights")
            .add_column(uuid_null("task_id"))
            .to_owned(),
    ));
    s.push(raw(
        kind,
        Table::alter()
            .table("book_loads")
            .add_column(bigint_null("monitored_at_us"))
            .to_owned(),
    ));
    // The sweep reads a load's transactions by the load (on PostgreSQL the index is made on every month).
    s.push(idx("ix_transactions_load", "transactions", &["load_id"]));
    s.push(idx(
        "ix_book_loads_monitored",
        "book_loads",
        &["kind", "monitored_at_us"],
    ));
}

/// Migration 22: the transactions loads made before monitoring marked them were read when they ran (or, for
/// the ones before monitoring existed, never will be: their days are past), so they are marked now — without
/// this the `book.monitor` sweep would read every old load again as if it were new.
pub(super) fn v22(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Raw(
        "UPDATE book_loads SET monitored_at_us = COALESCE(finished_at_us, created_at_us) \
         WHERE monitored_at_us IS NULL AND status <> 'running'"
            .into(),
    ));
}
