//! What migration 63 costs at a bank's size (docs/operations.md, "Upgrade"; docs/benchmarks.md): a
//! PostgreSQL database migrated to 62, filled by SQL with `MESSAGES` messages and `LOGS` case-log entries
//! spread over `MONTHS` months (for `CUSTOMERS` customers and as many cases as customers, rows with every
//! required column filled), then migration 63 timed: the two tables copied into month partitions and the
//! messages' cause keys into `message_keys`. Prints one JSON line per step.
//!
//!   DATABASE_URL=postgres://… MESSAGES=2000000 LOGS=2000000 cargo run --release -p banyan-store \
//!       --example migrate_months

use banyan_store::Db;
use sea_orm::{ConnectionTrait, Statement};
use std::time::Instant;

fn env(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Fills `table` with `n` rows whose required columns without a default get a distinct value of their type
/// (the rows only have to exist for the foreign keys of the rows the migration copies). Foreign keys are
/// triggers, which a replica session skips: the dummy rows' own references point nowhere.
fn dummy_rows(table: &str, n: i64) -> String {
    format!(
        "DO $$ DECLARE cols text; vals text; BEGIN \
           SELECT string_agg(quote_ident(column_name), ', '), \
                  string_agg(CASE WHEN column_name = 'id' THEN 'gen_random_uuid()' \
                                  WHEN data_type = 'uuid' THEN 'gen_random_uuid()' \
                                  WHEN data_type IN ('bigint', 'integer', 'smallint', 'double precision', 'real', 'numeric') THEN '0' \
                                  WHEN data_type = 'boolean' THEN 'false' \
                                  WHEN data_type = 'bytea' THEN 'decode(md5(g::text), ''hex'')' \
                                  ELSE 'g::text' END, ', ') \
             INTO cols, vals \
             FROM information_schema.columns \
            WHERE table_name = '{table}' AND is_nullable = 'NO' AND column_default IS NULL; \
           PERFORM set_config('session_replication_role', 'replica', true); \
           EXECUTE format('INSERT INTO {table} (%s) SELECT %s FROM generate_series(1, {n}) g', cols, vals); \
         END $$"
    )
}

async fn exec(db: &Db, sql: &str) -> Result<(), Box<dyn std::error::Error>> {
    db.conn
        .execute_raw(Statement::from_string(db.conn.get_database_backend(), sql))
        .await?;
    Ok(())
}

fn say(v: serde_json::Value) {
    println!("{v}");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")?;
    let messages = env("MESSAGES", 1_000_000);
    let logs = env("LOGS", 1_000_000);
    let months = env("MONTHS", 24);
    let customers = env("CUSTOMERS", 100_000);
    let db = Db::connect(&url, 2).await?;
    banyan_store::migrate::run_through(&db, 62).await?;

    let t = Instant::now();
    exec(&db, &dummy_rows("customers", customers)).await?;
    exec(&db, &dummy_rows("cases", customers)).await?;
    // Months back from now, evenly; each row names one of the customers / cases.
    let span = format!("{months} * 30 * 86400000000");
    let now = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS bigint)";
    exec(
        &db,
        &format!(
            "WITH c AS (SELECT id, row_number() OVER () AS k FROM customers) \
             INSERT INTO messages (id, customer_id, channel, purpose, cause, cause_key, lang, subject, body, \
               status, reason, attempts, next_attempt_at_us, claimed_until_us, created_at_us, sent_at_us) \
             SELECT gen_random_uuid(), c.id, 'sms', 'service', 'greeting.birthday', 'key:' || g, 'zh-CN', NULL, \
               '尊敬的客户，祝您生日快乐！', 'sent', NULL, 1, t, NULL, t, t \
             FROM generate_series(1, {messages}) g \
             CROSS JOIN LATERAL (SELECT {now} - CAST(CAST({span} AS numeric) * g / {messages} AS bigint) AS t) tt \
             JOIN c ON c.k = 1 + g % {customers}"
        ),
    )
    .await?;
    exec(
        &db,
        &format!(
            "WITH c AS (SELECT id, row_number() OVER () AS k FROM cases) \
             INSERT INTO case_log (id, case_id, at_us, actor_id, action, note, detail) \
             SELECT gen_random_uuid(), c.id, {now} - CAST(CAST({span} AS numeric) * g / {logs} AS bigint), NULL, 'note', '已致电客户', '{{}}' \
             FROM generate_series(1, {logs}) g JOIN c ON c.k = 1 + g % {customers}"
        ),
    )
    .await?;
    exec(&db, "VACUUM ANALYZE").await?;
    exec(&db, "CHECKPOINT").await?;
    say(
        serde_json::json!({"step": "fill", "messages": messages, "case_log": logs, "months": months,
        "s": t.elapsed().as_secs_f64()}),
    );

    let t = Instant::now();
    banyan_store::migrate::run_through(&db, 63).await?;
    let took = t.elapsed().as_secs_f64();
    // Nothing lost: every row is in the partitioned table, in a month (none in a default partition), and
    // every message's key is kept.
    let mut kept = serde_json::Map::new();
    for table in [
        "messages",
        "case_log",
        "message_keys",
        "messages_default",
        "case_log_default",
    ] {
        let row = db
            .conn
            .query_one_raw(Statement::from_string(
                db.conn.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await?
            .ok_or("no count")?;
        kept.insert(table.into(), row.try_get_by_index::<i64>(0)?.into());
    }
    let parts = db
        .conn
        .query_one_raw(Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT COUNT(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
             WHERE p.relname IN ('messages', 'case_log')",
        ))
        .await?
        .ok_or("no count")?
        .try_get_by_index::<i64>(0)?;
    say(
        serde_json::json!({"step": "migration 63", "messages": messages, "case_log": logs,
        "s": took, "kept": kept, "partitions": parts}),
    );
    Ok(())
}
