//! Small shared tables: counters, leases, idempotency keys, data keys and field definitions.

use crate::error::Result;
use crate::table::{self, Table};
use banyan_domain::ids::StaffId;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

/// Increments each named counter by its amount in one statement (insert-or-update ... returning) and
/// returns `(name, new value)`: the last number handed out. Concurrent callers never get the same number.
pub async fn next_counters<C: ConnectionTrait>(
    c: &C,
    increments: &[(String, i64)],
) -> Result<Vec<(String, i64)>> {
    if increments.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::insert();
    q.into_table("counters").columns(["name", "value"]);
    for (name, n) in increments {
        q.values_panic([name.clone().into(), (*n).into()]);
    }
    q.on_conflict(
        OnConflict::column("name")
            .value("value", Expr::cust("counters.value + excluded.value"))
            .to_owned(),
    )
    .returning(Query::returning().columns(["name", "value"]));
    let rows = c.query_all(&q).await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// Takes or renews the lease `name` for `holder` until `until_us`; true if held now.
pub async fn take_lease<C: ConnectionTrait>(
    c: &C,
    name: &str,
    holder: &str,
    now_us: i64,
    until_us: i64,
) -> Result<bool> {
    let q = Query::insert()
        .into_table("leases")
        .columns(["name", "holder", "expires_at_us"])
        .values_panic([name.into(), holder.into(), until_us.into()])
        .on_conflict(OnConflict::column("name").do_nothing().to_owned())
        .to_owned();
    c.execute(&q).await?;
    let q = Query::update()
        .table("leases")
        .value("holder", holder)
        .value("expires_at_us", until_us)
        .and_where(Expr::col("name").eq(name))
        .cond_where(
            Cond::any()
                .add(Expr::col("holder").eq(holder))
                .add(Expr::col("expires_at_us").lt(now_us)),
        )
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Whether someone holds the lease `name` at `now_us`.
pub async fn lease_held<C: ConnectionTrait>(c: &C, name: &str, now_us: i64) -> Result<bool> {
    let q = Query::select()
        .expr(Expr::val(1))
        .from("leases")
        .and_where(Expr::col("name").eq(name))
        .and_where(Expr::col("expires_at_us").gte(now_us))
        .to_owned();
    Ok(c.query_one(&q).await?.is_some())
}

/// Deletes the expired leases whose names begin with `prefix` (leases named after a day); answers how many.
pub async fn drop_expired_leases<C: ConnectionTrait>(
    c: &C,
    prefix: &str,
    now_us: i64,
) -> Result<u64> {
    let q = Query::delete()
        .from_table("leases")
        .and_where(Expr::col("name").like(format!("{prefix}%")))
        .and_where(Expr::col("expires_at_us").lt(now_us))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

pub async fn release_lease<C: ConnectionTrait>(c: &C, name: &str, holder: &str) -> Result<()> {
    let q = Query::delete()
        .from_table("leases")
        .and_where(Expr::col("name").eq(name))
        .and_where(Expr::col("holder").eq(holder))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

crate::table! {
    /// An Idempotency-Key claimed by a staff member: the hash of the request it came with and, once the
    /// write committed, its answer. `status` 0 marks a claim whose write spans several transactions and
    /// has not finished (an import, a campaign); its answer is filled in by the last one.
    pub struct IdempotencyRow in "idempotency_keys" {
        pub staff_id: StaffId,
        pub key: String,
        pub request_hash: String,
        pub status: i32,
        pub response: String,
        pub created_at_us: i64,
    }
}

pub async fn find_idempotency<C: ConnectionTrait>(
    c: &C,
    staff_id: StaffId,
    key: &str,
) -> Result<Option<IdempotencyRow>> {
    let q = table::select::<IdempotencyRow>()
        .and_where(Expr::col("staff_id").eq(staff_id.uuid()))
        .and_where(Expr::col("key").eq(key))
        .to_owned();
    table::one(c, &q).await
}

/// Claims a key; fails with the `idempotency` conflict when the staff member already claimed it (on
/// PostgreSQL after waiting for a concurrent claimer's transaction to end).
pub async fn insert_idempotency<C: ConnectionTrait>(c: &C, r: &IdempotencyRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Forgets the keys claimed before `before_us` (finished ones: a claim still working is left alone);
/// how many.
pub async fn purge_idempotency<C: ConnectionTrait>(c: &C, before_us: i64) -> Result<u64> {
    let q = Query::delete()
        .from_table("idempotency_keys")
        .and_where(Expr::col("created_at_us").lt(before_us))
        .and_where(Expr::col("status").ne(0))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected())
}

/// Writes the answer of a claim made earlier in the same request.
pub async fn answer_idempotency<C: ConnectionTrait>(
    c: &C,
    staff_id: StaffId,
    key: &str,
    status: i32,
    response: &str,
) -> Result<()> {
    let q = Query::update()
        .table("idempotency_keys")
        .value("status", status)
        .value("response", response)
        .and_where(Expr::col("staff_id").eq(staff_id.uuid()))
        .and_where(Expr::col("key").eq(key))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

crate::table! {
    pub struct DataKeyRow in "data_keys" {
        pub id: i32,
        pub purpose: String,
        pub wrapped: Vec<u8>,
        pub active: bool,
        pub created_at_us: i64,
    }
}

pub async fn list_data_keys<C: ConnectionTrait>(c: &C) -> Result<Vec<DataKeyRow>> {
    let q = table::select::<DataKeyRow>()
        .order_by("id", Order::Asc)
        .to_owned();
    table::all::<DataKeyRow, _>(c, &q).await
}

/// Adds a key; when `active`, every other key of the same purpose stops being active.
/// The first data keys of a new database, in one statement that writes nothing if another node wrote
/// them first (nodes started together on an empty database): every node then loads the same keys.
pub async fn insert_first_data_keys<C: ConnectionTrait>(c: &C, keys: &[DataKeyRow]) -> Result<()> {
    let mut q = Query::insert();
    q.into_table("data_keys")
        .columns(DataKeyRow::COLUMNS.iter().copied());
    for k in keys {
        q.values_panic(k.values());
    }
    q.on_conflict(OnConflict::column("id").do_nothing().to_owned());
    c.execute(&q).await?;
    Ok(())
}

pub async fn insert_data_key<C: ConnectionTrait>(c: &C, k: &DataKeyRow) -> Result<()> {
    if k.active {
        let q = Query::update()
            .table("data_keys")
            .value("active", false)
            .and_where(Expr::col("purpose").eq(k.purpose.clone()))
            .to_owned();
        c.execute(&q).await?;
    }
    let q = Query::insert()
        .into_table("data_keys")
        .columns(DataKeyRow::COLUMNS.iter().copied())
        .values_panic(k.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

crate::table! {
    pub struct FieldDefinitionRow in "field_definitions" {
        pub id: Uuid,
        pub kind: String,
        pub key: String,
        pub definition: String,
        pub created_at_us: i64,
    }
}

pub async fn insert_field_definition<C: ConnectionTrait>(
    c: &C,
    r: &FieldDefinitionRow,
) -> Result<()> {
    let q = Query::insert()
        .into_table("field_definitions")
        .columns(FieldDefinitionRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn list_field_definitions<C: ConnectionTrait>(c: &C) -> Result<Vec<FieldDefinitionRow>> {
    let q = table::select::<FieldDefinitionRow>()
        .order_by("kind", Order::Asc)
        .order_by("key", Order::Asc)
        .to_owned();
    table::all::<FieldDefinitionRow, _>(c, &q).await
}

/// SQLite: writes a consistent copy of the whole database to `path` while others keep writing (`VACUUM
/// INTO` reads in one transaction of its own and writes a compacted file; the file must not exist).
pub async fn sqlite_copy_into(db: &crate::Db, path: &str) -> Result<()> {
    // A string literal: SQLite does not bind parameters in VACUUM. Quotes are doubled.
    let lit = path.replace('\'', "''");
    db.conn
        .execute_unprepared(&format!("VACUUM INTO '{lit}'"))
        .await?;
    Ok(())
}

/// How many tables the database holds (0: a fresh database a backup may be restored into).
pub async fn table_count(db: &crate::Db) -> Result<i64> {
    let sql = match db.kind {
        crate::DbKind::Sqlite => "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        crate::DbKind::Postgres => {
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let row = db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            db.conn.get_database_backend(),
            sql,
        ))
        .await?;
    Ok(row.map_or(Ok(0), |r| r.try_get_by_index::<i64>(0))?)
}

/// The tables PostgreSQL keeps in month partitions made ahead: the audit log (migration 47), messages by
/// their creation and case logs by their entry's time (migration 63).
pub const MONTHLY: [&str; 3] = ["audit_log", "messages", "case_log"];

/// Creates the month partitions of `table` (one of [`MONTHLY`]; PostgreSQL) from `lo_us`'s month up to
/// `hi_us`; returns how many it created. SQLite keeps one table each: nothing to do.
pub async fn add_months<C: ConnectionTrait>(
    c: &C,
    table: &str,
    lo_us: i64,
    hi_us: i64,
) -> Result<i64> {
    if c.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(0);
    }
    // The audit log's function came first and takes no table; the others' names theirs.
    let st = if table == "audit_log" {
        sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT CAST(audit_log_add_months($1, $2) AS bigint)",
            [lo_us.into(), hi_us.into()],
        )
    } else {
        sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT CAST(log_add_months($1, $2, $3) AS bigint)",
            [table.into(), lo_us.into(), hi_us.into()],
        )
    };
    let r = c.query_one_raw(st).await?;
    Ok(r.map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}
