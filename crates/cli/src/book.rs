//! `banyan book load holdings FILE`: the core system's daily file, loaded here as a feed load (the same
//! use case as the API and the workbench), with its report on standard output and the rejected rows
//! beside the file.

use crate::config::Config;
use crate::setup::{app_err, import_actor, open, progress_bar};
use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(crate) enum BookCommand {
    /// Load a feed file (CSV in UTF-8, or XLSX) for one business date. Loading the same file again changes
    /// nothing; rejected rows are listed with their reasons and written to FILE.rejected.txt.
    Load {
        feed: Feed,
        file: PathBuf,
        /// The business date the file is for (YYYY-MM-DD).
        #[arg(long)]
        as_of: String,
        /// The system the file comes from; account numbers are unique within it.
        #[arg(long, default_value = "core")]
        source: String,
        /// Staff member the load is recorded under (needs book.load); default: a system load.
        #[arg(long)]
        as_user: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Feed {
    /// Accounts and holdings (columns in docs/book.md).
    Holdings,
    /// Transactions of the book's accounts.
    Transactions,
    /// Digital-banking events (log-ins, exchange-rate look-ups, product views).
    Events,
}

/// Loads the file as the workbench does — a load recorded with its file, then run — here in this process,
/// with a progress bar on standard error read from the load's own counts. If this process ends mid-file,
/// a running server's `book.resume` job takes the load over (when it was loaded `--as-user`) or ends it as
/// stopped; the rows committed stay either way.
async fn load_as_job(
    app: &banyan_app::App,
    actor: &banyan_app::actor::Actor,
    feed: Feed,
    source: &str,
    as_of: jiff::civil::Date,
    name: &str,
    bytes: &[u8],
) -> Result<banyan_app::book::LoadReport> {
    use banyan_app::book::{files, loads};
    let feed = match feed {
        Feed::Holdings => files::Feed::Holdings,
        Feed::Transactions => files::Feed::Transactions,
        Feed::Events => files::Feed::Events,
    };
    let load = files::start(app, actor, feed, source, as_of, name, bytes)
        .await
        .map_err(app_err)?;
    let bar = progress_bar(0, "rows");
    let run = files::run(app, load.id, actor);
    tokio::pin!(run);
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    loop {
        tokio::select! {
            r = &mut run => {
                r.map_err(app_err)?;
                break;
            }
            _ = tick.tick() => {
                // The load's counts as its last committed chunk left them.
                if let Ok(v) = loads::load_view(app, actor, load.id).await {
                    bar.set_length(v.rows.max(0).unsigned_abs());
                    bar.set_position((v.loaded + v.unchanged + v.rejected).max(0).unsigned_abs());
                }
            }
        }
    }
    bar.finish_and_clear();
    loads::load(app, actor, load.id).await.map_err(app_err)
}

pub(crate) async fn book_cmd(cfg: &Config, command: BookCommand) -> Result<()> {
    match command {
        BookCommand::Load {
            feed,
            file,
            as_of,
            source,
            as_user,
        } => {
            let as_of = as_of
                .trim()
                .parse()
                .with_context(|| format!("--as-of {as_of}: must be a date YYYY-MM-DD"))?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "holdings.csv".into());
            let app = open(cfg, false).await?;
            let actor = import_actor(&app, as_user).await?;
            let r = load_as_job(&app, &actor, feed, &source, as_of, &name, &bytes).await?;
            let l = &r.load;
            println!(
                "load {}: {} rows — {} loaded, {} unchanged, {} rejected; figures of {} customers derived again ({})",
                l.id,
                l.rows,
                l.loaded,
                l.unchanged,
                l.rejected,
                l.customers,
                l.status.as_str()
            );
            let reasons = |errs: &[banyan_domain::FieldError]| {
                errs.iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            if let Some(e) = &l.error {
                println!("the file could not be loaded: {}", reasons(e));
            }
            if !r.rejected.is_empty() {
                let out = file.with_extension("rejected.txt");
                let text: String = r
                    .rejected
                    .iter()
                    .map(|x| format!("line {}: {}\n", x.line, reasons(&x.errors)))
                    .collect();
                std::fs::write(&out, text)?;
                for x in r.rejected.iter().take(20) {
                    println!("  line {}: {}", x.line, reasons(&x.errors));
                }
                println!("rejected rows: {}", out.display());
            }
            banyan_app::audit::seal_pending(&app)
                .await
                .map_err(app_err)?;
            Ok(())
        }
    }
}
