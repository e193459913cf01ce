//! The keyed chain: each record's MAC, sealing in commit order, checkpoints outside the database, and
//! verification.
//!
//! The audit key is derived from the master key and never stored, so whoever holds only the database can
//! neither forge a record the sealer accepts nor re-compute the chain after an edit. Each record carries
//! `mac = HMAC(key, record)` from its writer; one sealer at a time (a lease row, so several nodes may run)
//! seals committed records in the order it first sees them, `hash = HMAC(key, seq, prev_hash, mac)`, and
//! sets aside (quarantines) any record whose MAC does not match. Checkpoints (sequence, chain value,
//! length, time, under the key's MAC) go to a file in the data directory and to a webhook, so deleting the
//! newest records is caught against the last checkpoint. The database itself refuses UPDATE and DELETE on
//! the log (triggers, migration 10; on PostgreSQL also the application role's privileges).

use super::{Entry, row};
use crate::App;
use crate::actor::Actor;
use crate::crypto::{MasterKey, sha256_hex};
use crate::error::{AppError, Result};
use banyan_domain::access::Role;
use banyan_store::audit::{self as store, AuditRow};
use banyan_store::{ConnectionTrait, Db, misc, now_us};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use utoipa::ToSchema;
use uuid::Uuid;

/// The value that stands before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const LEASE: &str = "audit-sealer";
const KEY_LABEL: &str = "banyan-audit-chain-v1";
/// The actor name of the sealer's own records.
const SEALER: &str = "audit-sealer";

/// Where checkpoints are anchored outside the database.
#[derive(Debug, Clone, Default)]
pub struct Anchor {
    /// A file (JSON lines, appended and synced), normally `<data_dir>/audit-checkpoints.jsonl`.
    pub file: Option<PathBuf>,
    /// A URL every checkpoint is POSTed to (a log collector or SIEM).
    pub webhook: Option<String>,
}

/// The audit key and where checkpoints go.
pub struct AuditKeeper {
    key: [u8; 32],
    anchor: Anchor,
    client: Option<reqwest_tls::Client>,
    /// The last checkpoint's sequence number (read from the file once, then kept here).
    last_checkpoint: Mutex<Option<i64>>,
}

impl std::fmt::Debug for AuditKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeeper")
            .field("key", &"<redacted>")
            .field("anchor", &self.anchor)
            .finish()
    }
}

pub(crate) fn mac_hex(key: &[u8], text: &str) -> String {
    let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key)
        .expect("HMAC takes a key of any length");
    m.update(text.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// Every field a writer sets, in the order they are MAC'd (and were hashed before the chain was keyed).
fn content(r: &AuditRow) -> Vec<serde_json::Value> {
    use serde_json::json;
    vec![
        json!(r.id.to_string()),
        json!(r.at_us),
        json!(r.actor_id.map(|u| u.to_string())),
        json!(r.actor),
        json!(r.action),
        json!(r.entity),
        json!(r.entity_id),
        json!(r.customer_id.map(|u| u.to_string())),
        json!(r.detail),
    ]
}

/// A record's MAC under `key`: every field a writer sets.
pub fn row_mac_under(key: &[u8], r: &AuditRow) -> String {
    let mut v = vec![serde_json::json!("record")];
    v.extend(content(r));
    mac_hex(key, &serde_json::Value::Array(v).to_string())
}

/// The chain value of the record at `seq` under `key`.
pub fn chain_under(key: &[u8], seq: i64, prev: &str, mac: &str) -> String {
    mac_hex(
        key,
        &serde_json::json!(["chain", seq, prev, mac]).to_string(),
    )
}

impl AuditKeeper {
    pub fn new(master: &MasterKey, anchor: Anchor) -> Result<AuditKeeper> {
        let client = match &anchor.webhook {
            None => None,
            Some(_) => Some(
                reqwest_tls::Client::builder()
                    .timeout(std::time::Duration::from_secs(5))
                    .build()
                    .map_err(|e| AppError::internal(format!("http client: {e}")))?,
            ),
        };
        Ok(AuditKeeper {
            key: master.derive(KEY_LABEL),
            anchor,
            client,
            last_checkpoint: Mutex::new(None),
        })
    }

    /// The checkpoint file, if checkpoints are anchored in one.
    pub fn checkpoint_file(&self) -> Option<&std::path::Path> {
        self.anchor.file.as_deref()
    }

    pub(crate) fn row_mac(&self, r: &AuditRow) -> String {
        row_mac_under(&self.key, r)
    }

    fn chain(&self, seq: i64, prev: &str, mac: &str) -> String {
        chain_under(&self.key, seq, prev, mac)
    }

    /// The MAC of an archived month's catalogue row: what verify trusts when it steps over the month.
    pub(crate) fn archive_mac(&self, r: &banyan_store::audit::ArchiveRow) -> String {
        let text = serde_json::json!(["archive", r.month, r.file, r.records, r.sha256, r.ranges]);
        mac_hex(&self.key, &text.to_string())
    }

    /// The record's MAC, if it is the one the key gives for its content.
    fn valid_mac<'r>(&self, r: &'r AuditRow) -> Option<&'r str> {
        r.mac.as_deref().filter(|m| *m == self.row_mac(r))
    }
}

/// The chain value records had before the chain was keyed (plain SHA-256), to check them once at upgrade.
fn unkeyed_hash(r: &AuditRow, seq: i64, prev_hash: &str) -> String {
    let mut v = vec![serde_json::json!(seq), serde_json::json!(prev_hash)];
    v.extend(content(r));
    sha256_hex(serde_json::Value::Array(v).to_string().as_bytes())
}

/// Once, at the upgrade that keys the chain (before the guard triggers exist): checks the unkeyed chain,
/// then gives every record its MAC and re-chains the sealed ones under the key. A chain already broken
/// is not laundered: the upgrade stops and names the record.
pub async fn key_unkeyed_records(db: &Db, keeper: &AuditKeeper) -> Result<usize> {
    let tx = db.begin_write().await?;
    let rows = store::list_unkeyed(&*tx).await?;
    if rows.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let (mut old_prev, mut prev, mut expected) = (GENESIS.to_owned(), GENESIS.to_owned(), 1);
    for r in &rows {
        let mac = keeper.row_mac(r);
        let Some(seq) = r.seq else {
            store::rekey(&*tx, r.id, &mac, None).await?;
            continue;
        };
        let old_hash = unkeyed_hash(r, seq, &old_prev);
        let intact = seq == expected
            && r.prev_hash.as_deref() == Some(old_prev.as_str())
            && r.hash.as_deref() == Some(old_hash.as_str());
        if !intact {
            return Err(AppError::internal(format!(
                "the audit chain is broken at seq {seq} (record {}): it was not keyed; run `banyan audit verify` on the previous version and investigate first",
                r.id
            )));
        }
        let h = keeper.chain(seq, &prev, &mac);
        store::rekey(&*tx, r.id, &mac, Some((&prev, &h))).await?;
        old_prev = old_hash;
        prev = h;
        expected += 1;
    }
    let entry = Entry {
        action: "audit.chain_keyed",
        entity: "audit_log",
        entity_id: None,
        customer_id: None,
        detail: serde_json::json!({"records": rows.len()}),
    };
    store::insert_audit(&*tx, &[row(keeper, None, SEALER, entry, now_us())]).await?;
    tx.commit().await?;
    tracing::info!(records = rows.len(), "audit chain keyed");
    Ok(rows.len())
}

/// Seals every committed, unsealed record; returns how many were sealed. Safe to call from several
/// nodes: only the lease holder seals. A record without a valid MAC is quarantined, recorded and raised
/// to administrators and auditors, never sealed.
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
        let in_db = store::last_sealed(&*tx).await?;
        let archived = super::archive::tail(&*tx, &app.audit).await?;
        let (mut seq, mut prev) = match (in_db, archived) {
            (Some(d), Some(a)) => std::cmp::max_by_key(d, a, |t| t.0),
            (d, a) => d.or(a).unwrap_or((0, GENESIS.to_owned())),
        };
        let mut forged = Vec::new();
        let mut seals = Vec::with_capacity(batch.len());
        for r in &batch {
            let Some(mac) = app.audit.valid_mac(r) else {
                store::quarantine(&*tx, r.id, now_us()).await?;
                forged.push(r.id);
                continue;
            };
            seq += 1;
            let h = app.audit.chain(seq, &prev, mac);
            seals.push(store::Seal {
                id: r.id,
                at_us: r.at_us,
                seq,
                prev_hash: std::mem::replace(&mut prev, h.clone()),
                hash: h,
            });
        }
        if store::seal_many(&*tx, &seals).await? != seals.len() as u64 {
            // Another sealer chained some of these first (the lease should prevent it): roll back.
            return Err(AppError::internal("audit record sealed concurrently"));
        }
        total += seals.len();
        if !forged.is_empty() {
            raise_forged(app, &*tx, &forged).await?;
        }
        tx.commit().await?;
    }
    Ok(total)
}

/// Records each refused record and tells every active administrator and auditor.
async fn raise_forged<C: ConnectionTrait>(app: &App, c: &C, ids: &[Uuid]) -> Result<()> {
    tracing::error!(
        count = ids.len(),
        "audit records without a valid MAC were refused and quarantined"
    );
    let entries = ids
        .iter()
        .map(|id| Entry {
            action: "audit.forged_record",
            entity: "audit_log",
            entity_id: Some(id.to_string()),
            customer_id: None,
            detail: serde_json::json!({}),
        })
        .collect();
    super::record_as(app, c, None, SEALER, entries).await?;
    let now = now_us();
    let notices: Vec<banyan_store::cases::NoticeRow> = banyan_store::access::list_staff(c)
        .await?
        .into_iter()
        .filter(|s| matches!(s.role, Role::Admin | Role::Auditor) && !s.disabled)
        .map(|s| banyan_store::cases::NoticeRow {
            id: Uuid::now_v7(),
            customer_id: None,
            staff_id: s.id.uuid(),
            case_id: None,
            kind: "audit.forged_record".into(),
            text: String::new(),
            created_at_us: now,
            read_at_us: None,
        })
        .collect();
    banyan_store::cases::insert_notices(c, &notices).await?;
    Ok(())
}

/// A checkpoint as written outside the database.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Checkpoint {
    seq: i64,
    chain: String,
    /// Records in the chain up to here.
    count: i64,
    at_us: i64,
    mac: String,
}

impl Checkpoint {
    fn expected_mac(&self, keeper: &AuditKeeper) -> String {
        let text = serde_json::json!(["checkpoint", self.seq, self.chain, self.count, self.at_us]);
        mac_hex(&keeper.key, &text.to_string())
    }
}

/// The last checkpoint verification compared against.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckpointView {
    pub seq: i64,
    pub at: String,
}

/// Checkpoints in the file: each line parsed, or the line number of one that does not parse.
fn read_checkpoints(keeper: &AuditKeeper) -> Result<Vec<std::result::Result<Checkpoint, usize>>> {
    let Some(path) = &keeper.anchor.file else {
        return Ok(Vec::new());
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(AppError::internal(format!(
                "reading audit checkpoints {}: {e}",
                path.display()
            )));
        }
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<Checkpoint>(l)
                .ok()
                .filter(|c| c.mac == c.expected_mac(keeper))
                .ok_or(i + 1)
        })
        .collect())
}

/// Writes a checkpoint of the sealed chain if it grew since the last one (to the file, then the
/// webhook); returns the sequence number anchored.
pub async fn checkpoint(app: &App) -> Result<Option<i64>> {
    let k = &app.audit;
    if k.anchor.file.is_none() && k.anchor.webhook.is_none() {
        return Ok(None);
    }
    let Some((seq, chain)) = store::last_sealed(&app.db.conn).await? else {
        return Ok(None);
    };
    let known = *k.last_checkpoint.lock().unwrap_or_else(|p| p.into_inner());
    // The file is read once per process; afterwards this process knows what it wrote.
    let last = match known {
        Some(s) => s,
        None => {
            let l = read_checkpoints(k)?
                .into_iter()
                .filter_map(|c| c.ok())
                .map(|c| c.seq)
                .max()
                .unwrap_or(0);
            *k.last_checkpoint.lock().unwrap_or_else(|p| p.into_inner()) = Some(l);
            l
        }
    };
    if last >= seq {
        return Ok(None);
    }
    let mut cp = Checkpoint {
        seq,
        chain,
        count: seq,
        at_us: now_us(),
        mac: String::new(),
    };
    cp.mac = cp.expected_mac(k);
    let line =
        serde_json::to_string(&cp).map_err(|e| AppError::internal(format!("checkpoint: {e}")))?;
    if let Some(path) = &k.anchor.file {
        append_line(path, &line)
            .map_err(|e| AppError::internal(format!("writing {}: {e}", path.display())))?;
    }
    if let (Some(url), Some(client)) = (&k.anchor.webhook, &k.client) {
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .body(line)
            .send()
            .await
            .and_then(|r| r.error_for_status());
        if let Err(e) = sent {
            // The file holds it; the next checkpoint goes out again.
            tracing::warn!(error = %e, seq, "audit checkpoint webhook failed");
        }
    }
    *k.last_checkpoint.lock().unwrap_or_else(|p| p.into_inner()) = Some(seq);
    Ok(Some(seq))
}

fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(format!("{line}\n").as_bytes())?;
    f.sync_all()
}

/// The result of verifying the chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VerifyReport {
    /// Whether every sealed record matches, links to the one before, agrees with every checkpoint, and no
    /// record was forged.
    pub ok: bool,
    /// Sealed records checked (those in archived months only when verify was given their files).
    pub checked: i64,
    /// Records of archived months (`banyan audit archive`): stepped over by the chain values the catalogue
    /// holds, or checked from their files when given the archive directory.
    pub archived: i64,
    /// The first record that does not match, if any.
    pub first_broken: Option<BrokenRecord>,
    /// Records written but not sealed yet (not covered by the chain yet).
    pub unsealed: i64,
    /// The newest checkpoint outside the database the chain was compared with.
    pub checkpoint: Option<CheckpointView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BrokenRecord {
    /// Its position in the chain (none for a record the chain never held).
    pub seq: Option<i64>,
    pub id: Option<Uuid>,
    /// `gap` (a record removed), `link_mismatch` (removed or reordered), `edited` (content changed),
    /// `duplicate` (two sealed records at one position),
    /// `archive_link` (records around an archived run do not link to it), `archive_catalogue` (an archived
    /// month's catalogue row the audit key does not vouch for), `archive_missing` /
    /// `archive_mismatch` (an archived month's file is missing or not the one archived),
    /// `hash_mismatch` (chain value not made with the key), `checkpoint_mismatch` (differs from the value
    /// anchored outside the database), `tail_missing` (records after this position were removed),
    /// `forged` (a record the sealer refused), `checkpoint_invalid` (a line of the checkpoint file).
    pub reason: String,
}

fn broken(seq: Option<i64>, id: Option<Uuid>, reason: &str) -> BrokenRecord {
    BrokenRecord {
        seq,
        id,
        reason: reason.to_owned(),
    }
}

/// Recomputes the whole chain against the key and the checkpoints, then looks for forged records. Archived
/// months are stepped over by the chain values their catalogue holds.
pub async fn verify(app: &App, actor: &Actor) -> Result<VerifyReport> {
    verify_with_archive(app, actor, None).await
}

/// [`verify`], checking every record of the archived months from their files in `archive` (the directory
/// `banyan audit archive` wrote) against their checksums, the key and the checkpoints.
pub async fn verify_with_archive(
    app: &App,
    actor: &Actor,
    archive: Option<&std::path::Path>,
) -> Result<VerifyReport> {
    actor.require(banyan_domain::access::Permission::AuditRead)?;
    let k = &app.audit;
    let c = &app.db.conn;
    let unsealed = store::count_unsealed(c).await?;
    let mut anchors = std::collections::BTreeMap::new();
    let mut first = None;
    for cp in read_checkpoints(k)? {
        match cp {
            Ok(cp) => {
                anchors.insert(cp.seq, cp);
            }
            Err(line) => {
                first.get_or_insert(broken(Some(line as i64), None, "checkpoint_invalid"));
            }
        }
    }
    let newest = match anchors.values().next_back() {
        None => None,
        Some(cp) => Some(CheckpointView {
            seq: cp.seq,
            at: crate::json::stored_instant(
                cp.at_us,
                format_args!("the audit checkpoint at seq {}", cp.seq),
            )?,
        }),
    };
    let mut walk = Walk {
        k,
        anchors: &anchors,
        runs: super::archive::catalogue(c, k).await?,
        dir: archive,
        files_checked: Default::default(),
        prev: GENESIS.to_owned(),
        expected: 1,
        checked: 0,
        checked_in_db: 0,
        archived: 0,
    };
    let broken_at = walk.walk(app).await?;
    let mut first_broken = broken_at.or(first);
    if first_broken.is_none() {
        first_broken = find_forged(app).await?;
    }
    Ok(VerifyReport {
        ok: first_broken.is_none(),
        checked: walk.checked,
        archived: walk.archived,
        first_broken,
        unsealed,
        checkpoint: newest,
    })
}

/// One sealed record checked against its place (`seq`), the chain value before it, the key and the
/// checkpoint at its place: its own chain value, or why it breaks the chain.
fn check_record(
    k: &AuditKeeper,
    r: &AuditRow,
    seq: i64,
    prev: &str,
    anchor: Option<&Checkpoint>,
) -> std::result::Result<String, &'static str> {
    if r.seq != Some(seq) {
        return Err("gap");
    }
    if r.prev_hash.as_deref() != Some(prev) {
        return Err("link_mismatch");
    }
    let mac = k.valid_mac(r).ok_or("edited")?;
    let h = k.chain(seq, prev, mac);
    if r.hash.as_deref() != Some(h.as_str()) {
        return Err("hash_mismatch");
    }
    if anchor.is_some_and(|cp| cp.chain != h) {
        return Err("checkpoint_mismatch");
    }
    Ok(h)
}

/// The walk along the chain: the database's sealed records in order, archived runs between them.
struct Walk<'a> {
    k: &'a AuditKeeper,
    anchors: &'a std::collections::BTreeMap<i64, Checkpoint>,
    runs: std::collections::BTreeMap<i64, super::archive::ArchivedRun>,
    dir: Option<&'a std::path::Path>,
    /// Archived months whose file's checksum was checked.
    files_checked: std::collections::HashSet<String>,
    prev: String,
    /// The next position.
    expected: i64,
    checked: i64,
    /// Of `checked`, those read from the database.
    checked_in_db: i64,
    archived: i64,
}

impl Walk<'_> {
    /// Walks the whole chain; returns the first record that breaks it.
    async fn walk(&mut self, app: &App) -> Result<Option<BrokenRecord>> {
        loop {
            let page = store::page_sealed(&app.db.conn, self.expected - 1, 5000).await?;
            if page.is_empty() {
                break;
            }
            for r in &page {
                if let Some(b) = self.step_archived(r.seq)? {
                    return Ok(Some(b));
                }
                if let Some(b) = self.check(r) {
                    return Ok(Some(b));
                }
                self.checked_in_db += 1;
            }
        }
        if let Some(b) = self.step_archived(None)? {
            return Ok(Some(b));
        }
        // Pages are read by position: a second record at a position a page ended on is never read. The
        // count of sealed records tells.
        if store::count_sealed(&app.db.conn, self.expected - 1).await? > self.checked_in_db {
            return Ok(Some(broken(None, None, "duplicate")));
        }
        let reached = self.expected - 1;
        // Records the checkpoint saw that are no longer there: the tail was cut.
        Ok(self
            .anchors
            .keys()
            .next_back()
            .filter(|&&s| s > reached)
            .map(|_| broken(Some(reached + 1), None, "tail_missing")))
    }

    /// One record at the next position.
    fn check(&mut self, r: &AuditRow) -> Option<BrokenRecord> {
        let e = self.expected;
        match check_record(self.k, r, e, &self.prev, self.anchors.get(&e)) {
            Ok(h) => {
                self.prev = h;
                self.expected += 1;
                self.checked += 1;
                None
            }
            Err(reason) => Some(broken(r.seq, Some(r.id), reason)),
        }
    }

    /// Steps over the archived runs that start at the next position, up to the database's next record
    /// (`None`: to the end): by the catalogue's chain values, or record by record from the files.
    fn step_archived(&mut self, next_in_db: Option<i64>) -> Result<Option<BrokenRecord>> {
        while next_in_db.is_none_or(|n| n > self.expected) {
            let Some(a) = self.runs.get(&self.expected).cloned() else {
                break;
            };
            if !a.vouched {
                return Ok(Some(broken(Some(a.run.from), None, "archive_catalogue")));
            }
            if a.run.prev != self.prev {
                return Ok(Some(broken(Some(a.run.from), None, "archive_link")));
            }
            self.archived += a.run.to - a.run.from + 1;
            let Some(dir) = self.dir else {
                // Without the file only a checkpoint at the run's last position can be compared.
                if self
                    .anchors
                    .get(&a.run.to)
                    .is_some_and(|cp| cp.chain != a.run.hash)
                {
                    return Ok(Some(broken(Some(a.run.to), None, "checkpoint_mismatch")));
                }
                self.prev = a.run.hash.clone();
                self.expected = a.run.to + 1;
                continue;
            };
            let path = dir.join(&a.file);
            if !path.exists() {
                return Ok(Some(broken(Some(a.run.from), None, "archive_missing")));
            }
            if self.files_checked.insert(a.month.clone()) && file_sha256(&path)? != a.sha256 {
                return Ok(Some(broken(Some(a.run.from), None, "archive_mismatch")));
            }
            for r in super::archive::records(&path)? {
                let r = r?;
                let seq = r.seq.unwrap_or(0);
                if seq < a.run.from || seq > a.run.to {
                    continue;
                }
                if let Some(b) = self.check(&r) {
                    return Ok(Some(b));
                }
            }
            if self.expected != a.run.to + 1 {
                return Ok(Some(broken(Some(self.expected), None, "archive_missing")));
            }
        }
        Ok(None)
    }
}

fn file_sha256(path: &std::path::Path) -> Result<String> {
    crate::crypto::sha256_file(path)
        .map(|(_, h)| h)
        .map_err(|e| AppError::internal_from(format!("reading {}", path.display()), e))
}

/// The first record the sealer refused, or an unsealed record it will refuse.
async fn find_forged(app: &App) -> Result<Option<BrokenRecord>> {
    if let Some(q) = store::list_quarantined(&app.db.conn).await?.first() {
        return Ok(Some(broken(None, Some(q.id), "forged")));
    }
    Ok(store::list_unsealed(&app.db.conn, 10_000)
        .await?
        .into_iter()
        .find(|r| app.audit.valid_mac(r).is_none())
        .map(|r| broken(None, Some(r.id), "forged")))
}
