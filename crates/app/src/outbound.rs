//! Events out: what changed, for the bank's other systems to follow — customers created, verified and
//! changed, feedback cases registered, escalated and resolved, leads moving through the pipeline, segments
//! changed, alerts raised.
//!
//! Each event is written to the outbox **in the transaction of the change it announces** (so there is no
//! event without its change and no change without its event), and the one publisher then numbers the
//! committed ones in order (`seq`, under a lease like the audit sealer's). A reader follows the feed with a
//! cursor (`after`): numbers are given only to committed events and never change, so a transaction that
//! commits late cannot slip in behind a cursor, as it could if the feed were read by the time of writing.
//!
//! An event names what changed and its state — ids, numbers, statuses, stages — never a person's data: a
//! system that needs more reads it through the API under its own rights, where reading is audited.

use crate::App;
use crate::actor::Actor;
use crate::error::Result;
use banyan_domain::access::Permission;
use banyan_store::customers::{CustomerRow, ScopeFilter};
use banyan_store::segments::OutboxRow;
use banyan_store::{ConnectionTrait, now_us};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

pub mod webhooks;

const LEASE: &str = "outbound-publisher";
/// At most this many events a page of the feed holds.
pub const MAX_PAGE: u64 = 500;

/// A new event about `customer` (if any), to be written with the change it announces.
pub(crate) fn event(topic: &str, customer: Option<Uuid>, payload: Value) -> OutboxRow {
    OutboxRow {
        id: Uuid::now_v7(),
        topic: topic.to_owned(),
        customer_id: customer,
        payload: payload.to_string(),
        created_at_us: now_us(),
        published_at_us: None,
        seq: None,
    }
}

/// Writes events in the caller's transaction.
pub(crate) async fn emit<C: ConnectionTrait>(c: &C, events: &[OutboxRow]) -> Result<()> {
    banyan_store::segments::insert_outbox(c, events).await?;
    Ok(())
}

/// `customer.created`, `customer.verified` or `customer.changed` for each of these customers as written.
pub(crate) async fn customers<C: ConnectionTrait>(
    c: &C,
    topic: &str,
    rows: &[CustomerRow],
) -> Result<()> {
    let events: Vec<OutboxRow> = rows
        .iter()
        .map(|r| {
            event(
                topic,
                Some(r.id.uuid()),
                json!({"customer_id": r.id.uuid(), "customer_no": r.customer_no, "kind": r.kind,
                       "status": r.status, "branch_code": r.branch_code, "version": r.version}),
            )
        })
        .collect();
    emit(c, &events).await
}

/// Numbers the committed events not yet published, oldest first; returns how many. One node at a time
/// (a lease); the unique number would refuse a second anyway.
pub async fn publish_pending(app: &App) -> Result<usize> {
    let db = &app.db;
    if banyan_store::outbound::unpublished(&db.conn, 1)
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    let mut total = 0;
    loop {
        // Taken, then renewed before every batch: a long backlog never outlives the lease, so no other node
        // numbers alongside (the unique number would refuse it anyway).
        let now = now_us();
        if !banyan_store::misc::take_lease(
            &db.conn,
            LEASE,
            app.node_id.as_str(),
            now,
            now + 30_000_000,
        )
        .await?
        {
            return Ok(total);
        }
        let tx = db.begin_write().await?;
        let batch = banyan_store::outbound::unpublished(&*tx, 1000).await?;
        if batch.is_empty() {
            tx.commit().await?;
            break;
        }
        let mut seq = banyan_store::outbound::last_seq(&*tx).await?;
        let at = now_us();
        for e in &batch {
            seq += 1;
            banyan_store::outbound::publish(&*tx, e.id, seq, at).await?;
        }
        tx.commit().await?;
        total += batch.len();
    }
    Ok(total)
}

/// One event of the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedEvent {
    /// Its place in the feed: ask for `after=<seq>` to read on from it.
    pub seq: i64,
    /// The event's id: the same event always has the same id (a receiver drops a repeat by it).
    pub id: Uuid,
    /// `customer.created`, `customer.verified`, `customer.changed`, `case.registered`, `case.escalated`,
    /// `case.resolved`, `lead.stage_changed`, `segment.assign` / `segment.upgrade` / `segment.downgrade` / `segment.change` / `segment.remove`,
    /// `alert.opened`.
    pub kind: String,
    pub at: String,
    pub customer_id: Option<Uuid>,
    /// What changed: ids, numbers, statuses and stages (never a person's data).
    #[schema(value_type = Object)]
    pub data: Value,
}

/// A page of the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedEvent>,
    /// The cursor to ask with next (`after`): the last number this page read, including events left out
    /// as outside the reader's scope; the same as the request's when nothing new was published.
    pub next_after: i64,
}

/// The published events after `after`, in order, in the reader's scope: a reader limited to a branch or
/// a portfolio sees the events of its customers only (and none about no customer, such as a lead's).
pub async fn page(app: &App, actor: &Actor, after: i64, limit: u64) -> Result<FeedPage> {
    let grant = actor.require(Permission::OutboundRead)?;
    if after < 0 {
        return Err(crate::AppError::field(
            "after",
            "range",
            "must be 0 or more",
        ));
    }
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(crate::AppError::field("limit", "range", "must be 1 to 500"));
    }
    let rows = banyan_store::outbound::page(&app.db.conn, after, limit).await?;
    let next_after = match rows.last() {
        None => after,
        Some(r) => r.seq.ok_or_else(|| {
            crate::AppError::internal(format!("published event {} has no number", r.id))
        })?,
    };
    let visible: Option<HashMap<Uuid, bool>> = match grant.scope() {
        ScopeFilter::All => None,
        _ => {
            let mut ids: Vec<Uuid> = rows.iter().filter_map(|r| r.customer_id).collect();
            ids.sort_unstable();
            ids.dedup();
            Some(
                banyan_store::customers::rows_by_ids(&app.db.conn, &ids)
                    .await?
                    .into_iter()
                    .map(|c| (c.id.uuid(), grant.can_see(&c.branch_code, c.rm_id)))
                    .collect(),
            )
        }
    };
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let shown = match (&visible, r.customer_id) {
            (None, _) => true,
            (Some(v), Some(id)) => v.get(&id).copied().unwrap_or(false),
            (Some(_), None) => false,
        };
        if !shown {
            continue;
        }
        items.push(feed_event(r)?);
    }
    Ok(FeedPage { items, next_after })
}

/// A published event as the feed and the webhooks show it.
pub(crate) fn feed_event(r: OutboxRow) -> Result<FeedEvent> {
    let seq = r.seq.ok_or_else(|| {
        crate::AppError::internal(format!("published event {} has no number", r.id))
    })?;
    Ok(FeedEvent {
        seq,
        data: crate::json::stored(&r.payload, format_args!("outbox {}.payload", r.id))?,
        id: r.id,
        kind: r.topic,
        at: crate::fmt_us(r.created_at_us),
        customer_id: r.customer_id,
    })
}
