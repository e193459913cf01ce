//! Visits to a lead (seed 002 §四): the plan made from the screening result (purpose, time, who goes, how,
//! and its preparation; a key lead's special plan prepared in full), then the record and feedback of the
//! visit (what the customer needs, their opinions, the outcome, the next step), or its cancellation. The
//! first plan moves a qualified lead to `visiting`; a record saying the customer wants to go on moves it to
//! `proposal`; by hand it leaves `visiting` only once a visit is recorded. Whoever is sent is told, and so
//! is the lead's owner when someone else records the visit. The visits stand on their staff member's
//! calendar beside the customers' visits.

use super::papers::{check_version, record_at, refuse_stage};
use super::{LeadView, lead_in_scope, staff_names, view_of};
use crate::App;
use crate::actor::Actor;
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::acquisition::visits::{
    self as rules, LeadVisitState, Preparation, VisitMethod, VisitMove, VisitOutcome,
};
use banyan_domain::acquisition::{LeadAction, LeadMove, LeadStage};
use banyan_domain::ids::{LeadId, LeadVisitId, StaffId};
use banyan_store::acquisition::visits::{self as store, LeadVisitRow};
use banyan_store::acquisition::{self as leads_store, LeadRow};
use banyan_store::cases::NoticeRow;
use banyan_store::now_us;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

/// How far ahead a visit may be planned.
const AHEAD_DAYS: i64 = 366;
const DAY_US: i64 = 86_400_000_000;
/// A record's time may run this far ahead of the server's clock (a device's clock drifts).
const SKEW_US: i64 = 5 * 60 * 1_000_000;

/// A visit as the lead's page and the calendar show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadVisitView {
    pub id: LeadVisitId,
    pub state: LeadVisitState,
    pub purpose: String,
    pub method: VisitMethod,
    pub scheduled_at: String,
    pub staff_id: StaffId,
    /// Who goes, by name.
    pub staff: String,
    /// A key lead's special plan.
    pub key_lead: bool,
    pub background: Option<String>,
    pub competitors: Option<String>,
    pub materials: Option<String>,
    pub talking_points: Option<String>,
    pub held_at: Option<String>,
    /// What the customer needs and what was discussed.
    pub summary: Option<String>,
    pub opinions: Option<String>,
    pub outcome: Option<VisitOutcome>,
    pub next_step: Option<String>,
    pub cancel_reason: Option<String>,
    pub recorded_by: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
}

/// A visit plan (`POST /api/v1/leads/{id}/visits`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadVisitInput {
    /// Why (required, at most 200 characters).
    #[serde(default)]
    pub purpose: Option<String>,
    /// When (RFC 3339), in the future and within a year.
    #[serde(default)]
    pub scheduled_at: Option<String>,
    #[serde(default)]
    pub method: Option<VisitMethod>,
    /// Who goes: active staff who may see the lead; the lead's owner by default.
    #[serde(default)]
    pub staff: Option<StaffId>,
    /// A key lead's special plan: background, competitors and talking points are then required.
    #[serde(default)]
    pub key_lead: bool,
    #[serde(default)]
    pub background: Option<String>,
    #[serde(default)]
    pub competitors: Option<String>,
    /// Brochures, case studies, forms to bring.
    #[serde(default)]
    pub materials: Option<String>,
    #[serde(default)]
    pub talking_points: Option<String>,
}

/// What to do with a planned visit (`{"action": "record", "summary": …, "outcome": "proceed"}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum VisitWork {
    /// The visit took place: its record and feedback.
    Record {
        /// When it took place (RFC 3339; now by default), not in the future.
        #[serde(default)]
        held_at: Option<String>,
        /// What the customer needs and what was discussed (required).
        #[serde(default)]
        summary: Option<String>,
        #[serde(default)]
        opinions: Option<String>,
        #[serde(default)]
        outcome: Option<VisitOutcome>,
        /// Required when another visit is needed.
        #[serde(default)]
        next_step: Option<String>,
    },
    /// It will not take place (the reason is required).
    Cancel {
        #[serde(default)]
        reason: Option<String>,
    },
}

pub(crate) fn visit_view(
    v: &LeadVisitRow,
    names: &HashMap<StaffId, String>,
) -> Result<LeadVisitView> {
    let who = |id: Option<StaffId>| id.and_then(|i| names.get(&i).cloned());
    let unreadable = |what: &str| AppError::internal(format!("lead_visits {}: {what}", v.id));
    let staff = who(Some(v.staff_id)).ok_or_else(|| unreadable("its staff member is unknown"))?;
    let recorded_by = who(v.recorded_by);
    // A held visit carries its record: a stored one without it is unreadable, never shown blank.
    if v.state == LeadVisitState::Done
        && (v.held_at_us.is_none()
            || recorded_by.is_none()
            || v.outcome.is_none()
            || v.summary.is_none())
    {
        return Err(unreadable("held without its record"));
    }
    Ok(LeadVisitView {
        id: v.id,
        state: v.state,
        purpose: v.purpose.clone(),
        method: v.method,
        scheduled_at: crate::fmt_us(v.scheduled_at_us),
        staff_id: v.staff_id,
        staff,
        key_lead: v.key_lead,
        background: v.background.clone(),
        competitors: v.competitors.clone(),
        materials: v.materials.clone(),
        talking_points: v.talking_points.clone(),
        held_at: v.held_at_us.map(crate::fmt_us),
        summary: v.summary.clone(),
        opinions: v.opinions.clone(),
        outcome: v.outcome,
        next_step: v.next_step.clone(),
        cancel_reason: v.cancel_reason.clone(),
        recorded_by,
        created_by: who(Some(v.created_by)),
        created_at: crate::fmt_us(v.created_at_us),
    })
}

/// A lead's visits as its page shows them, read in `c`.
pub(crate) async fn visits_of<C: ConnectionTrait>(
    c: &C,
    r: &LeadRow,
    names: &HashMap<StaffId, String>,
) -> Result<Vec<LeadVisitView>> {
    store::visits_of(c, r.id)
        .await?
        .iter()
        .map(|v| visit_view(v, names))
        .collect()
}

/// What a move by hand needs of the visits: a planned visit to start visiting, a recorded one to leave it.
pub(crate) async fn ready_to_move<C: ConnectionTrait>(
    c: &C,
    r: &LeadRow,
    m: LeadMove,
) -> Result<()> {
    let (need, code, message) = match (r.stage, m) {
        (LeadStage::Qualified, LeadMove::Advance) => (
            &[LeadVisitState::Planned, LeadVisitState::Done][..],
            "visit_not_planned",
            "plan a visit first: planning it moves the lead on",
        ),
        (LeadStage::Visiting, LeadMove::Advance) => (
            &[LeadVisitState::Done][..],
            "visit_not_recorded",
            "record a visit first: what the customer needs and what came of it",
        ),
        _ => return Ok(()),
    };
    let visits = store::visits_of(c, r.id).await?;
    if visits.iter().any(|v| need.contains(&v.state)) {
        return Ok(());
    }
    Err(AppError::conflict(
        code,
        message,
        json!({"visits": visits.len()}),
    ))
}

/// A text field's value, trimmed, with its length checked.
fn text(e: &mut FieldErrors, field: &str, v: Option<String>, max: usize) -> Option<String> {
    let v = v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        e.push(
            field,
            "max_length",
            format!("must be at most {max} characters"),
        );
    }
    Some(v)
}

pub(super) fn time(e: &mut FieldErrors, field: &str, v: Option<&str>) -> Option<i64> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    match v.parse::<jiff::Timestamp>() {
        Ok(t) => Some(t.as_microsecond()),
        Err(_) => {
            e.push(field, "format", "must be a date and time (RFC 3339)");
            None
        }
    }
}

/// Whether a staff member may be sent to this lead: active, able to work leads (the visit is theirs to
/// record), with the lead in scope.
pub(super) fn may_go(st: &banyan_store::access::StaffRow, r: &LeadRow) -> bool {
    crate::access::may_be_sent(st, Permission::LeadWrite, &r.branch_code, r.rm_id)
}

/// The staff who may be sent to this lead whose name or username contains `q`, for the plan's picker: at
/// most 20, by username. Out of scope is not found.
pub async fn visit_staff(
    app: &App,
    actor: &Actor,
    id: LeadId,
    q: &str,
) -> Result<Vec<crate::access::StaffView>> {
    let grant = actor.require(Permission::LeadWrite)?;
    let r = lead_in_scope(&app.db.conn, &grant, id).await?;
    crate::access::pick_staff(app, q, |st| may_go(st, &r)).await
}

pub(super) fn notice(staff: StaffId, kind: &str, r: &LeadRow, at: i64) -> NoticeRow {
    NoticeRow {
        id: uuid::Uuid::now_v7(),
        staff_id: staff.uuid(),
        case_id: None,
        customer_id: None,
        kind: kind.to_owned(),
        text: format!("{} {}", r.lead_no, r.name),
        created_at_us: at,
        read_at_us: None,
    }
}

/// Plans a visit to a lead (answered 201; a retry with the same Idempotency-Key writes nothing twice). The
/// lead must be qualified and not yet won, and have a lawful basis for contact; the first plan moves a
/// qualified lead to `visiting`. A staff member sent by someone else is told.
pub async fn plan(
    app: &App,
    actor: &Actor,
    id: LeadId,
    i: LeadVisitInput,
    version: Option<i32>,
) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let mut e = FieldErrors::new();
    let purpose = text(&mut e, "purpose", i.purpose, 200);
    if purpose.is_none() {
        e.push("purpose", "required", "say what the visit is for");
    }
    let now = now_us();
    let at = time(&mut e, "scheduled_at", i.scheduled_at.as_deref());
    match at {
        None if !e.0.iter().any(|f| f.field == "scheduled_at") => {
            e.push("scheduled_at", "required", "say when the visit is")
        }
        Some(t) if t <= now => e.push("scheduled_at", "future", "must be in the future"),
        Some(t) if t > now + AHEAD_DAYS * DAY_US => {
            e.push("scheduled_at", "within_year", "must be within a year")
        }
        _ => {}
    }
    if i.method.is_none() {
        e.push("method", "required", "say how the visit is held");
    }
    let prep = Preparation {
        background: text(&mut e, "background", i.background, 2000),
        competitors: text(&mut e, "competitors", i.competitors, 2000),
        materials: text(&mut e, "materials", i.materials, 2000),
        talking_points: text(&mut e, "talking_points", i.talking_points, 2000),
    };
    prep.check(i.key_lead, &mut e);
    e.into_result()?;
    let (Some(purpose), Some(at), Some(method)) = (purpose, at, i.method) else {
        return Err(AppError::internal("a checked visit plan lacks a field"));
    };
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    check_version(&old, version)?;
    if !rules::may_plan(old.stage) {
        return Err(refuse_stage(&old));
    }
    if old.basis.is_none() {
        return Err(super::no_lawful_basis());
    }
    let staff = match i.staff {
        Some(sid) => {
            let ok = banyan_store::access::find_staff(&*tx, sid)
                .await?
                .is_some_and(|st| may_go(&st, &old));
            if !ok {
                return Err(AppError::field(
                    "staff",
                    "not_allowed",
                    "must be an active staff member who can see this lead",
                ));
            }
            sid
        }
        None => old.rm_id.unwrap_or(actor.id()),
    };
    let row = LeadVisitRow {
        id: LeadVisitId::new(),
        lead_id: id,
        state: LeadVisitState::Planned,
        purpose: purpose.clone(),
        method,
        scheduled_at_us: at,
        staff_id: staff,
        key_lead: i.key_lead,
        background: prep.background,
        competitors: prep.competitors,
        materials: prep.materials,
        talking_points: prep.talking_points,
        held_at_us: None,
        summary: None,
        opinions: None,
        outcome: None,
        next_step: None,
        cancel_reason: None,
        recorded_by: None,
        created_by: actor.id(),
        created_at_us: now,
        updated_at_us: now,
        version: 1,
    };
    store::insert_visit(&*tx, &row).await?;
    let detail = json!({"visit": row.id, "scheduled_at": crate::fmt_us(at),
        "method": method.as_str(), "staff": staff, "key_lead": row.key_lead});
    let r = record_at(
        app,
        &*tx,
        &grant,
        &old,
        rules::stage_after_plan(old.stage),
        (LeadAction::VisitPlanned, None, Some(purpose)),
        "lead.visit.plan",
        detail,
    )
    .await?;
    if staff != actor.id() {
        banyan_store::cases::insert_notices(&*tx, &[notice(staff, "lead.visit_planned", &r, now)])
            .await?;
    }
    let v = view_of(app, &*tx, &r, None).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// Records a planned visit or cancels it (send the lead's version you read to refuse acting on a changed
/// lead). A record needs an open lead; from `visiting`, the customer's wish to go on moves it to
/// `proposal`. The lead's owner is told when someone else records a visit.
pub async fn act(
    app: &App,
    actor: &Actor,
    id: LeadId,
    visit: LeadVisitId,
    w: VisitWork,
    version: Option<i32>,
) -> Result<LeadView> {
    let grant = actor.require(Permission::LeadWrite)?;
    let now = now_us();
    let mut e = FieldErrors::new();
    let (mv, outcome, fields) = match w {
        VisitWork::Record {
            held_at,
            summary,
            opinions,
            outcome,
            next_step,
        } => {
            let held = time(&mut e, "held_at", held_at.as_deref()).unwrap_or(now);
            if held > now + SKEW_US {
                e.push("held_at", "not_future", "must not be in the future");
            }
            let summary = text(&mut e, "summary", summary, 2000);
            let opinions = text(&mut e, "opinions", opinions, 2000);
            let next_step = text(&mut e, "next_step", next_step, 500);
            match outcome {
                Some(o) => rules::check_record(summary.as_deref(), o, next_step.as_deref(), &mut e),
                None => e.push("outcome", "required", "say what came of the visit"),
            }
            (
                VisitMove::Record,
                outcome,
                (Some(held), summary, opinions, next_step, None),
            )
        }
        VisitWork::Cancel { reason } => {
            let reason = text(&mut e, "reason", reason, 500);
            if reason.is_none() {
                e.push(
                    "reason",
                    "required",
                    "say why the visit will not take place",
                );
            }
            (VisitMove::Cancel, None, (None, None, None, None, reason))
        }
    };
    e.into_result()?;
    let tx = app.db.begin_write().await?;
    let old = lead_in_scope(&*tx, &grant, id).await?;
    check_version(&old, version)?;
    let v = store::find_visit(&*tx, id, visit)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(state) = v.state.apply(mv) else {
        return Err(AppError::conflict(
            "invalid_state",
            format!("not possible while the visit is {}", v.state.as_str()),
            json!({"current_status": v.state.as_str(), "visit": visit}),
        ));
    };
    if mv == VisitMove::Record && !old.stage.is_open() {
        return Err(refuse_stage(&old));
    }
    let (held_at_us, summary, opinions, next_step, cancel_reason) = fields;
    let mut nv = v.clone();
    nv.state = state;
    nv.held_at_us = held_at_us;
    nv.summary = summary;
    nv.opinions = opinions;
    nv.outcome = outcome;
    nv.next_step = next_step;
    nv.cancel_reason = cancel_reason.clone();
    nv.recorded_by = Some(actor.id());
    nv.updated_at_us = now;
    nv.version = v.version + 1;
    if !store::update_visit(&*tx, &nv, v.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version + 1),
            since: json!([]),
        });
    }
    let (to, line, audit_action) = match outcome {
        Some(o) => (
            rules::stage_after_record(old.stage, o),
            (LeadAction::VisitRecorded, Some(o.as_str().to_owned()), None),
            "lead.visit.record",
        ),
        None => (
            old.stage,
            (LeadAction::VisitCancelled, None, cancel_reason),
            "lead.visit.cancel",
        ),
    };
    let detail = json!({"visit": visit, "outcome": outcome.map(|o| o.as_str())});
    let r = record_at(app, &*tx, &grant, &old, to, line, audit_action, detail).await?;
    if let Some(owner) = r.rm_id
        && owner != actor.id()
        && mv == VisitMove::Record
    {
        banyan_store::cases::insert_notices(&*tx, &[notice(owner, "lead.visit_recorded", &r, now)])
            .await?;
    }
    let view = view_of(app, &*tx, &r, None).await?;
    tx.commit().await?;
    Ok(view)
}

/// Cancels a lead's planned visits when it leaves the pipeline (lost), in the transaction that moves it:
/// the calendar does not keep visits nobody will make. Such a visit is cancelled without a reason.
pub(crate) async fn cancel_planned<C: ConnectionTrait>(c: &C, r: &LeadRow) -> Result<()> {
    let now = now_us();
    for v in store::visits_of(c, r.id).await? {
        if v.state != LeadVisitState::Planned {
            continue;
        }
        let mut nv = v.clone();
        nv.state = LeadVisitState::Cancelled;
        // No reason of its own: the lead's history says why it was lost (a person's cancellation always
        // carries one).
        nv.cancel_reason = None;
        nv.updated_at_us = now;
        nv.version = v.version + 1;
        // The lead's row is locked by the move: nobody else writes its visits meanwhile.
        if !store::update_visit(c, &nv, v.version).await? {
            return Err(AppError::internal(
                "a lost lead's visit changed under its lock",
            ));
        }
    }
    Ok(())
}

/// A visit to a lead on a staff member's calendar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarVisit {
    pub lead_id: LeadId,
    pub lead_no: String,
    pub lead_name: String,
    pub visit: LeadVisitView,
}

/// The caller's visits to leads planned between two instants (cancelled ones left out), of leads still in
/// their scope.
pub async fn my_visits(
    app: &App,
    actor: &Actor,
    from_us: i64,
    to_us: i64,
) -> Result<Vec<CalendarVisit>> {
    let grant = actor.require(Permission::LeadRead)?;
    let rows = store::visits_between(&app.db.conn, actor.id(), from_us, to_us).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let names = staff_names(app).await?;
    let mut leads: HashMap<LeadId, Option<LeadRow>> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for v in rows {
        if let std::collections::hash_map::Entry::Vacant(e) = leads.entry(v.lead_id) {
            let l = leads_store::find_lead(&app.db.conn, v.lead_id)
                .await?
                .filter(|l| grant.can_see(&l.branch_code, l.rm_id));
            e.insert(l);
        }
        if let Some(Some(l)) = leads.get(&v.lead_id) {
            out.push(CalendarVisit {
                lead_id: l.id,
                lead_no: l.lead_no.clone(),
                lead_name: l.name.clone(),
                visit: visit_view(&v, &names)?,
            });
        }
    }
    Ok(out)
}

/// The caller's visits to leads from one day to another, inclusive (`YYYY-MM-DD` in the bank's time zone;
/// today and 30 days on by default; at most 366 days).
pub async fn my_visits_between(
    app: &App,
    actor: &Actor,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<CalendarVisit>> {
    let mut e = FieldErrors::new();
    let mut day = |field: &str, v: Option<&str>| match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match v.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                e.push(field, "format", "must be a date (YYYY-MM-DD)");
                None
            }
        },
    };
    let from_day = day("from", from);
    let to_day = day("to", to);
    e.into_result()?;
    let from_day = from_day.unwrap_or_else(|| app.today());
    let to_day = match to_day {
        Some(d) => d,
        None => from_day
            .checked_add(jiff::Span::new().days(30))
            .map_err(|e| AppError::internal_from("visits: 30 days on", e))?,
    };
    let span = from_day
        .until(to_day)
        .map_err(|e| AppError::internal_from("visits: days between", e))?
        .get_days();
    if !(0..=AHEAD_DAYS).contains(&i64::from(span)) {
        return Err(AppError::field(
            "to",
            "range",
            "must be on or after from, at most 366 days later",
        ));
    }
    let (from_us, to_us) = app.day_bounds(from_day, to_day)?;
    my_visits(app, actor, from_us, to_us).await
}
