//! The erasure ledger: a file outside the database naming every record erased (its key and the time, each
//! line sealed with a key derived from the master key). It holds no personal data. A backup taken before an
//! erasure still holds the person; `banyan restore` reads this file and erases them again, so a restore
//! honours every erasure made since (PIPL Art. 47). Keep the file apart from the backups, like the key.
//!
//! Each line's seal covers the seal of the line before it (`prev`): a line taken out of the middle breaks
//! the chain at the next one, which [`check`] reports. (Lines written before the chain existed have no
//! `prev` and are checked alone.) Cutting the file's tail is not detectable from the file itself.

use crate::App;
use crate::error::{AppError, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use uuid::Uuid;

const KEY_LABEL: &str = "banyan-erasure-ledger-v1";

#[derive(Serialize, Deserialize)]
struct Line {
    customer_id: Uuid,
    at_us: i64,
    /// The seal of the line before (empty on the first line, and on lines written before the chain).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    prev: String,
    mac: String,
}

/// The key the ledger's lines are sealed with.
fn key(app: &App) -> [u8; 32] {
    app.master.derive(KEY_LABEL)
}

fn mac(key: &[u8; 32], id: Uuid, at_us: i64, prev: &str) -> String {
    let text = if prev.is_empty() {
        format!("erased|{id}|{at_us}")
    } else {
        format!("erased|{id}|{at_us}|{prev}")
    };
    crate::audit::chain::mac_hex(key, &text)
}

/// The line's own seal holds (written with this master key, not edited).
fn sealed(key: &[u8; 32], l: &Line) -> bool {
    l.mac == mac(key, l.customer_id, l.at_us, &l.prev)
}

/// Appends from one process at a time: two erasures committing together would both chain to the same line.
static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Appends `ids` to the ledger, when one is kept. A failure is logged, not returned: the erasure has
/// committed, and the nightly [`sync`] writes what is missing.
pub(crate) async fn append(app: &App, ids: &[Uuid]) {
    if let Err(e) = write(app, ids).await {
        tracing::error!(error = %e, "the erasure ledger could not be written; the nightly job retries");
    }
}

/// Appends on a blocking thread: waiting for another process's lock and for the disk must not hold up the
/// request threads.
async fn write(app: &App, ids: &[Uuid]) -> Result<()> {
    let Some(path) = app.erasure_ledger() else {
        return Ok(());
    };
    let key = key(app);
    let ids = ids.to_vec();
    tokio::task::spawn_blocking(move || write_blocking(&key, &path, &ids))
        .await
        .map_err(|e| AppError::internal_from("the erasure ledger's writer", e))?
}

fn write_blocking(key: &[u8; 32], path: &std::path::Path, ids: &[Uuid]) -> Result<()> {
    let _one = WRITING.lock().unwrap_or_else(|p| p.into_inner());
    let io =
        |e: std::io::Error| AppError::internal(format!("erasure ledger {}: {e}", path.display()));
    // Another process writing the same file waits for this one (and this one for it).
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    f.lock().map_err(io)?;
    let mut prev = last_seal(key, &mut f).map_err(io)?;
    let at_us = banyan_store::now_us();
    let mut text = String::new();
    for id in ids {
        let line = Line {
            customer_id: *id,
            at_us,
            mac: mac(key, *id, at_us, &prev),
            prev,
        };
        text.push_str(
            &serde_json::to_string(&line)
                .map_err(|e| AppError::internal_from("erasure ledger line", e))?,
        );
        text.push('\n');
        prev = line.mac;
    }
    // A line torn by a crash mid-append is closed first, so the new lines stand on their own.
    if !ends_a_line(&mut f).map_err(io)? {
        text.insert(0, '\n');
    }
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    f.unlock().map_err(io)?;
    Ok(())
}

/// Whether the file is empty or ends with a whole line (only its last byte is read).
fn ends_a_line(f: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if f.metadata()?.len() == 0 {
        return Ok(true);
    }
    let mut last = [0u8];
    f.seek(SeekFrom::End(-1))?;
    f.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// The seal of the last sealed line (empty for an empty ledger), read from the file's tail: a few kB
/// hold it unless crashes left more torn bytes than that, when a longer tail is read.
fn last_seal(key: &[u8; 32], f: &mut std::fs::File) -> std::io::Result<String> {
    use std::io::{Read, Seek, SeekFrom};
    let len = f.metadata()?.len();
    let mut tail = 4096u64;
    loop {
        let from = len.saturating_sub(tail);
        f.seek(SeekFrom::Start(from))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        let text = String::from_utf8_lossy(&buf);
        let found = text
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<Line>(l).ok())
            .find(|l| sealed(key, l));
        if let Some(l) = found {
            return Ok(l.mac);
        }
        if from == 0 {
            return Ok(String::new());
        }
        tail = tail.saturating_mul(4);
    }
}

/// The records the ledger names, in the order first written (none when no ledger is kept or it does not
/// exist yet). A line that does not parse (torn by a crash) or whose seal does not match (someone edited the
/// file) is left out and logged: nothing is erased on its word, and the others still are.
pub fn read(app: &App) -> Result<Vec<Uuid>> {
    Ok(check(app)?.erased)
}

/// What [`check`] found in the ledger.
#[derive(Debug, Default)]
pub struct Checked {
    /// The records named by sealed lines, in the order first written.
    pub erased: Vec<Uuid>,
    /// Lines (counted from 1) left out: torn by a crash, or not sealed by this master key.
    pub left_out: Vec<usize>,
    /// Lines whose `prev` is not the seal of the sealed line before them: a line was taken out before
    /// each (the records they name are erased all the same).
    pub breaks: Vec<usize>,
}

/// Reads the ledger and checks its chain; every fault is logged as well as answered.
pub fn check(app: &App) -> Result<Checked> {
    match app.erasure_ledger() {
        Some(path) => check_at(&key(app), &path),
        None => Ok(Checked::default()),
    }
}

fn check_at(key: &[u8; 32], path: &std::path::Path) -> Result<Checked> {
    let io =
        |e: std::io::Error| AppError::internal(format!("erasure ledger {}: {e}", path.display()));
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Checked::default()),
        Err(e) => return Err(io(e)),
    };
    // Not mid-append: a line being written would read as torn.
    f.lock_shared().map_err(io)?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut f, &mut text).map_err(io)?;
    f.unlock().map_err(io)?;
    let mut out = Checked::default();
    let mut seen = std::collections::HashSet::new();
    let mut before = String::new();
    for (n, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line = match serde_json::from_str::<Line>(l) {
            Ok(line) if sealed(key, &line) => line,
            Ok(_) => {
                tracing::error!(line = n + 1, path = %path.display(), "erasure ledger line not sealed by this master key: left out");
                out.left_out.push(n + 1);
                continue;
            }
            Err(e) => {
                tracing::error!(line = n + 1, path = %path.display(), error = %e, "erasure ledger line does not parse: left out");
                out.left_out.push(n + 1);
                continue;
            }
        };
        // Lines from before the chain carry no `prev`; the first chained line follows one of them or
        // starts the file.
        if !line.prev.is_empty() && line.prev != before {
            tracing::error!(line = n + 1, path = %path.display(), "erasure ledger chain broken: a line before this one was taken out");
            out.breaks.push(n + 1);
        }
        before = line.mac.clone();
        if seen.insert(line.customer_id) {
            out.erased.push(line.customer_id);
        }
    }
    Ok(out)
}

/// Writes to the ledger every erased record the database knows and the ledger lacks (an append that
/// failed). Answers how many.
pub async fn sync(app: &App) -> Result<usize> {
    let Some(path) = app.erasure_ledger() else {
        return Ok(0);
    };
    // Read off the request threads: it waits for a writer's lock and reads the whole file.
    let key = key(app);
    let checked = tokio::task::spawn_blocking(move || check_at(&key, &path))
        .await
        .map_err(|e| AppError::internal_from("the erasure ledger's reader", e))??;
    let known: std::collections::HashSet<Uuid> = checked.erased.into_iter().collect();
    let missing: Vec<Uuid> = banyan_store::rights::erase::erased_ids(&app.db.conn)
        .await?
        .into_iter()
        .filter(|id| !known.contains(id))
        .collect();
    if !missing.is_empty() {
        write(app, &missing).await?;
    }
    Ok(missing.len())
}
