//! Webhooks: the events feed pushed to the systems that subscribe, signed, in order, with retries.
//!
//! Each subscription follows the feed with its own cursor. A round (one node at a time, under a lease) sends
//! each due subscription the events after its cursor that it wants, one by one in order; a 2xx moves the
//! cursor past the event, anything else stops the subscription's round and waits (30 s, doubling, at most
//! an hour) before trying that event again — so a receiver never gets an event before the ones ahead of it,
//! and gets every one once its endpoint answers. A receiver can still see an event twice (a crash between its
//! 2xx and the cursor's write): each request carries the event's id as `Idempotency-Key` to drop it by.
//! Every attempt is in the subscription's delivery log; an administrator can send an event again (a replay).
//!
//! Signature: `X-Banyan-Signature: v1=<hex HMAC-SHA256 over "<X-Banyan-Timestamp>.<body>">` under the
//! subscription's secret (shown once, kept encrypted), the same scheme the message gateway's callbacks use.

use super::{FeedEvent, feed_event};
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::crypto::{Purpose, random_bytes};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::outbound::{KINDS, backoff_us, is_kind};
use banyan_store::now_us;
use banyan_store::outbound::{self as store, DeliveryRow, SubscriptionRow};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

const LEASE: &str = "webhook-deliverer";
/// At most this many events a subscription is sent in one round (the next round goes on).
const ROUND: u64 = 200;
/// The delivery log a subscription's page shows.
const LOG_SHOWN: u64 = 100;

/// A subscription as administrators see it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub name: String,
    pub url: String,
    /// The event kinds it is sent.
    pub kinds: Vec<String>,
    pub active: bool,
    /// The last event number it was sent (or passed over as not wanted).
    pub cursor: i64,
    /// Failures in a row of the event it waits on (0: healthy).
    pub failures: i32,
    pub next_attempt_at: Option<String>,
    /// Why the event it waits on failed last (as a delivery's `error`).
    pub last_error: Option<String>,
    pub created_at: String,
}

/// One attempt to deliver one event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub event_id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub at: String,
    /// The receiver's HTTP status (none: no answer).
    pub status: Option<i32>,
    pub ok: bool,
    /// Why it failed: `refused` (see `status`), `timeout`, `unreachable`, `failed` or `internal`.
    pub error: Option<String>,
    /// Sent again by an administrator.
    pub replay: bool,
}

/// A subscription with its latest deliveries, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionDetail {
    pub subscription: SubscriptionView,
    pub deliveries: Vec<DeliveryView>,
}

/// A new subscription: its signing secret is in this answer only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewSubscriptionAnswer {
    /// `null` when the answer replays an earlier request with the same Idempotency-Key.
    pub secret: Option<String>,
    pub subscription: SubscriptionView,
}

fn view(s: &SubscriptionRow) -> SubscriptionView {
    SubscriptionView {
        id: s.id,
        name: s.name.clone(),
        url: s.url.clone(),
        kinds: s.kinds.split_whitespace().map(str::to_owned).collect(),
        active: s.active,
        cursor: s.cursor,
        failures: s.attempts,
        next_attempt_at: (s.active && s.attempts > 0).then(|| crate::fmt_us(s.next_attempt_at_us)),
        last_error: s.last_error.clone(),
        created_at: crate::fmt_us(s.created_at_us),
    }
}

fn delivery_view(d: DeliveryRow) -> DeliveryView {
    DeliveryView {
        id: d.id,
        event_id: d.event_id,
        seq: d.seq,
        kind: d.kind,
        at: crate::fmt_us(d.at_us),
        status: d.status,
        ok: d.ok,
        error: d.error,
        replay: d.replay,
    }
}

/// Checks a receiver's address: an absolute `http` or `https` URL with a host, at most 500 characters.
fn check_url(url: &str) -> Result<String> {
    let url = url.trim();
    let parsed = reqwest_tls::Url::parse(url).ok().filter(|u| {
        url.len() <= 500 && matches!(u.scheme(), "http" | "https") && u.host().is_some()
    });
    let Some(u) = parsed else {
        return Err(AppError::field(
            "url",
            "format",
            "must be an http or https address, e.g. https://dw.bank.internal/banyan/events",
        ));
    };
    // Events name customers (numbers, what happened to them): signed, but readable to anyone on the path
    // unless the connection is encrypted. Plain http only to a receiver on this machine (a local relay).
    let host = u.host_str().unwrap_or("").trim_matches(['[', ']']);
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback());
    if u.scheme() == "http" && !loopback {
        return Err(AppError::field(
            "url",
            "https",
            "must be an https address (plain http only to a receiver on this machine)",
        ));
    }
    // A user name or password in the address would be shown on pages and kept in the audit log: the
    // receiver checks the signature instead.
    if !u.username().is_empty() || u.password().is_some() {
        return Err(AppError::field(
            "url",
            "credentials",
            "must not hold a user name or password; the receiver checks the signature instead",
        ));
    }
    Ok(url.to_owned())
}

fn check_kinds(kinds: &[String]) -> Result<String> {
    if kinds.is_empty() {
        return Err(AppError::field(
            "kinds",
            "required",
            "pick at least one kind of event",
        ));
    }
    let mut out: Vec<&str> = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        let k = k.trim();
        if !is_kind(k) {
            return Err(AppError::field(
                &format!("kinds[{i}]"),
                "one_of",
                format!("must be one of {}", KINDS.join(", ")),
            ));
        }
        if !out.contains(&k) {
            out.push(k);
        }
    }
    // Kept in the registry's order, so two subscriptions asking the same read the same.
    out.sort_by_key(|k| KINDS.iter().position(|x| x == k));
    Ok(out.join(" "))
}

/// Subscribes a receiver to the feed from now on (its cursor starts at the latest event: it is sent what
/// happens after it was made, not the bank's history). Administrators; audited.
pub async fn create(
    app: &App,
    actor: &Actor,
    name: &str,
    url: &str,
    kinds: &[String],
) -> Result<NewSubscriptionAnswer> {
    let grant = actor.require(Permission::StaffManage)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(AppError::field(
            "name",
            "length",
            "must be 1 to 64 characters",
        ));
    }
    let url = check_url(url)?;
    let kinds = check_kinds(kinds)?;
    // Events committed before now get their numbers first, so the new subscription's cursor starts after
    // them: it is sent what happens from now on. Best effort: if the publisher is busy elsewhere, a few
    // earlier events are sent too — never fewer.
    if let Err(e) = super::publish_pending(app).await {
        tracing::warn!(error = %e, "publishing before a new subscription failed; it may get a few earlier events");
    }
    let secret = format!("whsec_{}", hex::encode(random_bytes::<32>()?));
    let now = now_us();
    let tx = app.db.begin_write().await?;
    let row = SubscriptionRow {
        id: Uuid::now_v7(),
        name: name.to_owned(),
        url,
        secret_enc: app.keys().encrypt(Purpose::WebhookSecret, &secret)?,
        kinds,
        active: true,
        cursor: store::last_seq(&*tx).await?,
        attempts: 0,
        next_attempt_at_us: now,
        last_error: None,
        created_by: actor.id.uuid(),
        created_at_us: now,
    };
    store::insert_subscription(&*tx, &row).await?;
    audit::record(app, &*tx, &grant, vec![Entry {
        action: "webhook.create",
        entity: "webhook",
        entity_id: Some(row.id.to_string()),
        customer_id: None,
        detail: serde_json::json!({"name": row.name, "url": row.url, "kinds": row.kinds.split_whitespace().collect::<Vec<_>>()}),
    }])
    .await?;
    let answer = NewSubscriptionAnswer {
        secret: None,
        subscription: view(&row),
    };
    // The stored answer (for a retry with the same key) never holds the secret.
    crate::idempotency::commit(tx, actor, 201, &answer).await?;
    Ok(NewSubscriptionAnswer {
        secret: Some(secret),
        ..answer
    })
}

/// Every subscription (administrators).
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<SubscriptionView>> {
    actor.require(Permission::StaffManage)?;
    Ok(store::subscriptions(&app.db.conn)
        .await?
        .iter()
        .map(view)
        .collect())
}

/// One subscription with its latest deliveries (administrators).
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<SubscriptionDetail> {
    actor.require(Permission::StaffManage)?;
    let s = store::subscription(&app.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let deliveries = store::deliveries(&app.db.conn, id, LOG_SHOWN)
        .await?
        .into_iter()
        .map(delivery_view)
        .collect();
    Ok(SubscriptionDetail {
        subscription: view(&s),
        deliveries,
    })
}

/// Pauses or resumes a subscription; resuming tries at once. A paused subscription keeps its cursor and
/// is sent what it missed when resumed.
pub async fn set_active(
    app: &App,
    actor: &Actor,
    id: Uuid,
    active: bool,
) -> Result<SubscriptionDetail> {
    let grant = actor.require(Permission::StaffManage)?;
    let tx = app.db.begin_write().await?;
    if !store::set_active(&*tx, id, active, now_us()).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: if active {
                "webhook.resume"
            } else {
                "webhook.pause"
            },
            entity: "webhook",
            entity_id: Some(id.to_string()),
            customer_id: None,
            detail: serde_json::json!({}),
        }],
    )
    .await?;
    tx.commit().await?;
    get(app, actor, id).await
}

fn client() -> Result<&'static reqwest_tls::Client> {
    static C: std::sync::OnceLock<reqwest_tls::Client> = std::sync::OnceLock::new();
    if let Some(c) = C.get() {
        return Ok(c);
    }
    crate::notify::install_tls_provider();
    let c = reqwest_tls::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest_tls::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::internal(format!("http client: {e}")))?;
    Ok(C.get_or_init(|| c))
}

/// Sends one event; the receiver's status, and on failure its kind as a code: `refused` (a status other than
/// 2xx), `timeout` (no answer within 10 seconds), `unreachable` (no connection), `failed`, `internal`.
async fn send(
    url: &str,
    secret: &[u8],
    e: &FeedEvent,
) -> (Option<i32>, std::result::Result<(), String>) {
    let body = match serde_json::to_vec(e) {
        Ok(b) => b,
        Err(err) => {
            tracing::error!(error = %err, "an event did not serialise");
            return (None, Err("internal".into()));
        }
    };
    let client = match client() {
        Ok(c) => c,
        Err(err) => {
            tracing::error!(error = %err, "no HTTP client for webhooks");
            return (None, Err("internal".into()));
        }
    };
    let ts = jiff::Timestamp::now().as_second();
    let sig = crate::notify::signature(secret, ts, &body);
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-banyan-event-id", e.id.to_string())
        .header("x-banyan-event-kind", e.kind.as_str())
        .header("x-banyan-timestamp", ts.to_string())
        .header("x-banyan-signature", format!("v1={sig}"))
        .header("idempotency-key", e.id.to_string())
        .body(body)
        .send()
        .await;
    match r {
        Ok(resp) if resp.status().is_success() => (Some(i32::from(resp.status().as_u16())), Ok(())),
        Ok(resp) => (
            Some(i32::from(resp.status().as_u16())),
            Err("refused".into()),
        ),
        // Not the URL's query or anything the receiver said: the kind of failure only.
        Err(err) if err.is_timeout() => (None, Err("timeout".into())),
        Err(err) if err.is_connect() => (None, Err("unreachable".into())),
        Err(_) => (None, Err("failed".into())),
    }
}

/// Sends one event to a subscription and returns the attempt as the log keeps it.
async fn attempt(s: &SubscriptionRow, secret: &[u8], e: &FeedEvent, replay: bool) -> DeliveryRow {
    let (status, outcome) = send(&s.url, secret, e).await;
    DeliveryRow {
        id: Uuid::now_v7(),
        subscription_id: s.id,
        event_id: e.id,
        seq: e.seq,
        kind: e.kind.clone(),
        at_us: now_us(),
        status,
        ok: outcome.is_ok(),
        error: outcome.err(),
        replay,
    }
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub sent: usize,
    pub failed: usize,
}

/// Sends each due subscription what it has not been sent, in order (see the module's note). `now` is the
/// round's clock (the job passes the time; tests pass a later one to see a wait end). A subscription whose
/// round fails in Banyan itself (its secret unreadable, the database gone) is logged and retried later; the
/// others go on.
pub async fn deliver_due(app: &App, now: i64) -> Result<RoundReport> {
    let mut report = RoundReport::default();
    let due = store::due_subscriptions(&app.db.conn, now).await?;
    if due.is_empty() || !hold_lease(app).await? {
        return Ok(report);
    }
    for s in due {
        match deliver_one(app, &s, now).await {
            Ok(r) => {
                report.sent += r.sent;
                report.failed += r.failed;
            }
            Err(e) => {
                tracing::warn!(subscription = %s.id, error = %e, "a webhook round failed; will retry");
                let failures = s.attempts.saturating_add(1);
                store::set_progress(
                    &app.db.conn,
                    s.id,
                    s.cursor,
                    s.cursor,
                    failures,
                    now + backoff_us(failures),
                    Some("internal"),
                )
                .await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Takes or renews the deliverer's lease for a minute; false when another node holds it. Renewed before
/// every event, so a long round never outlives it and a second node never sends alongside.
async fn hold_lease(app: &App) -> Result<bool> {
    let wall = now_us();
    Ok(banyan_store::misc::take_lease(
        &app.db.conn,
        LEASE,
        app.node_id.as_str(),
        wall,
        wall + 60_000_000,
    )
    .await?)
}

async fn deliver_one(app: &App, s: &SubscriptionRow, now: i64) -> Result<RoundReport> {
    let mut report = RoundReport::default();
    let secret = app.keys().decrypt(Purpose::WebhookSecret, &s.secret_enc)?;
    let wanted: Vec<&str> = s.kinds.split_whitespace().collect();
    let events = store::page(&app.db.conn, s.cursor, ROUND).await?;
    // `stored`: the cursor as written; `cursor`: past what this round sent or passed over.
    let (mut stored, mut cursor) = (s.cursor, s.cursor);
    let mut attempts = s.attempts;
    for row in events {
        let e = feed_event(row)?;
        if !wanted.contains(&e.kind.as_str()) {
            cursor = e.seq;
            continue;
        }
        if !hold_lease(app).await? {
            break;
        }
        let d = attempt(s, secret.as_bytes(), &e, false).await;
        let (ok, error) = (d.ok, d.error.clone());
        let tx = app.db.begin_write().await?;
        store::insert_delivery(&*tx, &d).await?;
        let (to, failures, next) = if ok {
            (e.seq, 0, now)
        } else {
            let f = attempts.saturating_add(1);
            (cursor, f, now + backoff_us(f))
        };
        if !store::set_progress(&*tx, s.id, stored, to, failures, next, error.as_deref()).await? {
            // Paused, or moved on by another node meanwhile: this round stops (its attempt stays logged).
            tx.commit().await?;
            return Ok(report);
        }
        tx.commit().await?;
        stored = to;
        if ok {
            cursor = e.seq;
            attempts = 0;
            report.sent += 1;
        } else {
            report.failed += 1;
            return Ok(report);
        }
    }
    if cursor != stored || attempts != 0 {
        store::set_progress(&app.db.conn, s.id, stored, cursor, 0, now, None).await?;
    }
    Ok(report)
}

/// Sends the event of a logged delivery again, now (an administrator's replay; logged as one). The
/// subscription's cursor does not move: what follows is sent as before.
pub async fn replay(app: &App, actor: &Actor, id: Uuid, delivery: Uuid) -> Result<DeliveryView> {
    let grant = actor.require(Permission::StaffManage)?;
    let s = store::subscription(&app.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = store::delivery(&app.db.conn, id, delivery)
        .await?
        .ok_or(AppError::NotFound)?;
    let row = store::event(&app.db.conn, d.event_id)
        .await?
        .ok_or_else(|| AppError::internal(format!("delivered event {} is gone", d.event_id)))?;
    let e = feed_event(row)?;
    let secret = app.keys().decrypt(Purpose::WebhookSecret, &s.secret_enc)?;
    let row = attempt(&s, secret.as_bytes(), &e, true).await;
    let tx = app.db.begin_write().await?;
    store::insert_delivery(&*tx, &row).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "webhook.replay",
            entity: "webhook",
            entity_id: Some(s.id.to_string()),
            customer_id: None,
            detail: serde_json::json!({"name": s.name, "kind": e.kind, "ok": row.ok}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(delivery_view(row))
}
