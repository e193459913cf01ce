//! The audit log: every write, login, failed login and reveal, append-only and chained under a key.
//!
//! Writers append unsealed records inside their own transaction (so an audit record exists exactly when
//! its write committed), each with its MAC under the audit key, and never wait on a global lock. The
//! chain, its checkpoints outside the database and verification are in [`chain`].

mod archive;
pub(crate) mod chain;

pub use archive::{ArchivedMonth, Run, archive};

pub use chain::{
    Anchor, AuditKeeper, BrokenRecord, CheckpointView, GENESIS, VerifyReport, chain_under,
    checkpoint, key_unkeyed_records, row_mac_under, seal_pending, verify, verify_with_archive,
};

pub use banyan_store::audit::{app_role_grants, reguard_statements, unguard_statements};

use crate::App;
use crate::actor::{Actor, Granted};
use crate::error::{AppError, Result};
use banyan_store::audit::{self as store, AuditFilter, AuditRow};
use banyan_store::{ConnectionTrait, now_us};
use serde::{Deserialize, Serialize};
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

    /// A record about a staff or service account (sign-ins, tokens, second factor): no customer.
    pub fn staff(
        action: &'static str,
        id: banyan_domain::ids::StaffId,
        detail: serde_json::Value,
    ) -> Self {
        Entry {
            action,
            entity: "staff",
            entity_id: Some(id.to_string()),
            customer_id: None,
            detail,
        }
    }
}

fn row(
    keeper: &AuditKeeper,
    actor_id: Option<Uuid>,
    actor: &str,
    e: Entry,
    at_us: i64,
) -> AuditRow {
    let mut r = AuditRow {
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
        mac: None,
    };
    r.mac = Some(keeper.row_mac(&r));
    r
}

/// Appends records in the caller's transaction for the actor a permission was granted to: a write is
/// recorded only by a use case that checked its permission.
pub async fn record<C: ConnectionTrait>(
    app: &App,
    c: &C,
    grant: &Granted<'_>,
    entries: Vec<Entry>,
) -> Result<()> {
    let actor = grant.actor();
    let at = now_us();
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| row(&app.audit, Some(actor.id.uuid()), &actor.username, e, at))
        .collect();
    store::insert_audit(c, &rows).await?;
    Ok(())
}

/// Appends records that need no permission: sign-in and sign-out (the staff member's own session, or a
/// failed attempt without an actor) and the system's own jobs.
pub async fn record_as<C: ConnectionTrait>(
    app: &App,
    c: &C,
    actor_id: Option<Uuid>,
    actor: &str,
    entries: Vec<Entry>,
) -> Result<()> {
    let at = now_us();
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| row(&app.audit, actor_id, actor, e, at))
        .collect();
    store::insert_audit(c, &rows).await?;
    Ok(())
}

/// Writes records as if at `at_us` (a month now past), through the writers' own path: for the tests of
/// archiving, which need months that have ended.
#[cfg(feature = "test-support")]
pub async fn record_backdated(app: &App, at_us: i64, entries: Vec<Entry>) -> Result<()> {
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| row(&app.audit, None, "history", e, at_us))
        .collect();
    store::insert_audit(&app.db.conn, &rows).await?;
    Ok(())
}

/// Creates the month partitions (PostgreSQL) of the audit log, the messages and the case logs for the next
/// 400 days: at start and daily, so a month's partition exists before its first row (one written without
/// it lands in the table's default partition, which `audit archive` then refuses to leave behind). Safe on
/// several nodes at once. Returns how many were made.
pub async fn prepare_months(app: &App) -> Result<i64> {
    let now = now_us();
    let until = now + 400 * 86_400 * 1_000_000;
    // Each table is tried whatever happened to the others (a month one cannot make — rows for it already
    // in its default partition — must not keep the others' months from being made); the first failure is
    // returned, naming its table.
    let mut made = 0;
    let mut failed = None;
    for table in banyan_store::misc::MONTHLY {
        match banyan_store::misc::add_months(&app.db.conn, table, now, until).await {
            Ok(n) => made += n,
            Err(e) => {
                failed.get_or_insert(AppError::internal_from(format!("{table} months"), e));
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(made),
    }
}

/// Appends records of one of the system's own jobs (`escalation`, `book.monitor` …), under the job's name.
pub async fn record_system<C: ConnectionTrait>(
    app: &App,
    c: &C,
    job: &str,
    entries: Vec<Entry>,
) -> Result<()> {
    record_system_with(&app.audit, c, job, entries).await
}

/// [`record_system`] before the application exists (at start, in the transaction of what it records).
pub(crate) async fn record_system_with<C: ConnectionTrait>(
    keeper: &AuditKeeper,
    c: &C,
    job: &str,
    entries: Vec<Entry>,
) -> Result<()> {
    let system = crate::actor::Actor::system(job);
    let at = now_us();
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| row(keeper, Some(system.id().uuid()), system.username(), e, at))
        .collect();
    store::insert_audit(c, &rows).await?;
    Ok(())
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
    /// How many records match (the cursor aside), counted up to 10,000.
    pub total: u64,
    /// More than `total` match: narrow the search to count them.
    pub total_more: bool,
}

/// The order of an audit search: newest first (default) or oldest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditOrder {
    #[default]
    Newest,
    Oldest,
}

/// Audit searches count their matches up to this many.
const AUDIT_COUNT_CAP: u64 = 10_000;

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
    pub order: AuditOrder,
}

/// Auditors query by customer, staff member and time range (newest first, or oldest first).
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
    let limit = crate::view::page_limit(q.limit, 50, 500)?;
    let filter = AuditFilter {
        customer_id: q.customer_id,
        actor_id: q.staff_id,
        from_us: q.from.map(|t| t.as_microsecond()),
        to_us: q.to.map(|t| t.as_microsecond()),
        action: q.action,
        past: before,
        oldest_first: q.order == AuditOrder::Oldest,
        limit: limit + 1,
    };
    let rows = store::list_audit(&app.db.conn, &filter).await?;
    let counted = store::count_audit(&app.db.conn, &filter, AUDIT_COUNT_CAP).await?;
    let more = rows.len() as u64 > limit;
    let mut rows = rows;
    rows.truncate(limit as usize);
    let next_cursor = match rows.last() {
        Some(l) if more => Some(format!("{}_{}", l.at_us, l.id)),
        _ => None,
    };
    let items: Vec<AuditView> = rows
        .into_iter()
        .map(|r| {
            Ok(AuditView {
                detail: crate::json::stored(
                    &r.detail,
                    format_args!("audit_log.detail of row {}", r.id),
                )?,
                id: r.id,
                seq: r.seq,
                at: crate::json::stored_instant(
                    r.at_us,
                    format_args!("audit_log.at_us of row {}", r.id),
                )?,
                actor_id: r.actor_id,
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                customer_id: r.customer_id,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(AuditPage {
        items,
        next_cursor,
        total: counted.min(AUDIT_COUNT_CAP),
        total_more: counted > AUDIT_COUNT_CAP,
    })
}
