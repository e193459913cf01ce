//! Backups that restore (`banyan backup`, `banyan restore`). A backup is a directory: the database copy,
//! the audit checkpoints as they stood when it began, `manifest.json` (engine, schema version, each
//! file's size and SHA-256) and `SHA256SUMS` (for `sha256sum -c`). The master key is never in it: a copy
//! of the data and its key together would undo the encryption.
//!
//! - SQLite: `VACUUM INTO`, an online and consistent copy read in one transaction while others write.
//! - PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot) and `pg_restore` into an empty
//!   database: the standard tools, for banks whose database fits a nightly dump. Point-in-time recovery
//!   with `pg_basebackup` and WAL archiving is the database administrator's, described in
//!   docs/operations.md.
//!
//! The checkpoints are copied before the database, so that every checkpoint in a backup names records the
//! copy holds: `banyan audit verify` passes on the restored data, and catches a restored copy cut short.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_store::{Db, DbKind};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The manifest's name in a backup directory.
pub const MANIFEST: &str = "manifest.json";
/// The checksum list's name (the format `sha256sum -c` reads).
pub const SUMS: &str = "SHA256SUMS";
const SQLITE_FILE: &str = "banyan.db";
const PG_FILE: &str = "banyan.pgdump";
const CHECKPOINTS: &str = "audit-checkpoints.jsonl";
/// The manifest's own format; a restore refuses a newer one it cannot read.
const FORMAT: u32 = 1;

/// What a backup holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// `sqlite` or `postgresql`: a backup restores into the same engine.
    pub engine: String,
    pub schema_version: i64,
    pub banyan_version: String,
    /// When the copy began (RFC 3339): every write acknowledged before it is in the copy.
    pub started_at: String,
    pub finished_at: String,
    pub files: Vec<FileSum>,
}

/// One file of a backup and its checksum.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileSum {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// A checkpoint file that was in the way, kept under this name.
    pub set_aside: Option<PathBuf>,
}

fn engine(kind: DbKind) -> &'static str {
    match kind {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres => "postgresql",
    }
}

/// Copies the whole database and the audit checkpoints (`checkpoints`, when kept in a file) into the new
/// directory `to`, while the bank keeps working. The backup itself is audited (who, which engine); the
/// record is in the copy.
pub async fn backup(
    app: &App,
    actor: &Actor,
    to: &Path,
    database_url: &str,
    checkpoints: Option<&Path>,
) -> Result<Manifest> {
    let grant = actor.require(Permission::ConfigManage)?;
    if to.exists()
        && std::fs::read_dir(to)
            .map_err(AppError::io(format!("reading {}", to.display())))?
            .next()
            .is_some()
    {
        return Err(AppError::refused(
            "backup_target_not_empty",
            format!(
                "{} is not empty: a backup goes into a new directory",
                to.display()
            ),
        ));
    }
    std::fs::create_dir_all(to).map_err(AppError::io(format!("creating {}", to.display())))?;
    let started = jiff::Timestamp::now();
    let kind = app.db.kind;
    record(
        app,
        &grant,
        "backup.created",
        serde_json::json!({ "engine": engine(kind) }),
    )
    .await?;

    let mut names = Vec::new();
    if let Some(cp) = checkpoints.filter(|p| p.exists()) {
        std::fs::copy(cp, to.join(CHECKPOINTS))
            .map_err(AppError::io(format!("copying {}", cp.display())))?;
        names.push(CHECKPOINTS);
    }
    match kind {
        DbKind::Sqlite => {
            let file = to.join(SQLITE_FILE);
            banyan_store::misc::sqlite_copy_into(&app.db, &file.to_string_lossy()).await?;
            names.push(SQLITE_FILE);
        }
        DbKind::Postgres => {
            let (url, password) = libpq_url(database_url);
            let file = to.join(PG_FILE);
            let mut cmd = Command::new(pg_tool("pg_dump")?);
            cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(&file)
                .arg(format!("--dbname={url}"));
            run_tool(cmd, password, "pg_dump").await?;
            names.push(PG_FILE);
        }
    }
    let mut files = Vec::new();
    for name in names {
        files.push(sum(to, name).await?);
    }
    let manifest = Manifest {
        format: FORMAT,
        engine: engine(kind).to_owned(),
        schema_version: app.schema_version().await?,
        banyan_version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at: started.to_string(),
        finished_at: jiff::Timestamp::now().to_string(),
        files,
    };
    let sums: String = manifest
        .files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.name))
        .collect();
    std::fs::write(to.join(SUMS), sums).map_err(AppError::io(format!("writing {SUMS}")))?;
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| AppError::internal_from("writing the manifest", e))?;
    std::fs::write(to.join(MANIFEST), text).map_err(AppError::io(format!("writing {MANIFEST}")))?;
    Ok(manifest)
}

/// Restores the backup in `from` into the database `database_url` names, which must be empty (a fresh
/// data directory or a new database): every file's checksum is checked first, and nothing is written if
/// one differs. The backup's checkpoints go to `checkpoints`; a file already there is renamed aside,
/// never overwritten.
pub async fn restore(
    from: &Path,
    database_url: &str,
    checkpoints: Option<&Path>,
) -> Result<Restored> {
    let manifest = read_manifest(from)?;
    let kind = if database_url.starts_with("sqlite:") {
        DbKind::Sqlite
    } else {
        DbKind::Postgres
    };
    if manifest.engine != engine(kind) {
        return Err(AppError::refused(
            "backup_engine_differs",
            format!(
                "this backup is of {}, the target database is {}: restore into the same engine",
                manifest.engine,
                engine(kind)
            ),
        ));
    }
    for f in &manifest.files {
        let now = sum(from, &f.name).await?;
        if now.sha256 != f.sha256 || now.bytes != f.bytes {
            return Err(AppError::refused(
                "backup_checksum_mismatch",
                format!(
                    "{}: its checksum differs from the manifest's (the file is damaged or was changed); nothing was restored",
                    f.name
                ),
            ));
        }
    }
    let sqlite_target = match kind {
        DbKind::Sqlite => Some(sqlite_path(database_url)?),
        DbKind::Postgres => None,
    };
    // A SQLite target that does not exist yet is empty; anything else is asked (and closed again: the
    // SQLite file is then replaced whole).
    if sqlite_target.as_ref().is_none_or(|p| p.exists()) {
        let db = Db::connect(database_url, 1).await?;
        let tables = banyan_store::misc::table_count(&db).await;
        db.conn.close_by_ref().await.ok();
        if tables? > 0 {
            return Err(AppError::refused(
                "restore_target_not_empty",
                "the target database already holds tables: restore into a fresh data directory or a new, empty database"
                    .to_owned(),
            ));
        }
    }
    match sqlite_target {
        Some(target) => {
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(AppError::io(format!("creating {}", dir.display())))?;
            }
            // Written beside the target, then renamed: a restore cut short leaves no half a database.
            let part = target.with_extension("db.restoring");
            std::fs::copy(from.join(SQLITE_FILE), &part)
                .map_err(AppError::io(format!("copying into {}", part.display())))?;
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", target.display()));
                if side.exists() {
                    std::fs::remove_file(&side)
                        .map_err(AppError::io(format!("removing {}", side.display())))?;
                }
            }
            std::fs::rename(&part, &target)
                .map_err(AppError::io(format!("renaming into {}", target.display())))?;
        }
        None => {
            let (url, password) = libpq_url(database_url);
            let mut cmd = Command::new(pg_tool("pg_restore")?);
            cmd.args([
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
            ])
            .arg(format!("--dbname={url}"))
            .arg(from.join(PG_FILE));
            run_tool(cmd, password, "pg_restore").await?;
        }
    }
    let mut set_aside = None;
    if let Some(cp) = checkpoints
        && manifest.files.iter().any(|f| f.name == CHECKPOINTS)
    {
        if cp.exists() {
            let aside = PathBuf::from(format!(
                "{}.before-restore-{}",
                cp.display(),
                jiff::Timestamp::now().as_second()
            ));
            std::fs::rename(cp, &aside)
                .map_err(AppError::io(format!("renaming {}", cp.display())))?;
            set_aside = Some(aside);
        }
        if let Some(dir) = cp.parent() {
            std::fs::create_dir_all(dir)
                .map_err(AppError::io(format!("creating {}", dir.display())))?;
        }
        std::fs::copy(from.join(CHECKPOINTS), cp)
            .map_err(AppError::io(format!("copying into {}", cp.display())))?;
    }
    Ok(Restored {
        manifest,
        set_aside,
    })
}

/// Records a restore in the restored database's audit log (once the application is open on it).
pub async fn record_restore(app: &App, actor: &Actor, manifest: &Manifest) -> Result<()> {
    let grant = actor.require(Permission::ConfigManage)?;
    record(
        app,
        &grant,
        "backup.restored",
        serde_json::json!({
            "engine": manifest.engine,
            "started_at": manifest.started_at,
            "schema_version": manifest.schema_version,
        }),
    )
    .await
}

/// One audit record about a backup, in a transaction of its own.
async fn record(
    app: &App,
    grant: &crate::actor::Granted<'_>,
    action: &'static str,
    detail: serde_json::Value,
) -> Result<()> {
    let tx = app.db.begin_write().await?;
    audit::record(
        app,
        &*tx,
        grant,
        vec![Entry {
            action,
            entity: "backup",
            entity_id: None,
            customer_id: None,
            detail,
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn read_manifest(from: &Path) -> Result<Manifest> {
    let path = from.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        AppError::refused(
            "backup_unreadable",
            format!(
                "{}: {e} (is {} a backup directory?)",
                path.display(),
                from.display()
            ),
        )
    })?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| {
        AppError::refused(
            "backup_unreadable",
            format!("{}: not a Banyan manifest ({e})", path.display()),
        )
    })?;
    if m.format > FORMAT {
        return Err(AppError::refused(
            "backup_unreadable",
            format!(
                "{}: format {} is newer than this Banyan reads ({FORMAT}): restore with the version that made it",
                path.display(),
                m.format
            ),
        ));
    }
    Ok(m)
}

/// The size and SHA-256 of file `name` in `dir`, off the runtime's threads.
async fn sum(dir: &Path, name: &str) -> Result<FileSum> {
    let path = dir.join(name);
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || {
        let (bytes, sha256) = crate::crypto::sha256_file(&path)
            .map_err(AppError::io(format!("reading {}", path.display())))?;
        Ok(FileSum {
            name,
            bytes,
            sha256,
        })
    })
    .await
    .map_err(|e| AppError::internal_from("checksum", e))?
}

/// The database file a `sqlite://` URL names.
fn sqlite_path(url: &str) -> Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| AppError::internal(format!("not a SQLite URL: {url}")))?;
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// The URL for libpq's tools without its password, and the password (decoded) to hand them in
/// `PGPASSWORD`: a password on a command line is visible to every user of the machine.
fn libpq_url(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(percent_decode(password)),
    )
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A PostgreSQL client tool: on `PATH`, else the newest `/usr/lib/postgresql/*/bin` (Debian's layout).
fn pg_tool(name: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if d.join(name).is_file() {
                return Ok(d.join(name));
            }
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                    let p = e.path().join("bin").join(name);
                    p.is_file().then_some((v, p))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().map(|(_, p)| p).ok_or_else(|| {
        AppError::refused(
            "pg_tool_missing",
            format!(
                "{name} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client tools of the server's version or newer (Debian: apt-get install postgresql-client-15)"
            ),
        )
    })
}

/// Runs a PostgreSQL tool to its end; a failure carries the tool's own last lines.
async fn run_tool(mut cmd: Command, password: Option<String>, name: &'static str) -> Result<()> {
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| AppError::internal_from(name, e))?
        .map_err(AppError::io(format!("starting {name}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        return Err(AppError::internal(format!(
            "{name} failed ({}): {}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_and_is_decoded() {
        let (u, p) = libpq_url("postgres://bank:p%40ss%2Fw@db1:5432/banyan?host=/run");
        assert_eq!(u, "postgres://bank@db1:5432/banyan?host=/run");
        assert_eq!(p.as_deref(), Some("p@ss/w"));
        let (u, p) = libpq_url("postgres://bank@db1/banyan");
        assert_eq!(u, "postgres://bank@db1/banyan");
        assert_eq!(p, None);
    }

    #[test]
    fn a_sqlite_url_names_its_file() {
        assert_eq!(
            sqlite_path("sqlite:///var/lib/banyan/banyan.db?mode=rwc").unwrap(),
            PathBuf::from("/var/lib/banyan/banyan.db")
        );
    }
}
