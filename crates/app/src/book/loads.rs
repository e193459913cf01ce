//! A feed load's record: what came in (source, business date, file), its progress and counts, the rows it
//! rejected with their reasons, and the audit entry. Every feed (holdings, transactions, channel events) is
//! loaded through these: begun with the load's record and the Idempotency-Key claimed, written chunk by
//! chunk, and ended done (or failed, with the rows written so far kept).

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldError;
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::imports::ImportStatus;
use banyan_store::book::{self as store, BookLoadRow, BookRejectRow};
use banyan_store::now_us;
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// Rows per transaction.
pub(super) const CHUNK: usize = 500;
/// Rejected rows a report lists (all are kept with the load).
const REPORT_REJECTS: u64 = 1000;

/// A load as its list and its page show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoadView {
    pub id: Uuid,
    /// `holdings`.
    pub kind: String,
    pub source: String,
    #[schema(value_type = String)]
    pub as_of: Date,
    pub file_name: String,
    pub status: ImportStatus,
    /// Rows read, and what became of them.
    pub rows: i64,
    pub loaded: i64,
    pub unchanged: i64,
    pub rejected: i64,
    /// Customers whose figures were derived again.
    pub customers: i64,
    /// Who loaded it (display name; none for the system).
    pub by: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Why the whole load stopped (a file without the columns it needs), as broken rules.
    pub error: Option<Vec<FieldError>>,
}

/// A row the load rejected.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectedFeedRow {
    /// The line in the file (header = 1) or the item's position (from 1).
    pub line: i64,
    pub account_no: String,
    pub errors: Vec<FieldError>,
}

/// What a load did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoadReport {
    pub load: LoadView,
    /// The first 1,000 rejected rows, by line.
    pub rejected: Vec<RejectedFeedRow>,
}

/// A row as read: the record, or the key it names (as far as it could be read) and its broken rules.
pub(super) type RowIn<T> = (i64, std::result::Result<T, (String, FieldErrors)>);

/// Where a load comes from, which feed and which day it is.
pub(super) struct Meta {
    /// `holdings`, `transactions`, `events`.
    pub(super) kind: &'static str,
    pub(super) source: String,
    pub(super) as_of: Date,
    pub(super) file_name: String,
}

/// A feed file as a table (an `.xlsx` name is read as a workbook, anything else as CSV in UTF-8), or why it
/// cannot be read.
pub(super) fn read_table(
    file_name: &str,
    bytes: &[u8],
) -> std::result::Result<crate::tabular::Source, FieldErrors> {
    let src = if file_name.to_ascii_lowercase().ends_with(".xlsx") {
        crate::tabular::read_xlsx(bytes)
    } else {
        crate::tabular::read_csv(bytes)
    };
    src.map_err(|_| {
        let mut e = FieldErrors::new();
        e.push(
            "file",
            "unreadable",
            "cannot be read as CSV (UTF-8) or XLSX",
        );
        e
    })
}

impl Meta {
    /// The load's description, once its source and day are judged: a source is a short code, the day is
    /// not in the future.
    pub(super) fn checked(
        app: &App,
        kind: &'static str,
        source: &str,
        as_of: Date,
        file_name: &str,
    ) -> Result<Meta> {
        check_meta(app, source, as_of)?;
        Ok(Meta {
            kind,
            source: source.to_owned(),
            as_of,
            file_name: file_name.to_owned(),
        })
    }
}

fn check_meta(app: &App, source: &str, as_of: Date) -> Result<()> {
    let mut e = FieldErrors::new();
    let ok = (1..=32).contains(&source.len())
        && source
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !ok {
        e.push(
            "source",
            "format",
            "must be 1-32 lower-case letters, digits, '-' or '_' (e.g. core)",
        );
    }
    if as_of > app.today() {
        e.push("as_of", "not_future", "must not be after today");
    }
    e.into_result().map_err(AppError::Validation)
}

pub(super) fn view_of(r: &BookLoadRow, by: Option<String>) -> Result<LoadView> {
    let error = match &r.error {
        None => None,
        Some(s) => Some(
            serde_json::from_str(s)
                .map_err(|e| AppError::internal_from(format!("book_loads.error of {}", r.id), e))?,
        ),
    };
    Ok(LoadView {
        id: r.id,
        kind: r.kind.clone(),
        source: r.source.clone(),
        as_of: r.as_of,
        file_name: r.file_name.clone(),
        status: r.status,
        rows: r.rows,
        loaded: r.loaded,
        unchanged: r.unchanged,
        rejected: r.rejected,
        customers: r.customers,
        by,
        started_at: crate::fmt_us(r.created_at_us),
        finished_at: r.finished_at_us.map(crate::fmt_us),
        error,
    })
}

pub(super) fn new_load(actor: &Actor, meta: &Meta, rows: usize) -> BookLoadRow {
    BookLoadRow {
        id: Uuid::now_v7(),
        kind: meta.kind.into(),
        source: meta.source.clone(),
        as_of: meta.as_of,
        file_name: meta.file_name.clone(),
        status: ImportStatus::Running,
        rows: i64::try_from(rows).unwrap_or(i64::MAX),
        loaded: 0,
        unchanged: 0,
        rejected: 0,
        customers: 0,
        actor_id: actor.id,
        actor: actor.username.clone(),
        error: None,
        created_at_us: now_us(),
        finished_at_us: None,
        monitored_at_us: None,
        node: None,
        lease_until_us: None,
    }
}

/// Whether the tables (or partitions) a load writes have grown enough since their statistics were last refreshed: after
/// chunk 1, 4, 16, 64, 256, 1024 … (each about four times the rows of the one before), so a million rows
/// refresh them six times.
pub(super) fn grown(chunk: usize) -> bool {
    let n = chunk + 1;
    n.is_power_of_two() && n.trailing_zeros().is_multiple_of(2)
}

pub(super) fn load_entry(l: &BookLoadRow) -> Entry {
    Entry {
        action: "book.load",
        entity: "book_load",
        entity_id: Some(l.id.to_string()),
        customer_id: None,
        detail: json!({"feed": l.kind, "source": l.source, "as_of": l.as_of.to_string(),
            "filename": l.file_name, "status": l.status.as_str(), "rows": l.rows, "loaded": l.loaded,
            "unchanged": l.unchanged, "rejected": l.rejected, "refreshed": l.customers}),
    }
}

pub(super) async fn report(app: &App, load: &BookLoadRow) -> Result<LoadReport> {
    let by = super::staff_name(app, load.actor_id).await?;
    let mut rejected = Vec::new();
    for r in store::load_rejects(&app.db.conn, load.id, REPORT_REJECTS).await? {
        rejected.push(RejectedFeedRow {
            line: r.line,
            account_no: r.account_no.clone(),
            errors: serde_json::from_str(&r.errors).map_err(|e| {
                AppError::internal_from(format!("book_load_rejects.errors of {}", r.id), e)
            })?,
        });
    }
    Ok(LoadReport {
        load: view_of(load, by)?,
        rejected,
    })
}

pub(super) fn reject(
    load: Uuid,
    line: i64,
    account_no: &str,
    e: &FieldErrors,
) -> Result<BookRejectRow> {
    Ok(BookRejectRow {
        id: Uuid::now_v7(),
        load_id: load,
        line,
        account_no: account_no.to_owned(),
        errors: serde_json::to_string(&e.0)
            .map_err(|e| AppError::internal_from("errors as JSON", e))?,
    })
}

/// API items as rows of a load, numbered from 1 (the item's position, as a file's line would be).
pub(super) fn numbered<T>(items: Vec<T>) -> Vec<RowIn<T>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            (
                i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1),
                Ok(r),
            )
        })
        .collect()
}

/// The customers a load's rows name, by customer number (upper case) or id: the map is keyed by both
/// spellings, so [`customer_of`] finds either.
pub(super) async fn customers_named<C: banyan_store::ConnectionTrait>(
    c: &C,
    keys: &[&str],
) -> Result<std::collections::HashMap<String, banyan_store::customers::CustomerRow>> {
    use banyan_store::customers as cstore;
    let ids: Vec<Uuid> = keys.iter().filter_map(|k| k.trim().parse().ok()).collect();
    let numbers: Vec<String> = keys
        .iter()
        .filter(|k| k.trim().parse::<Uuid>().is_err())
        .map(|k| k.trim().to_ascii_uppercase())
        .collect();
    let mut out = std::collections::HashMap::new();
    for r in cstore::rows_by_ids(c, &ids).await? {
        out.insert(r.id.to_string(), r);
    }
    for r in cstore::rows_by_numbers(c, &numbers).await? {
        out.insert(r.customer_no.clone(), r);
    }
    follow_merges(c, &mut out).await?;
    // An erased person is gone for the book too: a feed still naming them is refused, not stored again.
    out.retain(|_, r| r.status != banyan_domain::customer::CustomerStatus::Erased);
    Ok(out)
}

/// A row naming a merged record goes to the record it was merged into (the core system may still send the old
/// number): the book follows the merge, and a record merged in turn is followed again (a few hops at most).
async fn follow_merges<C: banyan_store::ConnectionTrait>(
    c: &C,
    out: &mut std::collections::HashMap<String, banyan_store::customers::CustomerRow>,
) -> Result<()> {
    use banyan_domain::customer::CustomerStatus;
    use banyan_store::customers::{self as cstore, merge};
    for _ in 0..4 {
        let merged: Vec<Uuid> = out
            .values()
            .filter(|r| r.status == CustomerStatus::Merged)
            .map(|r| r.id.uuid())
            .collect();
        if merged.is_empty() {
            return Ok(());
        }
        let pairs = merge::survivors_of(c, &merged).await?;
        let ids: Vec<Uuid> = pairs.iter().map(|(_, s)| *s).collect();
        let rows: std::collections::HashMap<Uuid, banyan_store::customers::CustomerRow> =
            cstore::rows_by_ids(c, &ids)
                .await?
                .into_iter()
                .map(|r| (r.id.uuid(), r))
                .collect();
        let to: std::collections::HashMap<Uuid, Uuid> = pairs.into_iter().collect();
        let mut moved = false;
        for r in out.values_mut() {
            if let Some(s) = to.get(&r.id.uuid()).and_then(|s| rows.get(s)) {
                *r = s.clone();
                moved = true;
            }
        }
        if !moved {
            return Ok(());
        }
    }
    Ok(())
}

/// The customer a row names, from [`customers_named`].
pub(super) fn customer_of<'a>(
    map: &'a std::collections::HashMap<String, banyan_store::customers::CustomerRow>,
    key: &str,
) -> Option<&'a banyan_store::customers::CustomerRow> {
    let key = key.trim();
    map.get(&key.to_ascii_uppercase())
        .or_else(|| map.get(&key.to_ascii_lowercase()))
}

/// How a run of rows starts: a new load (its record made and the request's Idempotency-Key claimed), or a
/// load already recorded (a file load run as a job, perhaps resumed after its last committed chunk).
pub(super) enum Start {
    New(Meta),
    Recorded(Box<BookLoadRow>),
}

impl Start {
    /// Whether rows of this load were committed before (a resumed job): what they touched is read back.
    pub(super) fn resumed(&self) -> bool {
        matches!(self, Start::Recorded(l) if l.loaded + l.unchanged + l.rejected > 0)
    }

    /// The load the rows go to.
    pub(super) async fn open(self, app: &App, actor: &Actor, rows: usize) -> Result<BookLoadRow> {
        match self {
            Start::New(meta) => begin(app, actor, &meta, rows).await,
            Start::Recorded(load) => Ok(*load),
        }
    }
}

/// How long a job's claim on a load lasts without renewal (a chunk takes far less).
pub(super) const LEASE_US: i64 = 60_000_000;

/// Writes a chunk's counts with the chunk (in its transaction) and, for a load run as a job, renews the
/// runner's claim. A load another runner has taken over (this one's claim lapsed) stops here: the chunk is
/// rolled back and the other runner goes on from the last committed one.
pub(super) async fn advance<C: banyan_store::ConnectionTrait>(
    c: &C,
    load: &mut BookLoadRow,
) -> Result<()> {
    if load.node.is_some() {
        load.lease_until_us = Some(now_us() + LEASE_US);
    }
    if store::update_load(c, load).await? {
        Ok(())
    } else {
        Err(AppError::conflict(
            "load_taken_over",
            "another runner has taken this load over",
            json!({}),
        ))
    }
}

/// Records the load and claims the request's Idempotency-Key, before any row is written.
pub(super) async fn begin(
    app: &App,
    actor: &Actor,
    meta: &Meta,
    rows: usize,
) -> Result<BookLoadRow> {
    let load = new_load(actor, meta, rows);
    let tx = app.db.begin_write().await?;
    store::insert_load(&*tx, &load).await?;
    crate::idempotency::claim(&*tx, actor).await?;
    tx.commit().await?;
    Ok(load)
}

/// Marks a load as stopped on an error (the rows it loaded stay).
pub(super) fn stopped(load: &mut BookLoadRow) -> Result<()> {
    load.status = ImportStatus::Failed;
    let mut fe = FieldErrors::new();
    fe.push(
        "",
        "load_stopped",
        "the load stopped on an error; rows loaded so far stay",
    );
    load.error = Some(
        serde_json::to_string(&fe.0).map_err(|e| AppError::internal_from("errors as JSON", e))?,
    );
    Ok(())
}

/// Ends a load: done with the customers whose figures were derived again, or failed (rows written so far
/// stay); audited; the report is the request's answer.
pub(super) async fn finish(
    app: &App,
    actor: &Actor,
    mut load: BookLoadRow,
    outcome: Result<u64>,
) -> Result<LoadReport> {
    let grant = actor.require(Permission::BookLoad)?;
    load.finished_at_us = Some(now_us());
    match outcome {
        Ok(n) => {
            load.customers = i64::try_from(n).unwrap_or(i64::MAX);
            load.status = ImportStatus::Done;
        }
        Err(e) => {
            tracing::error!(load = %load.id, feed = load.kind, error = %e.chain(), "feed load stopped");
            stopped(&mut load)?;
        }
    }
    let tx = app.db.begin_write().await?;
    advance(&*tx, &mut load).await?;
    // A file run as a job is kept until its load ends, and no longer.
    store::delete_load_file(&*tx, load.id).await?;
    audit::record(app, &*tx, &grant, vec![load_entry(&load)]).await?;
    tx.commit().await?;
    let report = report(app, &load).await?;
    crate::idempotency::finish(app, actor, 201, &report).await?;
    Ok(report)
}
/// One load with its report (the first 1,000 rejected rows). Loads are the bank's: anyone who may load
/// them may read them.
pub async fn load(app: &App, actor: &Actor, id: Uuid) -> Result<LoadReport> {
    actor.require(Permission::BookLoad)?;
    let l = store::find_load(&app.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    report(app, &l).await
}

/// One load without its rejected rows: how far it has come (read while it runs).
pub async fn load_view(app: &App, actor: &Actor, id: Uuid) -> Result<LoadView> {
    actor.require(Permission::BookLoad)?;
    let l = store::find_load(&app.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    view_of(&l, super::staff_name(app, l.actor_id).await?)
}

/// A page of loads, newest first, and how many there are.
pub async fn loads(
    app: &App,
    actor: &Actor,
    offset: u64,
    limit: u64,
) -> Result<(Vec<LoadView>, u64)> {
    actor.require(Permission::BookLoad)?;
    if offset > 1_000_000 {
        return Err(AppError::field("offset", "max", "must be at most 1000000"));
    }
    let rows = store::recent_loads(&app.db.conn, offset, limit.clamp(1, 200)).await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(view_of(r, super::staff_name(app, r.actor_id).await?)?);
    }
    Ok((out, store::count_loads(&app.db.conn).await?))
}
