//! The audit log: unsealed inserts inside each writer's transaction, sealing in commit order by one
//! lease-holding sealer, and reads for queries and verification.

use crate::error::Result;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct AuditRow {
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

const COLS: [&str; 12] = [
    "id",
    "seq",
    "at_us",
    "actor_id",
    "actor",
    "action",
    "entity",
    "entity_id",
    "customer_id",
    "detail",
    "prev_hash",
    "hash",
];

/// Inserts unsealed records (no seq, no hash yet).
pub async fn insert_audit<C: ConnectionTrait>(c: &C, rows: &[AuditRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("audit_log").columns(COLS);
    for r in rows {
        q.values_panic([
            r.id.into(),
            Option::<i64>::None.into(),
            r.at_us.into(),
            r.actor_id.into(),
            r.actor.clone().into(),
            r.action.clone().into(),
            r.entity.clone().into(),
            r.entity_id.clone().into(),
            r.customer_id.into(),
            r.detail.clone().into(),
            Option::<String>::None.into(),
            Option::<String>::None.into(),
        ]);
    }
    c.execute(&q).await?;
    Ok(())
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
    let q = Query::select()
        .columns(COLS)
        .from("audit_log")
        .and_where(Expr::col("seq").is_null())
        .order_by("at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(
        AuditRow::find_by_statement(c.get_database_backend().build(&q))
            .all(c)
            .await?,
    )
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
    let q = Query::select()
        .columns(COLS)
        .from("audit_log")
        .and_where(Expr::col("seq").gt(after))
        .order_by("seq", Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(
        AuditRow::find_by_statement(c.get_database_backend().build(&q))
            .all(c)
            .await?,
    )
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
    let q = Query::select()
        .columns(COLS)
        .from("audit_log")
        .cond_where(cond)
        .order_by("at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(f.limit)
        .to_owned();
    Ok(
        AuditRow::find_by_statement(c.get_database_backend().build(&q))
            .all(c)
            .await?,
    )
}
