//! Transactions and channel events: append-only, one row per (source, id), read by customer and time. On
//! PostgreSQL both tables are partitioned by month of `at_us` ([`ensure_months`] makes the partitions a load
//! needs; [`drop_months_before`] drops whole months past their retention).

use crate::db::{Db, DbKind};
use crate::error::Result;
use crate::table;
use banyan_domain::book::activity::{
    ActivityFigures, Counterparty, Direction, EventKind, TxCategory, TxChannel,
};
use banyan_domain::ids::CustomerId;
use banyan_domain::money::Currency;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, Statement};
use std::collections::HashSet;
use uuid::Uuid;

crate::enum_col!(Direction, TxChannel, Counterparty, TxCategory, EventKind);

crate::table! {
    /// One transaction.
    pub struct TransactionRow in "transactions" {
        pub source: String,
        pub tx_id: String,
        pub account_id: Uuid,
        pub customer_id: CustomerId,
        pub at_us: i64,
        pub amount: i64,
        pub currency: Currency,
        /// The amount in CNY fen at the policy's reference rate when it was loaded.
        pub amount_cny: i64,
        pub direction: Direction,
        pub channel: TxChannel,
        pub counterparty: Counterparty,
        pub category: Option<TxCategory>,
        pub cash: bool,
        pub cross_border: bool,
        pub description: Option<String>,
        pub load_id: Uuid,
    }
}

crate::table! {
    /// One digital-banking event.
    pub struct EventRow in "channel_events" {
        pub source: String,
        pub event_id: String,
        pub customer_id: CustomerId,
        pub at_us: i64,
        pub kind: EventKind,
        pub product: Option<String>,
        pub load_id: Uuid,
    }
}

/// The partitioned tables and the column their months are cut on.
pub const PARTITIONED: [&str; 2] = ["transactions", "channel_events"];

/// `table_y2026m11`: the partition of a month.
fn partition_name(table: &str, year: i16, month: i8) -> String {
    format!("{table}_y{year:04}m{month:02}")
}

/// Makes sure the monthly partitions of `table` exist for these months (year, month, first and end instant
/// in µs); nothing to do on SQLite. Run outside the load's transactions (DDL), before its rows.
pub async fn ensure_months(
    db: &Db,
    table: &'static str,
    months: &[(i16, i8, i64, i64)],
) -> Result<()> {
    each_month(db, table, months, |name, from, to| {
        format!("CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} FOR VALUES FROM ({from}) TO ({to})")
    })
    .await
}

/// Runs one statement per month's partition of `table` (named for the partition and given the month's
/// first and end instant); nothing to do on SQLite or for a table that is not partitioned.
async fn each_month(
    db: &Db,
    table: &'static str,
    months: &[(i16, i8, i64, i64)],
    statement: impl Fn(&str, i64, i64) -> String,
) -> Result<()> {
    if db.kind != DbKind::Postgres || !PARTITIONED.contains(&table) {
        return Ok(());
    }
    for (y, m, from, to) in months {
        let name = partition_name(table, *y, *m);
        let sql = statement(&name, *from, *to);
        let done = db
            .conn
            .execute_raw(Statement::from_string(db.conn.get_database_backend(), sql))
            .await;
        if let Err(e) = done {
            // Two loads making the same month at once: `IF NOT EXISTS` is decided before the parent's lock
            // is taken, so the second fails once the first has made it. The month being there is the goal.
            if !partition_exists(db, &name).await? {
                return Err(e.into());
            }
        }
    }
    Ok(())
}

async fn partition_exists(db: &Db, name: &str) -> Result<bool> {
    let row = db
        .conn
        .query_one_raw(Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT to_regclass($1) IS NOT NULL",
            [name.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<bool>(0)?,
        None => false,
    })
}

/// Refreshes the planner's statistics of these months' partitions of `table` (PostgreSQL; nothing to do on
/// SQLite). A load calls it as a partition grows: a month's partition made by the load starts without
/// statistics, and "which of these ids are known" is then planned as a scan of the whole partition on every
/// chunk (measured: 25 ms per 500 ids at 1,000,000 rows, against 2 ms once analysed).
pub async fn analyze_months(
    db: &Db,
    table: &'static str,
    months: &[(i16, i8, i64, i64)],
) -> Result<()> {
    each_month(db, table, months, |name, _, _| format!("ANALYZE {name}")).await
}

/// Refreshes the planner's statistics of plain tables a load grows (PostgreSQL; nothing to do on SQLite):
/// a bank's first holdings file fills an empty `accounts`, and "which of these numbers are known" was then
/// planned as a scan on every chunk (measured: 15 ms per 500 numbers at 1,000,000 accounts).
pub async fn analyze_tables(db: &Db, tables: &[&'static str]) -> Result<()> {
    if db.kind != DbKind::Postgres {
        return Ok(());
    }
    for t in tables {
        db.conn
            .execute_raw(Statement::from_string(
                db.conn.get_database_backend(),
                format!("ANALYZE {t}"),
            ))
            .await?;
    }
    Ok(())
}

/// Drops the monthly partitions of `table` whose month ended before `(year, month)` (PostgreSQL); returns
/// how many went.
pub async fn drop_months_before(db: &Db, table: &'static str, year: i16, month: i8) -> Result<u64> {
    if db.kind != DbKind::Postgres || !PARTITIONED.contains(&table) {
        return Ok(0);
    }
    let rows = db
        .conn
        .query_all_raw(Statement::from_sql_and_values(
            db.conn.get_database_backend(),
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1",
            [table.into()],
        ))
        .await?;
    let limit = partition_name(table, year, month);
    let mut dropped = 0;
    for r in rows {
        let name: String = r.try_get_by_index(0)?;
        // Names sort by month (`_y2026m01` < `_y2026m02`); only this table's own names are considered.
        if name.starts_with(&format!("{table}_y")) && name.len() == limit.len() && name < limit {
            db.conn
                .execute_raw(Statement::from_string(
                    db.conn.get_database_backend(),
                    format!("DROP TABLE IF EXISTS {name}"),
                ))
                .await?;
            dropped += 1;
        }
    }
    Ok(dropped)
}

/// Deletes the rows of `table` booked before `before_us` (what is left of a month on PostgreSQL, every row
/// on SQLite); returns how many.
pub async fn delete_before<C: ConnectionTrait>(
    c: &C,
    table: &'static str,
    before_us: i64,
) -> Result<u64> {
    let q = Query::delete()
        .from_table(table)
        .and_where(Expr::col("at_us").lt(before_us))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

/// Deletes up to `limit` rejected rows of loads started before `before_us`; returns how many. The load keeps
/// its count of rejected rows.
pub async fn delete_rejects_before<C: ConnectionTrait>(
    c: &C,
    before_us: i64,
    limit: u64,
) -> Result<u64> {
    let old = Query::select()
        .column("id")
        .from("book_loads")
        .and_where(Expr::col("created_at_us").lt(before_us))
        .to_owned();
    let batch = Query::select()
        .column("id")
        .from("book_load_rejects")
        .and_where(Expr::col("load_id").in_subquery(old))
        .limit(limit)
        .to_owned();
    let q = Query::delete()
        .from_table("book_load_rejects")
        .and_where(Expr::col("id").in_subquery(batch))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

/// Which of these ids of `source` are already stored in `table` (`id_col` names the id column).
pub async fn known_ids<C: ConnectionTrait>(
    c: &C,
    table: &'static str,
    id_col: &'static str,
    source: &str,
    ids: &[String],
) -> Result<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    if c.get_database_backend() == sea_orm::DbBackend::Postgres {
        // One array parameter: the same statement text for every chunk, prepared once (an `IN` list is a
        // new text for every length).
        use sea_orm::sea_query::{ArrayType, Value};
        let list: Vec<Value> = ids.iter().map(|i| Value::String(Some(i.clone()))).collect();
        let sql = format!("SELECT {id_col} FROM {table} WHERE source = $1 AND {id_col} = ANY($2)");
        let rows = c
            .query_all_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                sql,
                [
                    source.into(),
                    Value::Array(ArrayType::String, Some(Box::new(list))),
                ],
            ))
            .await?;
        return rows
            .iter()
            .map(|r| Ok(r.try_get_by_index::<String>(0)?))
            .collect();
    }
    let q = Query::select()
        .column(id_col)
        .from(table)
        .and_where(Expr::col("source").eq(source))
        .and_where(Expr::col(id_col).is_in(ids.iter().cloned()))
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| Ok(r.try_get_by_index::<String>(0)?))
        .collect()
}

/// Writes transactions not yet held: one already there with the same source, id and instant (another load of
/// the same records at the same moment wrote it) is skipped. Returns the rows written.
pub async fn insert_transactions<C: ConnectionTrait>(
    c: &C,
    rows: &[TransactionRow],
) -> Result<u64> {
    table::insert_many_new(c, rows, &["source", "tx_id", "at_us"]).await
}

/// [`insert_transactions`] for channel events.
pub async fn insert_events<C: ConnectionTrait>(c: &C, rows: &[EventRow]) -> Result<u64> {
    table::insert_many_new(c, rows, &["source", "event_id", "at_us"]).await
}

/// The transactions of these customers booked since `since_us`.
pub async fn transactions_since<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
    since_us: i64,
) -> Result<Vec<TransactionRow>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<TransactionRow>()
        .and_where(Expr::col("customer_id").is_in(customers.iter().map(|c| c.uuid())))
        .and_where(Expr::col("at_us").gte(since_us))
        .to_owned();
    table::all(c, &q).await
}

/// (customer, transaction id, instant) of the transactions one load wrote.
pub async fn transactions_of_load<C: ConnectionTrait>(
    c: &C,
    load: Uuid,
) -> Result<Vec<(CustomerId, String, i64)>> {
    let q = Query::select()
        .columns(["customer_id", "tx_id", "at_us"])
        .from("transactions")
        .and_where(Expr::col("load_id").eq(load))
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                CustomerId::from(r.try_get_by_index::<Uuid>(0)?),
                r.try_get_by_index::<String>(1)?,
                r.try_get_by_index::<i64>(2)?,
            ))
        })
        .collect()
}

/// The customers whose rows of `table` (`transactions`, `channel_events`, `holdings`) one load wrote.
pub async fn customers_of_load<C: ConnectionTrait>(
    c: &C,
    table: &'static str,
    load: Uuid,
) -> Result<Vec<CustomerId>> {
    let q = Query::select()
        .distinct()
        .column("customer_id")
        .from(table)
        .and_where(Expr::col("load_id").eq(load))
        .to_owned();
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| Ok(CustomerId::from(r.try_get_by_index::<Uuid>(0)?)))
        .collect()
}

/// The channel events of these customers since `since_us`.
pub async fn events_since<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
    since_us: i64,
) -> Result<Vec<EventRow>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<EventRow>()
        .and_where(Expr::col("customer_id").is_in(customers.iter().map(|c| c.uuid())))
        .and_where(Expr::col("at_us").gte(since_us))
        .to_owned();
    table::all(c, &q).await
}

/// A customer's latest transactions, newest first.
pub async fn recent_transactions<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
    limit: u64,
) -> Result<Vec<TransactionRow>> {
    let q = table::select::<TransactionRow>()
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .order_by("at_us", Order::Desc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

/// How many rows `table` holds for a customer since `since_us`.
pub async fn count_since<C: ConnectionTrait>(
    c: &C,
    table: &'static str,
    customer: CustomerId,
    since_us: i64,
) -> Result<u64> {
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(table)
        .and_where(Expr::col("customer_id").eq(customer.uuid()))
        .and_where(Expr::col("at_us").gte(since_us))
        .to_owned();
    table::count(c, &q).await
}

/// Whether the book holds any transaction at all (the bank feeds them): until it does, the figures read
/// from transactions are not the book's to give.
pub async fn any_transactions<C: ConnectionTrait>(c: &C) -> Result<bool> {
    let q = Query::select()
        .expr(Expr::cust("1"))
        .from("transactions")
        .limit(1)
        .to_owned();
    Ok(c.query_one(&q).await?.is_some())
}

/// Each customer's activity figures from their transactions in `[year_since_us, until_us)` (fees and
/// investments) and `[recent_since_us, until_us)` (every transaction); customers without any are left out.
pub async fn activity_figures<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
    year_since_us: i64,
    recent_since_us: i64,
    until_us: i64,
) -> Result<Vec<(CustomerId, ActivityFigures)>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    // The codes and instants are the app's own (never input text), so they are written into the SQL.
    let is = |(cat, dir): (TxCategory, Direction)| {
        format!(
            "category = '{}' AND direction = '{}'",
            cat.as_str(),
            dir.as_str()
        )
    };
    let q = Query::select()
        .column("customer_id")
        .expr(Expr::cust(format!(
            // PostgreSQL sums a bigint as a numeric.
            "CAST(SUM(CASE WHEN {} THEN amount_cny ELSE 0 END) AS BIGINT)",
            is(ActivityFigures::FEE)
        )))
        .expr(Expr::cust(format!(
            "SUM(CASE WHEN {} THEN 1 ELSE 0 END)",
            is(ActivityFigures::INVESTMENT)
        )))
        .expr(Expr::cust(format!(
            "SUM(CASE WHEN at_us >= {recent_since_us} THEN 1 ELSE 0 END)"
        )))
        .from("transactions")
        .and_where(Expr::col("customer_id").is_in(customers.iter().map(|c| c.uuid())))
        .and_where(Expr::col("at_us").gte(year_since_us))
        .and_where(Expr::col("at_us").lt(until_us))
        .group_by_col("customer_id")
        .to_owned();
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            Ok((
                CustomerId::from(r.try_get_by_index::<Uuid>(0)?),
                ActivityFigures {
                    fee_income: r.try_get_by_index::<i64>(1)?,
                    investment_count: count(r.try_get_by_index::<i64>(2)?),
                    transactions_90d: count(r.try_get_by_index::<i64>(3)?),
                },
            ))
        })
        .collect()
}
