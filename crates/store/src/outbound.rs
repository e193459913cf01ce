//! The outbound feed: the outbox's events, numbered (`seq`) by the one publisher in the order it finds them
//! committed, and read by other systems after a cursor.

use crate::error::Result;
use crate::segments::OutboxRow;
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use uuid::Uuid;

/// Events written but not yet published, oldest first.
pub async fn unpublished<C: ConnectionTrait>(c: &C, limit: u64) -> Result<Vec<OutboxRow>> {
    let q = table::select::<OutboxRow>()
        .and_where(Expr::col("published_at_us").is_null())
        .order_by("created_at_us", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

/// The highest number given so far (0 before the first).
pub async fn last_seq<C: ConnectionTrait>(c: &C) -> Result<i64> {
    let q = Query::select()
        .expr_as(Func::max(Expr::col("seq")), "m")
        .from("outbox")
        .to_owned();
    let Some(r) = c.query_one(&q).await? else {
        return Ok(0);
    };
    Ok(r.try_get::<Option<i64>>("", "m")?.unwrap_or(0))
}

/// Gives an event its number.
pub async fn publish<C: ConnectionTrait>(c: &C, id: Uuid, seq: i64, at_us: i64) -> Result<()> {
    let q = Query::update()
        .table("outbox")
        .value("seq", seq)
        .value("published_at_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("seq").is_null())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Published events numbered above `after`, in order.
pub async fn page<C: ConnectionTrait>(c: &C, after: i64, limit: u64) -> Result<Vec<OutboxRow>> {
    let q = table::select::<OutboxRow>()
        .and_where(Expr::col("seq").gt(after))
        .order_by("seq", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}
