//! Closed months of the audit log leave the database as files (`banyan audit archive`): AML records are kept
//! ten years and more, and a log that only grows makes every backup, vacuum and index longer.
//!
//! A month is archived once it has ended and every record in it is sealed: its records, in chain order, go
//! to `audit-YYYY-MM.jsonl.gz` (one JSON object per line: `zcat` reads it), with `audit-YYYY-MM.json` (how
//! many records, the file's SHA-256, the runs of chain positions it holds) and a copy of the audit
//! checkpoints. The file is read back and checked before anything leaves the database. Then, in one
//! transaction, the month's catalogue row is written, the month leaves the database (PostgreSQL: its
//! partition is detached and dropped; SQLite: its rows are deleted with the delete guard lifted inside that
//! transaction only) and `audit.archived` is recorded. `audit verify` steps over an archived run by the
//! chain values the catalogue holds, or, given the directory, checks every archived record from its file.

use super::Entry;
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_store::audit::{self as store, ArchiveRow, AuditRow};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// Records read from the database per page while a month is written out.
const PAGE: u64 = 5000;
/// The checkpoints' copy beside the archived months.
const CHECKPOINTS: &str = "audit-checkpoints.jsonl";

/// One archived record: every column of the log, so that verify can recompute its MAC and chain value.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    id: Uuid,
    seq: i64,
    at_us: i64,
    actor_id: Option<Uuid>,
    actor: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    customer_id: Option<Uuid>,
    detail: String,
    prev_hash: String,
    hash: String,
    mac: String,
}

impl Record {
    fn of(r: &AuditRow) -> Option<Record> {
        Some(Record {
            id: r.id,
            seq: r.seq?,
            at_us: r.at_us,
            actor_id: r.actor_id,
            actor: r.actor.clone(),
            action: r.action.clone(),
            entity: r.entity.clone(),
            entity_id: r.entity_id.clone(),
            customer_id: r.customer_id,
            detail: r.detail.clone(),
            prev_hash: r.prev_hash.clone()?,
            hash: r.hash.clone()?,
            mac: r.mac.clone()?,
        })
    }

    fn into_row(self) -> AuditRow {
        AuditRow {
            id: self.id,
            seq: Some(self.seq),
            at_us: self.at_us,
            actor_id: self.actor_id,
            actor: self.actor,
            action: self.action,
            entity: self.entity,
            entity_id: self.entity_id,
            customer_id: self.customer_id,
            detail: self.detail,
            prev_hash: Some(self.prev_hash),
            hash: Some(self.hash),
            mac: Some(self.mac),
        }
    }
}

/// A run of consecutive chain positions an archive holds, with the chain value before its first record
/// and at its last: enough to step over it, and to check that the records around it link to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub from: i64,
    pub to: i64,
    pub prev: String,
    pub hash: String,
}

/// An archived month as its manifest describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchivedMonth {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub file: String,
    pub records: i64,
    pub sha256: String,
    pub runs: Vec<Run>,
}

/// The first instant (µs, UTC) of `month` and of the month after.
fn bounds(month: jiff::civil::Date) -> Result<(i64, i64)> {
    let us = |d: jiff::civil::Date| -> Result<i64> {
        Ok(d.to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|e| AppError::internal_from("month bounds", e))?
            .timestamp()
            .as_microsecond())
    };
    let next = month
        .checked_add(jiff::Span::new().months(1))
        .map_err(|e| AppError::internal_from("month bounds", e))?;
    Ok((us(month)?, us(next)?))
}

fn month_of_us(at_us: i64) -> Result<jiff::civil::Date> {
    let t = jiff::Timestamp::from_microsecond(at_us)
        .map_err(|e| AppError::internal_from("audit record time", e))?;
    Ok(t.to_zoned(jiff::tz::TimeZone::UTC).date().first_of_month())
}

/// Reads `YYYY-MM` as the first day of that month.
fn parse_month(text: &str) -> Result<jiff::civil::Date> {
    let bad = || AppError::field("before", "month", "a month as YYYY-MM (such as 2026-01)");
    let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
    let (y, m) = (
        y.parse::<i16>().map_err(|_| bad())?,
        m.parse::<i8>().map_err(|_| bad())?,
    );
    jiff::civil::Date::new(y, m, 1).map_err(|_| bad())
}

/// Archives every month before `before` (`YYYY-MM`, exclusive) that still has records in the database into
/// `dir`; returns what it archived, oldest first. A month already archived has no records left and is
/// passed over, so the command may be run again after a failure.
pub async fn archive(
    app: &App,
    actor: &Actor,
    before: &str,
    dir: &Path,
) -> Result<Vec<ArchivedMonth>> {
    let grant = actor.require(Permission::ConfigManage)?;
    let before = parse_month(before)?;
    let this_month = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month();
    if before > this_month {
        return Err(AppError::field(
            "before",
            "closed_month",
            format!(
                "only months that have ended are archived: at the latest {} (this month)",
                &this_month.to_string()[..7]
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(AppError::io(format!("creating {}", dir.display())))?;
    let Some(oldest) = store::oldest_at(&app.db.conn).await? else {
        return Ok(Vec::new());
    };
    let mut month = month_of_us(oldest)?;
    let mut done = Vec::new();
    while month < before {
        if let Some(a) = archive_month(app, &grant, month, dir).await? {
            done.push(a);
        }
        month = month
            .checked_add(jiff::Span::new().months(1))
            .map_err(|e| AppError::internal_from("next month", e))?;
    }
    if let Some(cp) = app.audit.checkpoint_file().filter(|p| p.exists()) {
        std::fs::copy(cp, dir.join(CHECKPOINTS))
            .map_err(AppError::io(format!("copying {}", cp.display())))?;
    }
    Ok(done)
}

async fn archive_month(
    app: &App,
    grant: &crate::actor::Granted<'_>,
    month: jiff::civil::Date,
    dir: &Path,
) -> Result<Option<ArchivedMonth>> {
    let name = month.to_string()[..7].to_owned();
    let (lo, hi) = bounds(month)?;
    let c = &app.db.conn;
    let (records, pending) = store::month_counts(c, lo, hi).await?;
    if records == 0 {
        return Ok(None);
    }
    if pending > 0 {
        return Err(AppError::refused(
            "audit_month_unsealed",
            format!(
                "{name}: {pending} records are not sealed (or the sealer refused them): run `banyan audit verify` and resolve them before archiving"
            ),
        ));
    }
    let strays = store::strays_in_default(c, lo, hi).await?;
    if strays > 0 {
        return Err(AppError::refused(
            "audit_month_in_default",
            format!(
                "{name}: {strays} records are in the default partition audit_log_default (written while the month's partition was missing): move them into the month first (docs/operations.md, \"Records in the default partition\")"
            ),
        ));
    }
    let file = format!("audit-{name}.jsonl.gz");
    let runs = write_month(app, lo, hi, &dir.join(&file)).await?;
    let (read, read_runs) = read_back(&dir.join(&file))?;
    if read != records || read_runs != runs {
        return Err(AppError::internal(format!(
            "{file}: read back {read} records of {records}; nothing was removed from the database"
        )));
    }
    let sha256 = crate::crypto::sha256_file(&dir.join(&file))
        .map_err(AppError::io(format!("reading {file}")))?
        .1;
    let a = ArchivedMonth {
        month: name.clone(),
        file: file.clone(),
        records,
        sha256: sha256.clone(),
        runs,
    };
    let manifest = serde_json::to_vec_pretty(&a)
        .map_err(|e| AppError::internal_from("archive manifest", e))?;
    let mpath = dir.join(format!("audit-{name}.json"));
    std::fs::write(&mpath, manifest)
        .map_err(AppError::io(format!("writing {}", mpath.display())))?;

    let ranges =
        serde_json::to_string(&a.runs).map_err(|e| AppError::internal_from("archive runs", e))?;
    let mut row = ArchiveRow {
        month: name.clone(),
        file,
        records,
        sha256,
        ranges,
        archived_at_us: banyan_store::now_us(),
        mac: String::new(),
    };
    row.mac = app.audit.archive_mac(&row);
    let tx = app.db.begin_write().await?;
    store::insert_archive(&*tx, &row).await?;
    // The month's partition, named as the book's are (`transactions_y2026m11`).
    let partition = format!("audit_log_y{}", name.replace('-', "m"));
    let dropped = store::drop_month(&*tx, app.db.kind, &partition, lo, hi).await?;
    if dropped.records != records || dropped.unsealed != 0 {
        // Written while the file was made (a writer with a clock behind, a long transaction): refuse rather
        // than lose a record; the transaction rolls back, the month stays.
        return Err(AppError::refused(
            "audit_month_written",
            format!(
                "{name}: {} records ({} not sealed) were in the month when it was to leave the database, {records} in the file; nothing was removed: run the command again",
                dropped.records, dropped.unsealed
            ),
        ));
    }
    let entry = Entry {
        action: "audit.archived",
        entity: "audit_log",
        entity_id: Some(name.clone()),
        customer_id: None,
        detail: serde_json::json!({ "records": records, "file": a.file, "sha256": a.sha256 }),
    };
    super::record(app, &*tx, grant, vec![entry]).await?;
    tx.commit().await?;
    tracing::info!(month = %name, records, "audit month archived");
    Ok(Some(a))
}

/// Extends the runs with the next record's position.
fn extend(runs: &mut Vec<Run>, seq: i64, prev: &str, hash: &str) {
    match runs.last_mut() {
        Some(r) if r.to + 1 == seq => {
            r.to = seq;
            r.hash = hash.to_owned();
        }
        _ => runs.push(Run {
            from: seq,
            to: seq,
            prev: prev.to_owned(),
            hash: hash.to_owned(),
        }),
    }
}

/// Writes the month's records in chain order (to a temporary name, renamed once complete and synced).
async fn write_month(app: &App, lo: i64, hi: i64, path: &Path) -> Result<Vec<Run>> {
    let tmp = path.with_extension("partial");
    let f =
        std::fs::File::create(&tmp).map_err(AppError::io(format!("creating {}", tmp.display())))?;
    let mut gz =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(f), flate2::Compression::default());
    let mut runs = Vec::new();
    let mut after = 0;
    loop {
        let page = store::page_month(&app.db.conn, lo, hi, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq.unwrap_or(after);
        for r in &page {
            let rec = Record::of(r).ok_or_else(|| {
                AppError::internal(format!("audit record {} is not sealed", r.id))
            })?;
            extend(&mut runs, rec.seq, &rec.prev_hash, &rec.hash);
            let line = serde_json::to_string(&rec)
                .map_err(|e| AppError::internal_from("archived record", e))?;
            writeln!(gz, "{line}").map_err(AppError::io(format!("writing {}", tmp.display())))?;
        }
    }
    let w = gz
        .finish()
        .map_err(AppError::io(format!("writing {}", tmp.display())))?;
    let f = w.into_inner().map_err(|e| {
        AppError::internal_from(format!("writing {}", tmp.display()), e.into_error())
    })?;
    f.sync_all()
        .map_err(AppError::io(format!("syncing {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(AppError::io(format!("renaming {}", tmp.display())))?;
    Ok(runs)
}

/// Every record of an archive file, in its order.
pub(super) fn records(path: &Path) -> Result<impl Iterator<Item = Result<AuditRow>>> {
    let f =
        std::fs::File::open(path).map_err(AppError::io(format!("reading {}", path.display())))?;
    let shown: PathBuf = path.to_owned();
    let lines = std::io::BufReader::new(flate2::read::GzDecoder::new(f)).lines();
    Ok(lines.enumerate().map(move |(i, l)| {
        let l = l.map_err(AppError::io(format!("reading {}", shown.display())))?;
        serde_json::from_str::<Record>(&l)
            .map(Record::into_row)
            .map_err(|e| AppError::internal(format!("{} line {}: {e}", shown.display(), i + 1)))
    }))
}

/// Reads a written file back: how many records and which runs it holds.
fn read_back(path: &Path) -> Result<(i64, Vec<Run>)> {
    let mut runs = Vec::new();
    let mut n = 0;
    for r in records(path)? {
        let r = r?;
        let (Some(seq), Some(prev), Some(hash)) = (r.seq, &r.prev_hash, &r.hash) else {
            return Err(AppError::internal(format!(
                "{}: an unsealed record",
                path.display()
            )));
        };
        extend(&mut runs, seq, prev, hash);
        n += 1;
    }
    Ok((n, runs))
}

/// An archived run as verify steps over it: the run and the month (file and checksum) it is in.
#[derive(Debug, Clone)]
pub(super) struct ArchivedRun {
    pub run: Run,
    pub month: String,
    pub file: String,
    pub sha256: String,
    /// Whether the catalogue row's MAC is the audit key's.
    pub vouched: bool,
}

/// The catalogue's runs by their first position. A catalogue row that does not parse is an error.
pub(super) async fn catalogue<C: banyan_store::ConnectionTrait>(
    c: &C,
    keeper: &super::AuditKeeper,
) -> Result<std::collections::BTreeMap<i64, ArchivedRun>> {
    let mut out = std::collections::BTreeMap::new();
    for row in store::list_archives(c).await? {
        let runs: Vec<Run> = serde_json::from_str(&row.ranges).map_err(|e| {
            AppError::internal(format!(
                "the catalogue row of archived month {}: {e}",
                row.month
            ))
        })?;
        let vouched = keeper.archive_mac(&row) == row.mac;
        for run in runs {
            out.insert(
                run.from,
                ArchivedRun {
                    run,
                    month: row.month.clone(),
                    file: row.file.clone(),
                    sha256: row.sha256.clone(),
                    vouched,
                },
            );
        }
    }
    Ok(out)
}

/// The last archived position and its chain value (of rows the key vouches for): the sealer goes on from
/// it when it is past every record left in the database (a month's late record was the newest when its
/// month was archived).
pub(super) async fn tail<C: banyan_store::ConnectionTrait>(
    c: &C,
    keeper: &super::AuditKeeper,
) -> Result<Option<(i64, String)>> {
    Ok(catalogue(c, keeper)
        .await?
        .into_values()
        .filter(|a| a.vouched)
        .map(|a| (a.run.to, a.run.hash))
        .max_by_key(|(to, _)| *to))
}
