//! Migration 63: the customers' messages and the cases' logs grow for as long as the bank keeps them (ten
//! years and more), like the audit log. On PostgreSQL both become tables partitioned by month — messages by
//! `created_at_us`, a case's log by `at_us` — so each month's indexes stay a month's size and a month can
//! leave the database whole (detached and dropped or archived), not as millions of DELETEs. Months are made
//! ahead by `log_add_months` (at start and daily, with the audit log's); a DEFAULT partition takes what no
//! month holds, so a write is never refused for want of one. SQLite keeps one table each.
//!
//! A partitioned table's unique indexes must hold its partition key, so `messages.cause_key` can no
//! longer be unique by itself there: the key that makes enqueueing idempotent (one birthday greeting per
//! customer and year) moves to `message_keys`, one row per cause key, on both databases — one way of
//! enqueueing, whatever month a second try falls in.

use super::{Stmt, idx, uuid};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

/// The tables partitioned here, the column their months are cut on, and their keys and indexes as they
/// were (every unique one now holding the month's column).
const TABLES: [(&str, &str, &[&str]); 2] = [
    (
        "messages",
        "created_at_us",
        &[
            "ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY (id, created_at_us)",
            "ALTER TABLE messages ADD CONSTRAINT fk_messages_customer_id FOREIGN KEY (customer_id) \
             REFERENCES customers (id) ON DELETE RESTRICT",
            "CREATE INDEX ix_messages_due ON messages (status, next_attempt_at_us)",
            "CREATE INDEX ix_messages_customer ON messages (customer_id, created_at_us)",
            "CREATE INDEX ix_messages_cause ON messages (cause, status)",
        ],
    ),
    (
        "case_log",
        "at_us",
        &[
            "ALTER TABLE case_log ADD CONSTRAINT case_log_pkey PRIMARY KEY (id, at_us)",
            "ALTER TABLE case_log ADD CONSTRAINT fk_case_log_case_id FOREIGN KEY (case_id) \
             REFERENCES cases (id) ON DELETE RESTRICT",
            "CREATE INDEX ix_case_log_case ON case_log (case_id, at_us)",
        ],
    ),
];

/// The months made ahead of now by the migration (the daily job keeps 400 days ahead).
const AHEAD: &str = "400 days";

/// Now in microseconds, in SQL.
const NOW: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS bigint)";

pub(super) fn v63(s: &mut Vec<Stmt>, kind: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("message_keys")
            .col(
                ColumnDef::new("cause_key")
                    .text()
                    .not_null()
                    .primary_key()
                    .to_owned(),
            )
            .col(uuid("message_id"))
            .to_owned(),
    )));
    // An erasure deletes a customer's keys by their messages' ids.
    s.push(idx(
        "ix_message_keys_message",
        "message_keys",
        &["message_id"],
    ));
    s.push(Stmt::Raw(
        "INSERT INTO message_keys (cause_key, message_id) SELECT cause_key, id FROM messages"
            .to_owned(),
    ));
    // SQLite keeps `ux_messages_cause` too (one table, where it can hold): a second guard of the rule.
    if kind == DbKind::Postgres {
        s.push(Stmt::Raw(add_months_function()));
        for (table, col, keys) in TABLES {
            partition(s, table, col, keys);
        }
    }
}

/// Moves `table` into a table of the same columns partitioned by month of `col`, its rows with it.
fn partition(s: &mut Vec<Stmt>, table: &str, col: &str, keys: &[&str]) {
    let old = format!("{table}_unpartitioned");
    for sql in [
        format!("ALTER TABLE {table} RENAME TO {old}"),
        // The same columns, types, NOT NULLs and defaults; keys and indexes are made below, once the old
        // table (whose constraint and index names they take over) is gone.
        format!("CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS) PARTITION BY RANGE ({col})"),
        format!("CREATE TABLE {table}_default PARTITION OF {table} DEFAULT"),
        format!(
            "SELECT log_add_months('{table}', COALESCE((SELECT MIN({col}) FROM {old}), {NOW}), \
             {NOW} + CAST(EXTRACT(EPOCH FROM INTERVAL '{AHEAD}') * 1000000 AS bigint))"
        ),
        format!("INSERT INTO {table} SELECT * FROM {old}"),
        format!("DROP TABLE {old}"),
    ] {
        s.push(Stmt::Raw(sql));
    }
    for sql in keys {
        s.push(Stmt::Raw((*sql).to_owned()));
    }
}

/// `log_add_months(table, lo_us, hi_us)`: creates every missing month partition of `messages` or
/// `case_log` from `lo_us`'s month up to `hi_us` (`messages_y2026m12`, as the audit log's and the book's
/// are named); returns how many it created. SECURITY DEFINER, like the audit log's — hence the fixed list
/// of tables.
fn add_months_function() -> String {
    months_function(
        "log_add_months(tbl text, lo_us bigint, hi_us bigint)",
        "IF tbl NOT IN ('messages', 'case_log') THEN \
           RAISE EXCEPTION 'log_add_months: % is not a table partitioned by month here', tbl; \
         END IF;",
        "tbl",
    )
}

/// A PL/pgSQL function `signature` that creates every missing month partition of the table named by the
/// SQL expression `table` from `lo_us`'s month up to `hi_us` (`<table>_y2026m12`), after `guard`; returns
/// how many it created. Two nodes may call it at once: the loser of a race skips the month. SECURITY
/// DEFINER: a server connecting as a role that does not own the schema (`banyan audit grants`) may make
/// months, and nothing else, through it. One body for the audit log's (migration 47) and the others'.
pub(super) fn months_function(signature: &str, guard: &str, table: &str) -> String {
    format!(
        "CREATE FUNCTION {signature} RETURNS integer LANGUAGE plpgsql \
         SECURITY DEFINER SET search_path = public AS $$ \
         DECLARE m timestamp; nxt timestamp; made integer := 0; part text; \
         BEGIN \
           {guard} \
           m := date_trunc('month', to_timestamp(lo_us / 1000000.0) AT TIME ZONE 'UTC'); \
           WHILE m < (to_timestamp(hi_us / 1000000.0) AT TIME ZONE 'UTC') LOOP \
             nxt := m + INTERVAL '1 month'; \
             part := {table} || '_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM'); \
             IF to_regclass(part) IS NULL THEN \
               BEGIN \
                 EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)', part, {table}, \
                   CAST(EXTRACT(EPOCH FROM m) * 1000000 AS bigint), \
                   CAST(EXTRACT(EPOCH FROM nxt) * 1000000 AS bigint)); \
                 made := made + 1; \
               EXCEPTION WHEN duplicate_table OR unique_violation THEN NULL; \
               END; \
             END IF; \
             m := nxt; \
           END LOOP; \
           RETURN made; \
         END $$"
    )
}
