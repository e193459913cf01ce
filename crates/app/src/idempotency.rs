//! Idempotency-Key: a creating request retried with the same key (by the same staff member) gets the first
//! answer back and never writes twice — the one mechanism for every creating endpoint.
//!
//! The key is claimed **in the write's own transaction**. The web layer puts the request's [`Claim`] around
//! the handler ([`with_claim`]); the use case ends its write with [`commit`], which stores the key and the
//! answer beside the write, so both commit or neither does (a crash in between leaves neither, and the retry
//! simply runs). A concurrent request with the same key cannot write too: its claim conflicts on the key
//! (PostgreSQL makes it wait for the first transaction; SQLite's writers queue), its transaction rolls back,
//! and the web layer looks the key up again and replays the first answer.
//!
//! Work that spans several transactions (an import, a campaign) claims the key in its first one
//! ([`claim`], answer pending) and writes the answer in its last ([`finish`]); a retry while it runs is
//! told `idempotency_in_progress` with a time to retry after.

use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::ids::StaffId;
use banyan_store::misc::{self, IdempotencyRow};
use banyan_store::{ConnectionTrait, WriteTx, now_us};
use serde::Serialize;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    static CLAIM: Claim;
}

/// The key a request carries, the staff member it belongs to and the hash of what the request asks
/// (method, path and body), so a key reused for another request is refused.
#[derive(Debug)]
pub struct Claim {
    staff_id: StaffId,
    key: String,
    request_hash: String,
    /// Set once this request has claimed the key in one of its transactions.
    claimed: AtomicBool,
    /// Set by [`claim`]: the work spans several transactions, and only [`finish`] writes the answer.
    multi: AtomicBool,
}

impl Claim {
    pub fn new(actor: &Actor, key: &str, request_hash: &str) -> Self {
        Claim {
            staff_id: actor.id,
            key: key.to_owned(),
            request_hash: request_hash.to_owned(),
            claimed: AtomicBool::new(false),
            multi: AtomicBool::new(false),
        }
    }
}

/// Runs a request's handler with its claim, so the use case that writes stores the answer with the write.
pub async fn with_claim<F: Future>(claim: Claim, f: F) -> F::Output {
    CLAIM.scope(claim, f).await
}

/// A stored answer.
#[derive(Debug, Clone)]
pub struct Stored {
    pub status: u16,
    pub body: String,
}

/// How long a retry should wait while the first request with its key is still working.
pub const RETRY_AFTER_SECONDS: u64 = 2;

fn in_progress() -> AppError {
    AppError::conflict(
        "idempotency_in_progress",
        "a request with this Idempotency-Key is still being processed; retry shortly",
        serde_json::json!({"retry_after_seconds": RETRY_AFTER_SECONDS}),
    )
}

/// The stored answer for the claim's key, if its write committed. A key used with another request is a
/// 409 `idempotency_key_reused`; one whose multi-step work is still running a 409 `idempotency_in_progress`.
pub async fn lookup(app: &App, claim: &Claim) -> Result<Option<Stored>> {
    match misc::find_idempotency(&app.db.conn, claim.staff_id, &claim.key).await? {
        None => Ok(None),
        Some(r) if r.request_hash != claim.request_hash => Err(AppError::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
            serde_json::json!({}),
        )),
        Some(r) if r.status == 0 => Err(in_progress()),
        Some(r) => Ok(Some(Stored {
            status: u16::try_from(r.status).map_err(|e| {
                AppError::internal_from("idempotency_keys.status is not an HTTP status", e)
            })?,
            body: r.response,
        })),
    }
}

/// The current request's claim when it belongs to `actor` (a use case run from the workbench or a job has
/// none).
fn current<R>(actor: &Actor, f: impl FnOnce(&Claim) -> R) -> Option<R> {
    CLAIM
        .try_with(|c| (c.staff_id == actor.id).then(|| f(c)))
        .ok()
        .flatten()
}

fn row(c: &Claim, status: i32, response: String) -> IdempotencyRow {
    IdempotencyRow {
        staff_id: c.staff_id,
        key: c.key.clone(),
        request_hash: c.request_hash.clone(),
        status,
        response,
        created_at_us: now_us(),
    }
}

async fn insert<C: ConnectionTrait>(c: &C, r: &IdempotencyRow) -> Result<()> {
    misc::insert_idempotency(c, r).await.map_err(|e| {
        if e.is_conflict_on("idempotency") {
            in_progress()
        } else {
            e.into()
        }
    })
}

/// Commits a creating write together with its answer: with an Idempotency-Key on the request, the key and
/// `answer` (as the API serialises it, with `status`) are stored in `tx` first. A key already claimed fails
/// here and the transaction rolls back.
pub(crate) async fn commit<T: Serialize>(
    tx: WriteTx,
    actor: &Actor,
    status: u16,
    answer: &T,
) -> Result<()> {
    store_answer(&*tx, actor, status, answer, false).await?;
    tx.commit().await?;
    Ok(())
}

async fn store_answer<C: ConnectionTrait, T: Serialize>(
    c: &C,
    actor: &Actor,
    status: u16,
    answer: &T,
    last: bool,
) -> Result<()> {
    let Some((r, claimed, multi)) = current(actor, |cl| {
        (
            row(cl, 0, String::new()),
            cl.claimed.load(Ordering::Relaxed),
            cl.multi.load(Ordering::Relaxed),
        )
    }) else {
        return Ok(());
    };
    if multi && !last {
        // One step of work claimed with `claim`: its answer comes with `finish`.
        return Ok(());
    }
    let body = serde_json::to_string(answer)
        .map_err(|e| AppError::internal_from("the answer as JSON", e))?;
    if claimed {
        misc::answer_idempotency(c, r.staff_id, &r.key, i32::from(status), &body).await?;
    } else {
        insert(
            c,
            &IdempotencyRow {
                status: i32::from(status),
                response: body,
                ..r
            },
        )
        .await?;
        let _ = current(actor, |cl| cl.claimed.store(true, Ordering::Relaxed));
    }
    Ok(())
}

/// Claims the request's key (answer pending) for work that spans several transactions: in its first
/// transaction when it has one of its own, else in a transaction of its own before the work starts. Until
/// [`finish`], a retry is told `idempotency_in_progress`.
pub(crate) async fn claim<C: ConnectionTrait>(c: &C, actor: &Actor) -> Result<()> {
    let Some((r, claimed)) = current(actor, |cl| {
        (
            row(cl, 0, String::new()),
            cl.claimed.load(Ordering::Relaxed),
        )
    }) else {
        return Ok(());
    };
    if !claimed {
        insert(c, &r).await?;
        let _ = current(actor, |cl| {
            cl.claimed.store(true, Ordering::Relaxed);
            cl.multi.store(true, Ordering::Relaxed);
        });
    }
    Ok(())
}

/// Writes the answer of work claimed with [`claim`], once all of it has committed.
pub(crate) async fn finish<T: Serialize>(
    app: &App,
    actor: &Actor,
    status: u16,
    answer: &T,
) -> Result<()> {
    if current(actor, |_| ()).is_none() {
        return Ok(());
    }
    let tx = app.db.begin_write().await?;
    store_answer(&*tx, actor, status, answer, true).await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the answers kept longer than the policy's `access.idempotency_keep_hours` (the nightly job);
/// how many. A retry after that is a new request.
pub async fn purge(app: &App) -> Result<u64> {
    let hours = i64::from(app.policy().access.idempotency_keep_hours);
    Ok(misc::purge_idempotency(&app.db.conn, now_us() - hours * 3_600_000_000).await?)
}
