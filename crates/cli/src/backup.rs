//! `banyan backup` and `banyan restore`: the commands around `banyan_app::backup`, with what an operator
//! must be told (where the copy is, its checksums, that the master key is not in it).

use crate::config::Config;
use crate::setup::{app_err, open};
use anyhow::{Result, bail};
use banyan_app::access::Actor;
use banyan_domain::access::Role;
use std::path::Path;

/// `banyan backup --to DIR`.
pub(crate) async fn backup_cmd(cfg: &Config, system: &Actor, to: &Path) -> Result<()> {
    let app = open(cfg, false).await?;
    let t = std::time::Instant::now();
    let anchor = cfg.audit_anchor();
    let m = banyan_app::backup::backup(
        &app,
        system,
        to,
        &cfg.database_url(),
        anchor.file.as_deref(),
    )
    .await
    .map_err(app_err)?;
    println!(
        "backup of {} (schema version {}) in {}, {:.1} s; copy began {}",
        m.engine,
        m.schema_version,
        to.display(),
        t.elapsed().as_secs_f64(),
        m.started_at
    );
    for f in &m.files {
        println!("  {}  {} bytes  sha256 {}", f.name, f.bytes, f.sha256);
    }
    println!(
        "check it with: (cd {} && sha256sum -c {})",
        to.display(),
        banyan_app::backup::SUMS
    );
    println!(
        "REMINDER: the master key is NOT in the backup. Keep it apart from the copy; restoring needs the same key."
    );
    Ok(())
}

/// `banyan restore --from DIR`: into this configuration's (empty) database, then the audit chain checked.
pub(crate) async fn restore_cmd(cfg: &Config, system: &Actor, from: &Path) -> Result<()> {
    if cfg.database_url().starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.data_dir)?;
    }
    let anchor = cfg.audit_anchor();
    let r = banyan_app::backup::restore(from, &cfg.database_url(), anchor.file.as_deref())
        .await
        .map_err(app_err)?;
    println!(
        "restored the {} backup begun {} (schema version {})",
        r.manifest.engine, r.manifest.started_at, r.manifest.schema_version
    );
    if let Some(p) = &r.set_aside {
        println!(
            "the audit checkpoints that were here are kept as {}",
            p.display()
        );
    }
    // Opening migrates a backup of an older version to this one.
    let app = open(cfg, false).await?;
    banyan_app::backup::record_restore(&app, system, &r.manifest)
        .await
        .map_err(app_err)?;
    // People erased after the backup was taken are in it again: the ledger names them, erase them again.
    reapply(cfg, &app).await?;
    banyan_app::audit::seal_pending(&app)
        .await
        .map_err(app_err)?;
    let v = banyan_app::audit::verify(&app, &Actor::system_as("cli", Role::Auditor))
        .await
        .map_err(app_err)?;
    match v.first_broken {
        None => println!("audit chain OK ({} records checked)", v.checked),
        Some(b) => bail!(
            "audit chain BROKEN at seq {} after the restore: {}",
            b.seq.map_or("-".into(), |s| s.to_string()),
            b.reason
        ),
    }
    Ok(())
}

/// Erases again whoever the ledger names, saying how many; a missing ledger is said loudly (a restore onto a
/// new machine without it brings erased people back until it is put in place and this is run).
async fn reapply(cfg: &Config, app: &banyan_app::App) -> Result<()> {
    let path = cfg.erasure_ledger();
    if !path.exists() {
        println!(
            "WARNING: no erasure ledger at {}: nobody was erased again. If the bank keeps one, put it there and run `banyan reapply-erasures`.",
            path.display()
        );
        return Ok(());
    }
    let again = banyan_app::rights::erase::reapply(app)
        .await
        .map_err(app_err)?;
    println!(
        "erasure ledger {}: {again} customer record(s) erased again",
        path.display()
    );
    // Said after the work: a broken chain does not stop the erasures the sealed lines ask for.
    let checked = banyan_app::rights::erase::ledger::check(app).map_err(app_err)?;
    let lines = |v: &[usize]| {
        v.iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !checked.left_out.is_empty() {
        eprintln!(
            "WARNING: erasure ledger line(s) {} left out: torn by a crash, edited, or sealed by another master key.",
            lines(&checked.left_out)
        );
    }
    // A script must notice: the people of the missing line(s) may be back in the database.
    if !checked.breaks.is_empty() {
        bail!(
            "erasure ledger chain broken before line(s) {}: a line was taken out of the ledger (everyone the other lines name was erased again). Compare it with its copies and run `banyan reapply-erasures` with the complete one.",
            lines(&checked.breaks)
        );
    }
    Ok(())
}

/// `banyan reapply-erasures`.
pub(crate) async fn reapply_cmd(cfg: &Config) -> Result<()> {
    let app = open(cfg, false).await?;
    reapply(cfg, &app).await
}
