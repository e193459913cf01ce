//! The audit log: unsealed inserts inside each writer's transaction, sealing in commit order by one
//! lease-holding sealer, and reads for queries and verification.

use crate::error::Result;
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Func, Order, Query};
use uuid::Uuid;

crate::table! {
    pub struct AuditRow in "audit_log" {
        pub id: Uuid,
        pub seq: Option<i64>,
        pub at_us: i64,
        pub actor_id: Option<Uuid>,
        pub actor: String,
        pub action: String,
        pub entity: String,
        pub entity_id: Option<String>,
        pub customer_id: Option<Uuid>,
        pub detail: String,
        pub prev_hash: Option<String>,
        pub hash: Option<String>,
    }
}

/// Inserts unsealed records (no seq, no hash yet: the sealer sets them).
pub async fn insert_audit<C: ConnectionTrait>(c: &C, rows: &[AuditRow]) -> Result<()> {
    if rows
        .iter()
        .any(|r| r.seq.is_some() || r.hash.is_some() || r.prev_hash.is_some())
    {
        return Err(crate::error::StoreError::Corrupt(
            "audit_log: a record is written unsealed; only the sealer sets seq and hash".into(),
        ));
    }
    table::insert(c, rows).await
}

/// The last sealed record's `(seq, hash)`.
pub async fn last_sealed<C: ConnectionTrait>(c: &C) -> Result<Option<(i64, String)>> {
    let q = Query::select()
        .columns(["seq", "hash"])
        .from("audit_log")
        .and_where(Expr::col("seq").is_not_null())
        .order_by("seq", Order::Desc)
        .limit(1)
        .to_owned();
    match c.query_one(&q).await? {
        None => Ok(None),
        Some(r) => Ok(Some((r.try_get_by_index(0)?, r.try_get_by_index(1)?))),
    }
}

/// Unsealed records in the order they are to be chained.
pub async fn list_unsealed<C: ConnectionTrait>(c: &C, limit: u64) -> Result<Vec<AuditRow>> {
    let q = table::select::<AuditRow>()
        .and_where(Expr::col("seq").is_null())
        .order_by("at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all::<AuditRow, _>(c, &q).await
}

pub async fn count_unsealed<C: ConnectionTrait>(c: &C) -> Result<i64> {
    let q = Query::select()
        .expr(Func::count(Expr::col("id")))
        .from("audit_log")
        .and_where(Expr::col("seq").is_null())
        .to_owned();
    let r = c.query_one(&q).await?;
    Ok(r.map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0))
}

/// Seals one record (only if still unsealed).
pub async fn seal<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    seq: i64,
    prev_hash: &str,
    hash: &str,
) -> Result<bool> {
    let q = Query::update()
        .table("audit_log")
        .value("seq", seq)
        .value("prev_hash", prev_hash)
        .value("hash", hash)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("seq").is_null())
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Sealed records with `seq > after`, in chain order.
pub async fn page_sealed<C: ConnectionTrait>(
    c: &C,
    after: i64,
    limit: u64,
) -> Result<Vec<AuditRow>> {
    let q = table::select::<AuditRow>()
        .and_where(Expr::col("seq").gt(after))
        .order_by("seq", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all::<AuditRow, _>(c, &q).await
}

/// An audit query; newest first, paginated by `(at_us, id)` descending.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub customer_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub from_us: Option<i64>,
    pub to_us: Option<i64>,
    pub action: Option<String>,
    pub before: Option<(i64, Uuid)>,
    pub limit: u64,
}

pub async fn list_audit<C: ConnectionTrait>(c: &C, f: &AuditFilter) -> Result<Vec<AuditRow>> {
    let mut cond = Cond::all();
    if let Some(v) = f.customer_id {
        cond = cond.add(Expr::col("customer_id").eq(v));
    }
    if let Some(v) = f.actor_id {
        cond = cond.add(Expr::col("actor_id").eq(v));
    }
    if let Some(v) = f.from_us {
        cond = cond.add(Expr::col("at_us").gte(v));
    }
    if let Some(v) = f.to_us {
        cond = cond.add(Expr::col("at_us").lt(v));
    }
    if let Some(v) = &f.action {
        cond = cond.add(Expr::col("action").eq(v.clone()));
    }
    if let Some((at, id)) = f.before {
        cond = cond.add(
            Cond::any().add(Expr::col("at_us").lt(at)).add(
                Cond::all()
                    .add(Expr::col("at_us").eq(at))
                    .add(Expr::col("id").lt(id)),
            ),
        );
    }
    let q = table::select::<AuditRow>()
        .cond_where(cond)
        .order_by("at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(f.limit)
        .to_owned();
    table::all::<AuditRow, _>(c, &q).await
}
