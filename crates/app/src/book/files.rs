//! A feed file loaded as a job on the server, independent of the connection that sent it.
//!
//! Starting one records the load (running, no rows read yet) with the file encrypted beside it, claims the
//! request's Idempotency-Key in that transaction and answers at once with the load; a runner then reads the
//! file and loads it chunk by chunk, each chunk's transaction advancing the load's counts — so the load's
//! page shows its progress. The runner holds a lease on the load and renews it every quarter of it while
//! it runs (and with each chunk); if its process ends, the `book.resume` job hands the load to another
//! runner, which goes on after the last committed chunk (the rows before it are not read again). The file
//! is dropped when the load ends.

use super::activity::{self, ActivityFeed, FeedRows};
use super::holdings;
use super::loads::{self, LEASE_US, LoadView, Meta, Start};
use crate::App;
use crate::access::actor_for;
use crate::actor::Actor;
use crate::audit;
use crate::crypto::Purpose;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::imports::ImportStatus;
use banyan_store::book::{self as store, BookLoadFileRow, BookLoadRow};
use banyan_store::now_us;
use jiff::civil::Date;
use std::sync::Arc;
use uuid::Uuid;

/// The feed a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    Holdings,
    Transactions,
    Events,
}

impl Feed {
    /// The load's kind.
    pub fn kind(self) -> &'static str {
        match self {
            Feed::Holdings => "holdings",
            Feed::Transactions => ActivityFeed::Transactions.kind(),
            Feed::Events => ActivityFeed::Events.kind(),
        }
    }

    pub fn parse(s: &str) -> Option<Feed> {
        [Feed::Holdings, Feed::Transactions, Feed::Events]
            .into_iter()
            .find(|f| f.kind() == s)
    }
}

/// Starts loading a feed file (CSV in UTF-8, or XLSX) as a job: the load is recorded and answered at once,
/// running; [`spawn`] then runs it.
pub async fn start(
    app: &App,
    actor: &Actor,
    feed: Feed,
    source: &str,
    as_of: Date,
    file_name: &str,
    bytes: &[u8],
) -> Result<LoadView> {
    let grant = actor.require(Permission::BookLoad)?;
    let meta = Meta::checked(app, feed.kind(), source, as_of, file_name)?;
    let load = loads::new_load(actor, &meta, 0);
    let file = BookLoadFileRow {
        load_id: load.id,
        data: app.keys().encrypt_bytes(Purpose::BookFile, bytes)?,
    };
    let tx = app.db.begin_write().await?;
    store::insert_load(&*tx, &load).await?;
    store::insert_load_file(&*tx, &file).await?;
    audit::record(app, &*tx, &grant, vec![loads::load_entry(&load)]).await?;
    let view = loads::view_of(&load, super::staff_name(app, actor.id).await?)?;
    crate::idempotency::commit(tx, actor, 202, &view).await?;
    Ok(view)
}

/// Starts the load ([`start`]) and runs it in the background of the server ([`spawn`]): what an upload does.
pub async fn submit(
    app: &Arc<App>,
    actor: &Actor,
    feed: Feed,
    source: &str,
    as_of: Date,
    file_name: &str,
    bytes: &[u8],
) -> Result<LoadView> {
    let load = start(app, actor, feed, source, as_of, file_name, bytes).await?;
    spawn(app.clone(), load.id, actor.clone());
    Ok(load)
}

/// Runs the load in the background of the server.
pub fn spawn(app: Arc<App>, id: Uuid, actor: Actor) {
    tokio::spawn(async move {
        if let Err(e) = run(&app, id, &actor).await {
            tracing::error!(error = %e.chain(), load = %id, "feed load job stopped");
        }
    });
}

/// Runs the load from where it stands to its end. Returns quietly when another runner holds it or it has
/// ended. A file that cannot load (unreadable, without the columns it needs) ends the load as failed with
/// the reason; an error before any row is read ends it as stopped.
pub async fn run(app: &App, id: Uuid, actor: &Actor) -> Result<()> {
    let now = now_us();
    if !store::take_load(&app.db.conn, id, &app.node_id, now, now + LEASE_US).await? {
        return Ok(());
    }
    // The claim is renewed beside the work for as long as it runs, not only per chunk: after the rows come
    // the figures, insights and monitoring of every customer touched, which for a million-row file take
    // minutes — long enough for the claim to lapse and another node to start the same work again.
    let work = load_file(app, id, actor);
    let beat = async {
        let mut beat = tokio::time::interval(std::time::Duration::from_micros(
            u64::try_from(LEASE_US / 4).unwrap_or(15_000_000),
        ));
        beat.tick().await;
        loop {
            beat.tick().await;
            // In the writers' queue like every write (on SQLite a write outside it waits in the busy
            // handler for as long as the load keeps the lock, and a load 1,000,000 rows long keeps it
            // almost always).
            let tx = app.db.begin_write().await?;
            let held = store::renew_load(&*tx, id, &app.node_id, now_us() + LEASE_US).await?;
            tx.commit().await?;
            if !held {
                return Ok::<(), AppError>(());
            }
        }
    };
    // Both are polled together: the renewal waits for its turn while the work goes on.
    tokio::select! {
        r = work => r,
        // Taken over (or ended): the other runner goes on; what this one had not committed is rolled back
        // as the work is dropped.
        r = beat => r,
    }
}

/// The load's file read and loaded from where the load stands, under the claim [`run`] holds.
async fn load_file(app: &App, id: Uuid, actor: &Actor) -> Result<()> {
    let Some(load) = store::find_load(&app.db.conn, id).await? else {
        return Ok(());
    };
    match rows_of(app, &load).await {
        Ok(Ok(rows)) => {
            let done = usize::try_from(load.loaded + load.unchanged + load.rejected)
                .map_err(|e| AppError::internal_from("book_loads counts", e))?;
            let mut load = load;
            load.rows = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            let result = match rows {
                Rows::Holdings(r) => {
                    let r = r.into_iter().skip(done).collect();
                    holdings::run(app, actor, Start::Recorded(Box::new(load)), r).await
                }
                Rows::Activity(r) => {
                    r.skip(done)
                        .run(app, actor, Start::Recorded(Box::new(load)))
                        .await
                }
            };
            match result {
                Ok(_) => Ok(()),
                // Another runner took it over (this one's claim lapsed): it finishes the load.
                Err(AppError::Conflict {
                    code: "load_taken_over",
                    ..
                }) => Ok(()),
                Err(e) => Err(e),
            }
        }
        Ok(Err(e)) => end_unread(app, load, Some(e)).await,
        Err(e) => {
            end_unread(app, load, None).await?;
            Err(e)
        }
    }
}

enum Rows {
    Holdings(Vec<loads::RowIn<banyan_domain::book::HoldingRecord>>),
    Activity(FeedRows),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Holdings(r) => r.len(),
            Rows::Activity(r) => r.len(),
        }
    }
}

/// The rows of a load's file, or why the file cannot load.
async fn rows_of(app: &App, load: &BookLoadRow) -> Result<std::result::Result<Rows, FieldErrors>> {
    let enc = store::load_file(&app.db.conn, load.id)
        .await?
        .ok_or_else(|| {
            AppError::internal(format!("load {} is running without its file", load.id))
        })?;
    let bytes = app.keys().decrypt_bytes(Purpose::BookFile, &enc)?;
    let name = load.file_name.as_str();
    Ok(match Feed::parse(&load.kind) {
        Some(Feed::Holdings) => holdings::rows_of_file(app, name, &bytes).map(Rows::Holdings),
        Some(Feed::Transactions) => {
            activity::rows_of_file(app, ActivityFeed::Transactions, name, &bytes)
                .map(Rows::Activity)
        }
        Some(Feed::Events) => {
            activity::rows_of_file(app, ActivityFeed::Events, name, &bytes).map(Rows::Activity)
        }
        None => {
            return Err(AppError::internal(format!(
                "load {} has the unknown kind `{}`",
                load.id, load.kind
            )));
        }
    })
}

/// Ends a load whose file was not read into rows: failed with the file's broken rules, or stopped on an
/// error. Rows a runner before committed stay (and are left for the monitoring sweep); none is marked
/// monitored unless nothing was written.
async fn end_unread(app: &App, mut load: BookLoadRow, e: Option<FieldErrors>) -> Result<()> {
    match e {
        Some(e) => {
            load.status = ImportStatus::Failed;
            load.error = Some(
                serde_json::to_string(&e.0)
                    .map_err(|e| AppError::internal_from("errors as JSON", e))?,
            );
        }
        None => loads::stopped(&mut load)?,
    }
    let now = now_us();
    load.finished_at_us = Some(now);
    if load.loaded == 0 {
        load.monitored_at_us = Some(now);
    }
    let tx = app.db.begin_write().await?;
    loads::advance(&*tx, &mut load).await?;
    store::delete_load_file(&*tx, load.id).await?;
    audit::record_system(app, &*tx, "book.resume", vec![loads::load_entry(&load)]).await?;
    tx.commit().await?;
    Ok(())
}

/// Hands every running file load whose runner stopped (its process ended) to a runner here; returns how
/// many. Run by the `book.resume` job.
pub async fn resume_orphaned(app: &Arc<App>) -> Result<usize> {
    let loads = store::orphaned_loads(&app.db.conn, now_us()).await?;
    for load in &loads {
        match actor_for(app, &load.actor).await {
            Ok(actor) => spawn(app.clone(), load.id, actor),
            // Started by a process without a staff account: nobody to go on as. The rows loaded stay;
            // loading the file again finishes it (the rows already stored count as unchanged).
            Err(AppError::NotFound) => end_unread(app, load.clone(), None).await?,
            Err(e) => return Err(e),
        }
    }
    Ok(loads.len())
}
