//! Migration 17: transactions and channel events, append-only. On PostgreSQL both are partitioned by month
//! of `at_us` (the loader makes the months it needs; retention drops whole months); on SQLite they are
//! plain tables with the same columns and indexes.

use super::{Stmt, boolean, idx, text, text_null, uidx, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

fn bigint(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

pub(super) fn v17(s: &mut Vec<Stmt>, kind: DbKind) {
    match kind {
        DbKind::Postgres => {
            s.push(Stmt::Raw(
                "CREATE TABLE transactions (source text NOT NULL, tx_id text NOT NULL, \
                 account_id uuid NOT NULL, customer_id uuid NOT NULL, at_us bigint NOT NULL, \
                 amount bigint NOT NULL, currency text NOT NULL, amount_cny bigint NOT NULL, \
                 direction text NOT NULL, channel text NOT NULL, counterparty text NOT NULL, \
                 category text NULL, cash bool NOT NULL, cross_border bool NOT NULL, \
                 description text NULL, load_id uuid NOT NULL) PARTITION BY RANGE (at_us)"
                    .into(),
            ));
            s.push(Stmt::Raw(
                "CREATE TABLE channel_events (source text NOT NULL, event_id text NOT NULL, \
                 customer_id uuid NOT NULL, at_us bigint NOT NULL, kind text NOT NULL, \
                 product text NULL, load_id uuid NOT NULL) PARTITION BY RANGE (at_us)"
                    .into(),
            ));
        }
        DbKind::Sqlite => {
            s.push(Stmt::Table(Box::new(
                Table::create()
                    .table("transactions")
                    .col(text("source"))
                    .col(text("tx_id"))
                    .col(uuid("account_id"))
                    .col(uuid("customer_id"))
                    .col(bigint("at_us"))
                    .col(bigint("amount"))
                    .col(text("currency"))
                    .col(bigint("amount_cny"))
                    .col(text("direction"))
                    .col(text("channel"))
                    .col(text("counterparty"))
                    .col(text_null("category"))
                    .col(boolean("cash"))
                    .col(boolean("cross_border"))
                    .col(text_null("description"))
                    .col(uuid("load_id"))
                    .to_owned(),
            )));
            s.push(Stmt::Table(Box::new(
                Table::create()
                    .table("channel_events")
                    .col(text("source"))
                    .col(text("event_id"))
                    .col(uuid("customer_id"))
                    .col(bigint("at_us"))
                    .col(text("kind"))
                    .col(text_null("product"))
                    .col(uuid("load_id"))
                    .to_owned(),
            )));
        }
    }
    // (source, id) is checked before a write, on both backends alike: a unique index on a partitioned
    // table would have to include the month, and a resent record's time is not the key.
    s.push(idx(
        "ix_transactions_source_id",
        "transactions",
        &["source", "tx_id"],
    ));
    s.push(idx(
        "ix_transactions_customer_at",
        "transactions",
        &["customer_id", "at_us"],
    ));
    s.push(idx(
        "ix_transactions_account_at",
        "transactions",
        &["account_id", "at_us"],
    ));
    s.push(idx(
        "ix_channel_events_source_id",
        "channel_events",
        &["source", "event_id"],
    ));
    s.push(idx(
        "ix_channel_events_customer_at",
        "channel_events",
        &["customer_id", "at_us"],
    ));
}

/// Migration 49: a record of a feed is unique by (source, id, instant). The load checks (source, id) before
/// it writes, outside its write transaction (pipelined); two loads of the same records at the same moment
/// could both pass that check, and the unique index makes the second insert skip them. The instant is part
/// of the key because a unique index on a partitioned table must hold its partition key; a record resent
/// with another instant is still caught by the check.
pub(super) fn v49(s: &mut Vec<Stmt>, _: DbKind) {
    s.push(Stmt::Raw(
        "DROP INDEX IF EXISTS ix_transactions_source_id".into(),
    ));
    s.push(uidx(
        "ux_transactions_source_id",
        "transactions",
        &["source", "tx_id", "at_us"],
    ));
    s.push(Stmt::Raw(
        "DROP INDEX IF EXISTS ix_channel_events_source_id".into(),
    ));
    s.push(uidx(
        "ux_channel_events_source_id",
        "channel_events",
        &["source", "event_id", "at_us"],
    ));
}
