//! Client events and invitations.

use crate::error::Result;
use crate::table::{self, Table};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use uuid::Uuid;

crate::table! {
    pub struct EventRow in "events" {
        pub id: Uuid,
        pub title: String,
        /// `lecture`, `exchange`, `outdoor`.
        pub kind: String,
        pub description: Option<String>,
        pub location: String,
        pub starts_at_us: i64,
        pub capacity: i32,
        pub branch_code: String,
        pub created_by: Uuid,
        pub created_at_us: i64,
    }
}

crate::table! {
    pub struct InvitationRow in "event_invitations" {
        pub event_id: Uuid,
        pub customer_id: Uuid,
        /// `invited`, `accepted`, `waitlisted`, `declined`, `attended`, `no_show`.
        pub status: String,
        pub invited_by: Uuid,
        pub invited_at_us: i64,
        pub responded_at_us: Option<i64>,
        pub rating: Option<i32>,
        pub feedback: Option<String>,
    }
}

pub async fn insert_event<C: ConnectionTrait>(c: &C, e: &EventRow) -> Result<()> {
    let q = Query::insert()
        .into_table("events")
        .columns(EventRow::COLUMNS.iter().copied())
        .values_panic(e.values())
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Reads an event and, in a write transaction, locks it (PostgreSQL `FOR UPDATE`; SQLite has one writer),
/// so capacity decisions are serialised.
pub async fn lock_event<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<EventRow>> {
    let q = table::select::<EventRow>()
        .and_where(Expr::col("id").eq(id))
        .lock_exclusive()
        .to_owned();
    table::one::<EventRow, _>(c, &q).await
}

pub async fn find_event<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<EventRow>> {
    let q = table::select::<EventRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one::<EventRow, _>(c, &q).await
}

/// Events starting at or after `from_us`, soonest first (optionally of one branch).
pub async fn list_events<C: ConnectionTrait>(
    c: &C,
    from_us: i64,
    to_us: Option<i64>,
    branch: Option<&str>,
) -> Result<Vec<EventRow>> {
    let mut q = table::select::<EventRow>();
    q.and_where(Expr::col("starts_at_us").gte(from_us));
    if let Some(t) = to_us {
        q.and_where(Expr::col("starts_at_us").lt(t));
    }
    if let Some(b) = branch {
        q.and_where(Expr::col("branch_code").eq(b));
    }
    q.order_by("starts_at_us", Order::Asc).limit(500);
    table::all::<EventRow, _>(c, &q).await
}

/// Invites customers; someone already invited keeps their status. Returns how many are new.
pub async fn invite<C: ConnectionTrait>(c: &C, rows: &[InvitationRow]) -> Result<u64> {
    let mut n = 0;
    for chunk in rows.chunks(500) {
        let mut q = Query::insert();
        q.into_table("event_invitations")
            .columns(InvitationRow::COLUMNS.iter().copied());
        for r in chunk {
            q.values_panic(r.values());
        }
        q.on_conflict(
            OnConflict::columns(["event_id", "customer_id"])
                .do_nothing()
                .to_owned(),
        );
        n += c.execute(&q).await?.rows_affected();
    }
    Ok(n)
}

pub async fn invitations<C: ConnectionTrait>(c: &C, event_id: Uuid) -> Result<Vec<InvitationRow>> {
    let q = table::select::<InvitationRow>()
        .and_where(Expr::col("event_id").eq(event_id))
        .order_by("invited_at_us", Order::Asc)
        .order_by("customer_id", Order::Asc)
        .to_owned();
    table::all::<InvitationRow, _>(c, &q).await
}

/// A customer's invitations with their events, newest event first.
pub async fn invitations_of_customer<C: ConnectionTrait>(
    c: &C,
    customer_id: Uuid,
) -> Result<Vec<(EventRow, InvitationRow)>> {
    let q = table::select::<InvitationRow>()
        .and_where(Expr::col(("event_invitations", "customer_id")).eq(customer_id))
        .to_owned();
    let invs: Vec<InvitationRow> = table::all(c, &q).await?;
    let mut out = Vec::new();
    for i in invs {
        if let Some(e) = find_event(c, i.event_id).await? {
            out.push((e, i));
        }
    }
    out.sort_by_key(|(e, _)| std::cmp::Reverse(e.starts_at_us));
    Ok(out)
}

pub async fn set_status<C: ConnectionTrait>(
    c: &C,
    event_id: Uuid,
    customer_id: Uuid,
    status: &str,
    at_us: i64,
) -> Result<()> {
    let q = Query::update()
        .table("event_invitations")
        .value("status", status)
        .value("responded_at_us", at_us)
        .and_where(Expr::col("event_id").eq(event_id))
        .and_where(Expr::col("customer_id").eq(customer_id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn set_feedback<C: ConnectionTrait>(
    c: &C,
    event_id: Uuid,
    customer_id: Uuid,
    rating: i32,
    feedback: Option<&str>,
) -> Result<()> {
    let q = Query::update()
        .table("event_invitations")
        .value("rating", rating)
        .value("feedback", feedback)
        .and_where(Expr::col("event_id").eq(event_id))
        .and_where(Expr::col("customer_id").eq(customer_id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}
