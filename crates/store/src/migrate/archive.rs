//! Migration 47: the audit log grows for ten years and more (AML records ≥ 10 years). On PostgreSQL it
//! becomes a table partitioned by month of `at_us` (UTC), so each month's indexes stay the size of a month
//! and a closed month leaves the database as one partition (`banyan audit archive`), not as ten million
//! DELETEs. Months are created ahead by `audit_log_add_months` (at start and daily); a DEFAULT partition
//! takes what no month holds, so a write is never refused for want of one. SQLite keeps one table (a bank
//! that outgrows one file moves to PostgreSQL). Both keep `audit_archives`, the catalogue of archived months:
//! which positions of the chain each file holds and the chain value at each end, so `audit verify` can
//! step over an archived range, or check it from the files.

use super::{Stmt, bigint, text};
use crate::db::DbKind;
use sea_orm::sea_query::{ColumnDef, Table};

/// The months the partitioning step creates ahead of now.
const AHEAD: &str = "400 days";

pub(super) fn v47(s: &mut Vec<Stmt>, kind: DbKind) {
    s.push(Stmt::Table(Box::new(
        Table::create()
            .table("audit_archives")
            // `YYYY-MM` (UTC), one file per month.
            .col(ColumnDef::new("month").text().not_null().primary_key())
            .col(text("file"))
            .col(bigint("records"))
            .col(text("sha256"))
            // JSON: the runs of consecutive positions the file holds, each with the chain value before its
            // first record and at its last: `[{"from", "to", "prev", "hash"}, …]`.
            .col(text("ranges"))
            .col(bigint("archived_at_us"))
            // The row's MAC under the audit key: verify steps over a run only on a row the key vouches for
            // (whoever holds the database could otherwise delete records and describe them as archived).
            .col(text("mac"))
            .to_owned(),
    )));
    if kind == DbKind::Postgres {
        partition_audit_log(s);
    }
}

fn partition_audit_log(s: &mut Vec<Stmt>) {
    let cols = "id, seq, at_us, actor_id, actor, action, entity, entity_id, customer_id, detail, \
                prev_hash, hash, mac";
    for sql in [
        "ALTER TABLE audit_log RENAME TO audit_log_unpartitioned".to_owned(),
        "CREATE TABLE audit_log (id uuid NOT NULL, seq bigint, at_us bigint NOT NULL, actor_id uuid, \
         actor text NOT NULL, action text NOT NULL, entity text NOT NULL, entity_id text, customer_id uuid, \
         detail text NOT NULL, prev_hash text, hash text, mac text) PARTITION BY RANGE (at_us)"
            .to_owned(),
        "CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT".to_owned(),
        add_months_function(),
        format!(
            "SELECT audit_log_add_months(COALESCE((SELECT MIN(at_us) FROM audit_log_unpartitioned), {NOW}), \
             {NOW} + CAST(EXTRACT(EPOCH FROM INTERVAL '{AHEAD}') * 1000000 AS bigint))"
        ),
        format!("INSERT INTO audit_log ({cols}) SELECT {cols} FROM audit_log_unpartitioned"),
        // Its guard triggers go with it; the guard function stays for the new table.
        "DROP TABLE audit_log_unpartitioned".to_owned(),
        // Every unique index of a partitioned table holds the partition key: a record is `(id, at_us)`, a
        // place in the chain `(seq, at_us)`. Two records at one place are still caught: verify walks the
        // chain by `seq` and the second is a gap.
        "ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id, at_us)".to_owned(),
        "CREATE UNIQUE INDEX ux_audit_seq ON audit_log (seq, at_us)".to_owned(),
        "CREATE INDEX ix_audit_customer ON audit_log (customer_id, at_us)".to_owned(),
        "CREATE INDEX ix_audit_actor ON audit_log (actor_id, at_us)".to_owned(),
        "CREATE INDEX ix_audit_at ON audit_log (at_us)".to_owned(),
        "CREATE INDEX ix_audit_unsealed ON audit_log (at_us, id) WHERE seq IS NULL".to_owned(),
        "CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log \
         FOR EACH ROW EXECUTE FUNCTION audit_log_guard()"
            .to_owned(),
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
         FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard()"
            .to_owned(),
    ] {
        s.push(Stmt::Raw(sql));
    }
}

/// Now in microseconds, in SQL.
const NOW: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS bigint)";

/// `audit_log_add_months(lo_us, hi_us)`: creates every missing month partition of the audit log from
/// `lo_us`'s month up to `hi_us`; returns how many it created (see `months_function`).
fn add_months_function() -> String {
    super::months::months_function(
        "audit_log_add_months(lo_us bigint, hi_us bigint)",
        "",
        "'audit_log'",
    )
}
