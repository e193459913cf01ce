//! The erasure ledger: a file outside the database naming every record erased (its key and the time, each
//! line sealed with a key derived from the master key). It holds no personal data. A backup taken before an
//! erasure still holds the person; `banyan restore` reads this file and erases them again, so a restore
//! honours every erasure made since (PIPL Art. 47). Keep the file apart from the backups, like the key.

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
    mac: String,
}

fn mac(app: &App, id: Uuid, at_us: i64) -> String {
    let key = app.master.derive(KEY_LABEL);
    crate::audit::chain::mac_hex(&key, &format!("erased|{id}|{at_us}"))
}

/// Appends `ids` to the ledger, when one is kept. A failure is logged, not returned: the erasure has
/// committed, and the nightly [`sync`] writes what is missing.
pub(crate) async fn append(app: &App, ids: &[Uuid]) {
    if let Err(e) = write(app, ids) {
        tracing::error!(error = %e, "the erasure ledger could not be written; the nightly job retries");
    }
}

fn write(app: &App, ids: &[Uuid]) -> Result<()> {
    let Some(path) = app.erasure_ledger() else {
        return Ok(());
    };
    let at_us = banyan_store::now_us();
    let mut text = String::new();
    for id in ids {
        let line = Line {
            customer_id: *id,
            at_us,
            mac: mac(app, *id, at_us),
        };
        text.push_str(
            &serde_json::to_string(&line)
                .map_err(|e| AppError::internal_from("erasure ledger line", e))?,
        );
        text.push('\n');
    }
    let io =
        |e: std::io::Error| AppError::internal(format!("erasure ledger {}: {e}", path.display()));
    // A line torn by a crash mid-append is closed first, so the new lines stand on their own.
    // Only its last byte is read, not the whole ledger.
    let torn = match std::fs::File::open(&path) {
        Ok(mut f) if f.metadata().map_err(io)?.len() > 0 => {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8];
            f.seek(SeekFrom::End(-1)).map_err(io)?;
            f.read_exact(&mut last).map_err(io)?;
            last[0] != b'\n'
        }
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(io(e)),
    };
    if torn {
        text.insert(0, '\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(())
}

/// The records the ledger names, in the order first written (none when no ledger is kept or it does not
/// exist yet). A line that does not parse (torn by a crash) or whose seal does not match (someone edited the
/// file) is left out and logged: nothing is erased on its word, and the others still are.
pub fn read(app: &App) -> Result<Vec<Uuid>> {
    let Some(path) = app.erasure_ledger() else {
        return Ok(Vec::new());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(AppError::internal(format!(
                "erasure ledger {}: {e}",
                path.display()
            )));
        }
    };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line = match serde_json::from_str::<Line>(l) {
            Ok(line) if line.mac == mac(app, line.customer_id, line.at_us) => line,
            Ok(_) => {
                tracing::error!(line = n + 1, path = %path.display(), "erasure ledger line not sealed by this master key: left out");
                continue;
            }
            Err(e) => {
                tracing::error!(line = n + 1, path = %path.display(), error = %e, "erasure ledger line does not parse: left out");
                continue;
            }
        };
        if seen.insert(line.customer_id) {
            out.push(line.customer_id);
        }
    }
    Ok(out)
}

/// Writes to the ledger every erased record the database knows and the ledger lacks (an append that
/// failed). Answers how many.
pub async fn sync(app: &App) -> Result<usize> {
    if app.erasure_ledger().is_none() {
        return Ok(0);
    }
    let known: std::collections::HashSet<Uuid> = read(app)?.into_iter().collect();
    let missing: Vec<Uuid> = banyan_store::rights::erase::erased_ids(&app.db.conn)
        .await?
        .into_iter()
        .filter(|id| !known.contains(id))
        .collect();
    if !missing.is_empty() {
        write(app, &missing)?;
    }
    Ok(missing.len())
}
