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

/// One published event by its id (a replay sends it again).
pub async fn event<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<OutboxRow>> {
    let q = table::select::<OutboxRow>()
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("seq").is_not_null())
        .to_owned();
    table::one(c, &q).await
}

crate::table! {
    /// A system that wants the feed pushed to it.
    pub struct SubscriptionRow in "webhook_subscriptions" {
        pub id: Uuid,
        pub name: String,
        pub url: String,
        pub secret_enc: Vec<u8>,
        pub kinds: String,
        pub active: bool,
        pub cursor: i64,
        pub attempts: i32,
        pub next_attempt_at_us: i64,
        pub last_error: Option<String>,
        pub created_by: Uuid,
        pub created_at_us: i64,
    }
}

crate::table! {
    /// One attempt to deliver one event to one subscription.
    pub struct DeliveryRow in "webhook_deliveries" {
        pub id: Uuid,
        pub subscription_id: Uuid,
        pub event_id: Uuid,
        pub seq: i64,
        pub kind: String,
        pub at_us: i64,
        pub status: Option<i32>,
        pub ok: bool,
        pub error: Option<String>,
        pub replay: bool,
    }
}

pub async fn insert_subscription<C: ConnectionTrait>(c: &C, s: &SubscriptionRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(s)).await
}

pub async fn subscriptions<C: ConnectionTrait>(c: &C) -> Result<Vec<SubscriptionRow>> {
    let q = table::select::<SubscriptionRow>()
        .order_by("name", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn subscription<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<SubscriptionRow>> {
    let q = table::select::<SubscriptionRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

/// The active subscriptions whose next attempt is due.
pub async fn due_subscriptions<C: ConnectionTrait>(
    c: &C,
    now_us: i64,
) -> Result<Vec<SubscriptionRow>> {
    let q = table::select::<SubscriptionRow>()
        .and_where(Expr::col("active").eq(true))
        .and_where(Expr::col("next_attempt_at_us").lte(now_us))
        .order_by("created_at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Where a subscription stands after a delivery: its cursor, its failures in a row, when to try next and
/// why the last attempt failed — only if it is active and its cursor still `from` (a round that lost its
/// lease to another node cannot move the cursor back; a pause stops a round under way); false otherwise.
#[allow(clippy::too_many_arguments)]
pub async fn set_progress<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    from: i64,
    cursor: i64,
    attempts: i32,
    next_attempt_at_us: i64,
    last_error: Option<&str>,
) -> Result<bool> {
    let q = Query::update()
        .table("webhook_subscriptions")
        .value("cursor", cursor)
        .value("attempts", attempts)
        .value("next_attempt_at_us", next_attempt_at_us)
        .value("last_error", last_error)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("cursor").eq(from))
        .and_where(Expr::col("active").eq(true))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

pub async fn set_active<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    active: bool,
    now_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("webhook_subscriptions")
        .value("active", active)
        .value("attempts", 0)
        .value("next_attempt_at_us", now_us)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

pub async fn insert_delivery<C: ConnectionTrait>(c: &C, d: &DeliveryRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(d)).await
}

/// A subscription's latest deliveries, newest first.
pub async fn deliveries<C: ConnectionTrait>(
    c: &C,
    subscription: Uuid,
    limit: u64,
) -> Result<Vec<DeliveryRow>> {
    let q = table::select::<DeliveryRow>()
        .and_where(Expr::col("subscription_id").eq(subscription))
        .order_by("at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

pub async fn delivery<C: ConnectionTrait>(
    c: &C,
    subscription: Uuid,
    id: Uuid,
) -> Result<Option<DeliveryRow>> {
    let q = table::select::<DeliveryRow>()
        .and_where(Expr::col("subscription_id").eq(subscription))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}
