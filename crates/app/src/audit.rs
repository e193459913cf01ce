//! The audit log: every write, login, failed login and reveal, append-only and hash-chained.
//!
//! Writers append unsealed records inside their own transaction (so an audit record exists exactly when
//! its write committed) and never wait on a global lock. One sealer at a time (a lease row, so several
//! nodes may run) chains committed records in the order it first sees them: `hash = SHA-256(prev_hash ||
//! canonical record)`. `verify` recomputes the chain and names the first record that does not match.

use crate::App;
use crate::actor::{Actor, Granted};
use crate::crypto::sha256_hex;
use crate::error::{AppError, Result};
use banyan_store::audit::{self as store, AuditFilter, AuditRow};
use banyan_store::{ConnectionTrait, misc, now_us};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An audit record about to be written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: Option<String>,
    pub customer_id: Option<Uuid>,
    /// Field names, reasons, counts: never personal data values.
    pub detail: serde_json::Value,
}

impl Entry {
    pub fn customer(action: &'static str, id: Uuid, detail: serde_json::Value) -> Self {
        Entry {
            action,
            entity: "customer",
            entity_id: Some(id.to_string()),
            customer_id: Some(id),
            detail,
        }
    }
}

fn row(actor_id: Option<Uuid>, actor: &str, e: Entry, at_us: i64) -> AuditRow {
    AuditRow {
        id: Uuid::now_v7(),
        seq: None,
        at_us,
        actor_id,
        actor: actor.to_owned(),
        action: e.action.to_owned(),
        entity: e.entity.to_owned(),
        entity_id: e.entity_id,
        customer_id: e.customer_id,
        detail: e.detail.to_string(),
        prev_hash: None,
        hash: None,
    }
}

/// Appends records in the caller's transaction for the actor a permission was granted to: a write is
/// recorded only by a use case that checked its permission.
pub async fn record<C: ConnectionTrait>(
    c: &C,
    grant: &Granted<'_>,
    entries: Vec<Entry>,
) -> Result<()> {
    let actor = grant.actor();
    let at = now_us();
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| row(Some(actor.id.uuid()), &actor.username, e, at))
        .collect();
    store::insert_audit(c, &rows).await?;
    Ok(())
}

/// Appends records that need no permission: sign-in and sign-out (the staff member's own session, or a
/// failed attempt without an actor) and the system's own jobs.
pub async fn record_as<C: ConnectionTrait>(
    c: &C,
    actor_id: Option<Uuid>,
    actor: &str,
    entries: Vec<Entry>,
) -> Result<()> {
    let at = now_us();
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| row(actor_id, actor, e, at))
        .collect();
    store::insert_audit(c, &rows).await?;
    Ok(())
}

/// The canonical text hashed for a record: every field but the hash itself, as a JSON array.
fn canonical(r: &AuditRow, seq: i64, prev_hash: &str) -> String {
    serde_json::json!([
        seq,
        prev_hash,
        r.id.to_string(),
        r.at_us,
        r.actor_id.map(|u| u.to_string()),
        r.actor,
        r.action,
        r.entity,
        r.entity_id,
        r.customer_id.map(|u| u.to_string()),
        r.detail
    ])
    .to_string()
}

fn chain_hash(r: &AuditRow, seq: i64, prev_hash: &str) -> String {
    sha256_hex(canonical(r, seq, prev_hash).as_bytes())
}

/// The hash that stands before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const LEASE: &str = "audit-sealer";

/// Seals every committed, unsealed record; returns how many were sealed. Safe to call from several
/// nodes: only the lease holder seals.
pub async fn seal_pending(app: &App) -> Result<usize> {
    let db = &app.db;
    // Nothing to seal is the common case: answer it with one read, without taking a write lock.
    if store::list_unsealed(&db.conn, 1).await?.is_empty() {
        return Ok(0);
    }
    let holder = app.node_id.as_str();
    let now = now_us();
    if !misc::take_lease(&db.conn, LEASE, holder, now, now + 30_000_000).await? {
        return Ok(0);
    }
    let mut total = 0;
    loop {
        let tx = db.begin_write().await?;
        let batch = store::list_unsealed(&*tx, 2000).await?;
        if batch.is_empty() {
            tx.commit().await?;
            break;
        }
        let (mut seq, mut prev) = store::last_sealed(&*tx)
            .await?
            .unwrap_or((0, GENESIS.to_owned()));
        for r in &batch {
            seq += 1;
            let h = chain_hash(r, seq, &prev);
            if !store::seal(&*tx, r.id, seq, &prev, &h).await? {
                return Err(AppError::internal("audit record sealed concurrently"));
            }
            prev = h;
        }
        tx.commit().await?;
        total += batch.len();
    }
    Ok(total)
}

/// The result of verifying the chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifyReport {
    /// Whether every sealed record matches its hash and links to the one before.
    pub ok: bool,
    /// Sealed records checked.
    pub checked: i64,
    /// The first record that does not match, if any.
    pub first_broken: Option<BrokenRecord>,
    /// Records written but not sealed yet (not covered by this verification).
    pub unsealed: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BrokenRecord {
    pub seq: i64,
    pub id: Uuid,
    /// `hash_mismatch` (content edited), `link_mismatch` (a record removed or reordered) or `gap`.
    pub reason: String,
}

/// Recomputes the whole sealed chain.
pub async fn verify(app: &App, actor: &Actor) -> Result<VerifyReport> {
    actor.require(banyan_domain::access::Permission::AuditRead)?;
    let c = &app.db.conn;
    let unsealed = store::count_unsealed(c).await?;
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    loop {
        let page = store::page_sealed(c, expected_seq - 1, 5000).await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            let seq = r.seq.unwrap_or(-1);
            let broken = |reason: &str| BrokenRecord {
                seq,
                id: r.id,
                reason: reason.to_owned(),
            };
            let fail = if seq != expected_seq {
                Some(broken("gap"))
            } else if r.prev_hash.as_deref() != Some(prev.as_str()) {
                Some(broken("link_mismatch"))
            } else if r.hash.as_deref() != Some(chain_hash(r, seq, &prev).as_str()) {
                Some(broken("hash_mismatch"))
            } else {
                None
            };
            if let Some(b) = fail {
                return Ok(VerifyReport {
                    ok: false,
                    checked,
                    first_broken: Some(b),
                    unsealed,
                });
            }
            prev = r.hash.clone().unwrap_or_default();
            expected_seq += 1;
            checked += 1;
        }
    }
    Ok(VerifyReport {
        ok: true,
        checked,
        first_broken: None,
        unsealed,
    })
}

/// An audit record as shown to auditors.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditView {
    pub id: Uuid,
    pub seq: Option<i64>,
    pub at: String,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub customer_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A page of audit records.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditView>,
    pub next_cursor: Option<String>,
}

/// Query parameters for the audit search.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub customer_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
    pub action: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

fn ts(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Auditors query by customer, staff member and time range (newest first).
pub async fn search(app: &App, actor: &Actor, q: AuditQuery) -> Result<AuditPage> {
    actor.require(banyan_domain::access::Permission::AuditRead)?;
    let before = match &q.cursor {
        None => None,
        Some(c) => {
            let (at, id) = c
                .split_once('_')
                .and_then(|(a, i)| Some((a.parse::<i64>().ok()?, i.parse::<Uuid>().ok()?)))
                .ok_or_else(|| {
                    AppError::field("cursor", "format", "is not a cursor this API returned")
                })?;
            Some((at, id))
        }
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let rows = store::list_audit(
        &app.db.conn,
        &AuditFilter {
            customer_id: q.customer_id,
            actor_id: q.staff_id,
            from_us: q.from.map(|t| t.as_microsecond()),
            to_us: q.to.map(|t| t.as_microsecond()),
            action: q.action,
            before,
            limit: limit + 1,
        },
    )
    .await?;
    let more = rows.len() as u64 > limit;
    let items: Vec<AuditView> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| {
            Ok(AuditView {
                detail: crate::json::stored(
                    &r.detail,
                    format_args!("audit_log.detail of row {}", r.id),
                )?,
                id: r.id,
                seq: r.seq,
                at: ts(r.at_us),
                actor_id: r.actor_id,
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                customer_id: r.customer_id,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let next_cursor = if more {
        items.last().and_then(|l| {
            jiff::Timestamp::from_str_opt(&l.at).map(|t| format!("{}_{}", t.as_microsecond(), l.id))
        })
    } else {
        None
    };
    Ok(AuditPage { items, next_cursor })
}

trait FromStrOpt: Sized {
    fn from_str_opt(s: &str) -> Option<Self>;
}
impl FromStrOpt for jiff::Timestamp {
    fn from_str_opt(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}
