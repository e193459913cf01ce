//! Client events (seed 004 客户活动: lectures, exchange meetings, outdoor activities): invitations by
//! segment or by hand, replies with a capacity and a waitlist, attendance and feedback.
//!
//! Capacity is decided with the event row locked, so two acceptances can never both take the last seat;
//! a seat given back (a decline after accepting) goes to the longest-waiting customer in the same
//! transaction. Invitations are also messages in the notification outbox (consent checked at send time).

use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use crate::notify;
use banyan_domain::access::Permission;
use banyan_store::customers as cstore;
use banyan_store::events::{self as store, EventRow, InvitationRow};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

const KINDS: [&str; 3] = ["lecture", "exchange", "outdoor"];

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    pub title: String,
    /// `lecture`, `exchange` or `outdoor`.
    pub kind: String,
    #[serde(default)]
    pub description: Option<String>,
    pub location: String,
    /// RFC 3339.
    pub starts_at: String,
    pub capacity: i32,
    /// The branch holding it; default the creator's.
    #[serde(default)]
    pub branch_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationView {
    pub customer_id: Uuid,
    pub customer_no: String,
    pub name: String,
    pub status: String,
    pub rating: Option<i32>,
    pub feedback: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    pub title: String,
    pub kind: String,
    pub description: Option<String>,
    pub location: String,
    pub starts_at: String,
    pub capacity: i32,
    pub branch_code: String,
    /// Invitations by status.
    pub counts: BTreeMap<String, u64>,
    /// Invitations to customers within the reader's scope.
    pub invitations: Vec<InvitationView>,
}

pub async fn create_event(app: &App, actor: &Actor, input: EventInput) -> Result<EventView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let mut errs = banyan_domain::FieldErrors::new();
    if input.title.trim().is_empty() || input.title.chars().count() > 200 {
        errs.push(
            "title",
            "required",
            "give a title of at most 200 characters",
        );
    }
    if !KINDS.contains(&input.kind.as_str()) {
        errs.push(
            "kind",
            "one_of",
            format!("must be one of {}", KINDS.join(", ")),
        );
    }
    if input.location.trim().is_empty() {
        errs.push("location", "required", "is required");
    }
    if !(1..=10_000).contains(&input.capacity) {
        errs.push("capacity", "range", "must be between 1 and 10000");
    }
    let starts = match input.starts_at.trim().parse::<jiff::Timestamp>() {
        Ok(t) if t.as_microsecond() > now_us() => Some(t),
        Ok(_) => {
            errs.push("starts_at", "future", "must be in the future");
            None
        }
        Err(_) => {
            errs.push(
                "starts_at",
                "format",
                "must be an RFC 3339 time, e.g. 2026-12-12T14:00:00+08:00",
            );
            None
        }
    };
    let branch = input
        .branch_code
        .clone()
        .or_else(|| actor.branch_code.clone())
        .unwrap_or_default();
    if branch.is_empty() {
        errs.push(
            "branch_code",
            "required",
            "name the branch holding the event",
        );
    }
    errs.into_result()?;
    let e = EventRow {
        id: Uuid::now_v7(),
        title: input.title.trim().to_owned(),
        kind: input.kind,
        description: input.description.filter(|d| !d.trim().is_empty()),
        location: input.location.trim().to_owned(),
        starts_at_us: starts.map(|t| t.as_microsecond()).unwrap_or_default(),
        capacity: input.capacity,
        branch_code: branch,
        created_by: actor.id.uuid(),
        created_at_us: now_us(),
    };
    let tx = app.db.begin_write().await?;
    store::insert_event(&*tx, &e).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "event.create",
            entity: "event",
            entity_id: Some(e.id.to_string()),
            customer_id: None,
            detail: json!({"title": e.title, "capacity": e.capacity}),
        }],
    )
    .await?;
    // A new event has no invitations yet: its view reads nothing this transaction wrote.
    let v = view(app, &grant, e).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

async fn view(app: &App, grant: &Granted<'_>, e: EventRow) -> Result<EventView> {
    let invs = store::invitations(&app.db.conn, e.id).await?;
    let mut counts = BTreeMap::new();
    for i in &invs {
        *counts.entry(i.status.clone()).or_default() += 1;
    }
    let ids: Vec<Uuid> = invs.iter().map(|i| i.customer_id).collect();
    let brief: HashMap<Uuid, (String, String, String, Option<Uuid>)> =
        cstore::list_brief(&app.db.conn, &ids)
            .await?
            .into_iter()
            .map(|(id, no, name, branch, rm)| (id, (no, name, branch, rm)))
            .collect();
    let invitations = invs
        .into_iter()
        .filter_map(|i| {
            let (no, name, branch, rm) = brief.get(&i.customer_id)?.clone();
            grant
                .can_see(&branch, rm.map(Into::into))
                .then_some(InvitationView {
                    customer_id: i.customer_id,
                    customer_no: no,
                    name,
                    status: i.status,
                    rating: i.rating,
                    feedback: i.feedback,
                })
        })
        .collect();
    Ok(EventView {
        id: e.id,
        title: e.title,
        kind: e.kind,
        description: e.description,
        location: e.location,
        starts_at: crate::fmt_us(e.starts_at_us),
        capacity: e.capacity,
        branch_code: e.branch_code,
        counts,
        invitations,
    })
}

pub async fn get_event(app: &App, actor: &Actor, id: Uuid) -> Result<EventView> {
    let grant = actor.require(Permission::CustomerRead)?;
    let e = store::find_event(&app.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    view(app, &grant, e).await
}

/// Upcoming events (of the actor's branch for branch- and own-scoped staff).
pub async fn list_events(app: &App, actor: &Actor) -> Result<Vec<EventView>> {
    events_in(app, actor, now_us(), None).await
}

/// Events starting in `[from_us, to_us)`, past ones included (the calendar's month or week).
pub async fn events_between(
    app: &App,
    actor: &Actor,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<EventView>> {
    events_in(app, actor, from_us, Some(to_us)).await
}

async fn events_in(
    app: &App,
    actor: &Actor,
    from_us: i64,
    to_us: Option<i64>,
) -> Result<Vec<EventView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let branch = match actor.scope_kind() {
        banyan_domain::access::ScopeKind::All => None,
        _ => actor.branch_code.clone(),
    };
    let mut out = Vec::new();
    for e in store::list_events(&app.db.conn, from_us, to_us, branch.as_deref()).await? {
        out.push(view(app, &grant, e).await?);
    }
    Ok(out)
}

/// An event a customer was invited to, for the customer's timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerEvent {
    pub event_id: Uuid,
    pub title: String,
    pub kind: String,
    pub starts_at: String,
    /// `invited`, `accepted`, `waitlisted`, `declined`, `attended`, `no_show`.
    pub status: String,
    pub rating: Option<i32>,
    pub feedback: Option<String>,
}

/// The events a customer (in the actor's scope) was invited to, newest first.
pub async fn customer_events(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<Vec<CustomerEvent>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let customer_id = crate::scope::read_in_scope(&app.db.conn, &grant, who.into())
        .await?
        .id
        .uuid();
    Ok(store::invitations_of_customer(&app.db.conn, customer_id)
        .await?
        .into_iter()
        .map(|(e, i)| CustomerEvent {
            event_id: e.id,
            title: e.title,
            kind: e.kind,
            starts_at: crate::fmt_us(e.starts_at_us),
            status: i.status,
            rating: i.rating,
            feedback: i.feedback,
        })
        .collect())
}

/// Which event message.
#[derive(Clone, Copy)]
enum Text {
    Invite,
    Seat,
}

/// An event message in the customer's language (zh-CN, zh-TW, en).
fn event_text(lang: &str, what: Text, name: &str, e: &store::EventRow, when: &str) -> String {
    let (title, place) = (&e.title, &e.location);
    match (what, lang) {
        (Text::Invite, "en") => format!(
            "Dear {name}, you are invited to \"{title}\" on {when} at {place}. Places are limited: reply 1 to join, 2 to decline."
        ),
        (Text::Invite, "zh-TW") => format!(
            "{name}您好，誠邀您參加「{title}」，時間：{when}，地點：{place}。名額有限，回覆1報名，回覆2婉拒。"
        ),
        (Text::Invite, _) => format!(
            "{name}您好，诚邀您参加「{title}」，时间：{when}，地点：{place}。名额有限，回复1报名，回复2婉拒。"
        ),
        (Text::Seat, "en") => format!(
            "Dear {name}, a place at \"{title}\" has become free and your registration is confirmed: {when}, {place}."
        ),
        (Text::Seat, "zh-TW") => {
            format!("{name}您好，「{title}」有名額空出，您的報名已確認：{when}，地點：{place}。")
        }
        (Text::Seat, _) => {
            format!("{name}您好，「{title}」有名额空出，您的报名已确认：{when}，地点：{place}。")
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    /// Hand-picked customers (ids).
    #[serde(default)]
    pub customers: Vec<Uuid>,
    /// Or a segment: dimension -> value; `{}` with no `customers` is refused (no accidental invite-all).
    #[serde(default)]
    pub segments: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteReport {
    pub invited: u64,
    /// Already invited before.
    pub skipped: u64,
}

/// Invites customers in the actor's scope (verified only); each invitation also queues a message.
pub async fn invite(
    app: &App,
    actor: &Actor,
    event_id: Uuid,
    input: InviteInput,
) -> Result<InviteReport> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    if input.customers.is_empty() && input.segments.is_empty() {
        return Err(AppError::field(
            "customers",
            "required",
            "name customers or a segment to invite",
        ));
    }
    let mut errs = banyan_domain::FieldErrors::new();
    let segments = banyan_domain::segments::segment_filter(&input.segments, &mut errs);
    errs.into_result()?;
    let e = store::find_event(&app.db.conn, event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut targets: Vec<cstore::CustomerRow> = Vec::new();
    for id in &input.customers {
        match cstore::find_customer(&app.db.conn, (*id).into()).await? {
            Some(r)
                if grant.can_see(&r.branch_code, r.rm_id)
                    && r.status == banyan_domain::customer::CustomerStatus::Verified =>
            {
                targets.push(r)
            }
            _ => {
                return Err(AppError::field(
                    "customers",
                    "not_found",
                    format!("{id} is not a verified customer in your scope"),
                ));
            }
        }
    }
    if !input.segments.is_empty() {
        let mut after = None;
        loop {
            let f = cstore::CustomerFilter {
                status: Some("verified".into()),
                segments: segments.clone(),
                after: after.map(cstore::Cursor::Id),
                ..cstore::CustomerFilter::scoped(grant.scope(), 1000)
            };
            let page = cstore::list_customers(&app.db.conn, &f).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.uuid());
            targets.extend(page);
        }
    }
    let now = now_us();
    let rows: Vec<InvitationRow> = targets
        .iter()
        .map(|r| InvitationRow {
            event_id,
            customer_id: r.id.uuid(),
            status: "invited".into(),
            invited_by: actor.id.uuid(),
            invited_at_us: now,
            responded_at_us: None,
            rating: None,
            feedback: None,
        })
        .collect();
    let when = jiff::Timestamp::from_microsecond(e.starts_at_us)
        .map(|t| {
            t.to_zoned(app.tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let mut drafts = Vec::new();
    for r in &targets {
        let consents = cstore::list_consents(&app.db.conn, r.id.uuid()).await?;
        let lang = notify::language_of(r)?;
        drafts.push(notify::row(
            notify::Draft {
                customer_id: r.id.uuid(),
                channel: notify::channel_for(r.preferred_channel.as_deref(), &consents, true),
                purpose: "marketing",
                cause: "event.invite".into(),
                cause_key: format!("event:{event_id}:{}", r.id),
                subject: Some(e.title.clone()),
                body: event_text(&lang, Text::Invite, &r.display_name, &e, &when),
                lang,
            },
            now,
        ));
    }
    let tx = app.db.begin_write().await?;
    let invited = store::invite(&*tx, &rows).await?;
    banyan_store::notify::enqueue(&*tx, &drafts).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "event.invite",
            entity: "event",
            entity_id: Some(event_id.to_string()),
            customer_id: None,
            detail: json!({"invited": invited, "segments": input.segments, "customers": input.customers.len()}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(InviteReport {
        invited,
        skipped: rows.len() as u64 - invited,
    })
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    pub customer: Uuid,
    /// `accept`, `decline`, `attended`, `no_show`.
    pub response: String,
}

/// Records a reply or attendance. An acceptance takes a seat while there is one, otherwise a place on
/// the waitlist; a decline from someone holding a seat gives it to the longest-waiting customer.
/// Returns the customer's status afterwards.
pub async fn respond(
    app: &App,
    actor: &Actor,
    event_id: Uuid,
    input: ResponseInput,
) -> Result<String> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let tx = app.db.begin_write().await?;
    let e = store::lock_event(&*tx, event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::scope::field_in_scope(&*tx, &grant, input.customer, "customer").await?;
    let invs = store::invitations(&*tx, event_id).await?;
    let Some(mine) = invs.iter().find(|i| i.customer_id == input.customer) else {
        return Err(AppError::field(
            "customer",
            "not_invited",
            "the customer is not invited to this event",
        ));
    };
    let seated = invs
        .iter()
        .filter(|i| matches!(i.status.as_str(), "accepted" | "attended"))
        .count() as i64;
    let now = now_us();
    let from = mine.status.as_str();
    let new = match (input.response.as_str(), from) {
        ("accept", "accepted" | "waitlisted") => from.to_owned(),
        ("accept", "invited" | "declined") => {
            if seated < i64::from(e.capacity) {
                "accepted".to_owned()
            } else {
                "waitlisted".to_owned()
            }
        }
        ("decline", "invited" | "accepted" | "waitlisted" | "declined") => "declined".to_owned(),
        ("attended" | "no_show", "accepted" | "attended" | "no_show") => input.response.clone(),
        ("attended" | "no_show", _) => {
            return Err(AppError::conflict(
                "invalid_state",
                format!(
                    "only customers holding a seat can be marked {}; this one is {from}",
                    input.response
                ),
                json!({"current_status": from}),
            ));
        }
        ("accept" | "decline", _) => {
            return Err(AppError::conflict(
                "invalid_state",
                format!("the customer is already {from}"),
                json!({"current_status": from}),
            ));
        }
        _ => {
            return Err(AppError::field(
                "response",
                "one_of",
                "must be accept, decline, attended or no_show",
            ));
        }
    };
    store::set_status(&*tx, event_id, input.customer, &new, now).await?;
    let mut promoted = None;
    if from == "accepted" && new == "declined" {
        // The oldest waiting invitation takes the seat.
        if let Some(w) = invs
            .iter()
            .filter(|i| i.status == "waitlisted")
            .min_by_key(|i| (i.responded_at_us.unwrap_or(i.invited_at_us), i.customer_id))
        {
            store::set_status(&*tx, event_id, w.customer_id, "accepted", now).await?;
            promoted = Some(w.customer_id);
            // The customer who gets the seat is told, in the same transaction (a service message: it
            // answers their own request).
            if let Some(c) = cstore::find_customer(&*tx, w.customer_id.into()).await? {
                let consents = cstore::list_consents(&*tx, c.id.uuid()).await?;
                let when = jiff::Timestamp::from_microsecond(e.starts_at_us)
                    .map(|t| {
                        t.to_zoned(app.tz.clone())
                            .strftime("%Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_default();
                let lang = notify::language_of(&c)?;
                let row = notify::row(
                    notify::Draft {
                        customer_id: c.id.uuid(),
                        channel: notify::channel_for(
                            c.preferred_channel.as_deref(),
                            &consents,
                            false,
                        ),
                        purpose: "service",
                        cause: "event.seat".into(),
                        cause_key: format!("event:{event_id}:{}:seat", c.id),
                        subject: Some(e.title.clone()),
                        body: event_text(&lang, Text::Seat, &c.display_name, &e, &when),
                        lang,
                    },
                    now,
                );
                banyan_store::notify::enqueue(&*tx, &[row]).await?;
            }
        }
    }
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "event.respond",
            entity: "event",
            entity_id: Some(event_id.to_string()),
            customer_id: Some(input.customer),
            detail: json!({"from": from, "to": new, "promoted": promoted}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    pub customer: Uuid,
    /// 1 to 5.
    pub rating: i32,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Records an attendee's feedback.
pub async fn feedback(
    app: &App,
    actor: &Actor,
    event_id: Uuid,
    input: FeedbackInput,
) -> Result<()> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    if !(1..=5).contains(&input.rating) {
        return Err(AppError::field(
            "rating",
            "range",
            "must be between 1 and 5",
        ));
    }
    let tx = app.db.begin_write().await?;
    // An unknown event is "not found", not "the customer did not attend".
    store::lock_event(&*tx, event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let invs = store::invitations(&*tx, event_id).await?;
    crate::scope::field_in_scope(&*tx, &grant, input.customer, "customer").await?;
    if !invs
        .iter()
        .any(|i| i.customer_id == input.customer && i.status == "attended")
    {
        return Err(AppError::conflict(
            "invalid_state",
            "feedback is recorded for customers who attended",
            json!({}),
        ));
    }
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    store::set_feedback(&*tx, event_id, input.customer, input.rating, comment).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "event.feedback",
            entity: "event",
            entity_id: Some(event_id.to_string()),
            customer_id: Some(input.customer),
            detail: json!({"rating": input.rating}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
