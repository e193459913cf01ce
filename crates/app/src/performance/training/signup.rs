//! Signing oneself up for a training session (seed 000 §7.1: serving staff take part in the advanced
//! courses): anyone who reads their own training sees the sessions ahead they may join — the bank-wide ones
//! and their branch's, of active courses, not yet recorded — and signs up in one step, audited; and may take
//! their own sign-up back before the session is held (a place a supervisor gave is the supervisor's to excuse).

use super::hours_of;
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::training::Attendance;
use banyan_store::performance::training::{self as store, AttendanceRow, CourseRow, SessionRow};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// A session ahead the reader may join.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingOpenSession)]
pub struct OpenSession {
    pub id: Uuid,
    /// The course's code and title.
    pub course: String,
    pub title: String,
    pub hours: f64,
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    pub place: Option<String>,
    pub trainer: Option<String>,
    /// None for a bank-wide session.
    pub branch_code: Option<String>,
    /// How many are in it so far.
    pub people: usize,
    /// Whether the reader is in it.
    pub signed_up: bool,
    /// Whether the reader signed themselves up (and so may withdraw).
    pub self_signed: bool,
}

/// Whether the reader may join the session: bank-wide or of their branch, today or later, not recorded.
fn open_to(actor: &Actor, s: &SessionRow, today: Date) -> bool {
    let here = match s.branch_code.as_deref() {
        None => true,
        Some(b) => actor.branch_code() == Some(b),
    };
    here && s.held_on >= today && s.recorded_at_us.is_none()
}

fn open_view(s: &SessionRow, k: &CourseRow, people: &[AttendanceRow], me: StaffId) -> OpenSession {
    let mine = people.iter().find(|a| a.staff_id == me);
    OpenSession {
        id: s.id,
        course: k.code.clone(),
        title: k.title.clone(),
        hours: hours_of(k.hours_tenths),
        held_on: s.held_on,
        place: s.place.clone(),
        trainer: s.trainer.clone(),
        branch_code: s.branch_code.clone(),
        people: people.len(),
        signed_up: mine.is_some(),
        self_signed: mine.is_some_and(|a| a.self_signed),
    }
}

/// The sessions ahead the reader may join, soonest first (`performance.read`).
pub async fn open_sessions(app: &App, actor: &Actor) -> Result<Vec<OpenSession>> {
    actor.require(Permission::PerformanceRead)?;
    let c = &app.db.conn;
    let today = app.today();
    let branches: Vec<String> = actor.branch_code().map(str::to_owned).into_iter().collect();
    let courses = store::courses(c).await?;
    let mut out = Vec::new();
    for s in store::sessions(c, today, Some(&branches), 100).await? {
        if !open_to(actor, &s, today) {
            continue;
        }
        let Some(k) = courses.iter().find(|k| k.id == s.course_id) else {
            return Err(AppError::internal(format!(
                "training_sessions {} names no course",
                s.id
            )));
        };
        if !k.active {
            continue;
        }
        let people = store::attendance_of(c, s.id).await?;
        out.push(open_view(&s, k, &people, actor.id()));
    }
    out.sort_by(|a, b| a.held_on.cmp(&b.held_on).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Signs the reader up for a session (`performance.read`; audited `training.sign_up`; Idempotency-Key): one
/// not open to them (another branch's) is not found; one already held or recorded, or of a retired course,
/// is `409 session_closed`; being in it already is `409 already_signed_up`.
pub async fn sign_up(app: &App, actor: &Actor, id: Uuid) -> Result<OpenSession> {
    own_place(app, actor, id, true).await
}

/// Takes the reader's own sign-up back (`performance.read`; audited `training.withdraw`; Idempotency-Key): a
/// session not open to them is not found; one held or recorded is `409 session_closed`; a place they did not
/// take themselves (a supervisor's) or none at all is `409 not_signed_up`.
pub async fn withdraw(app: &App, actor: &Actor, id: Uuid) -> Result<OpenSession> {
    own_place(app, actor, id, false).await
}

/// Takes (`join`) or gives back the reader's own place in a session, as [`sign_up`] and [`withdraw`] say.
async fn own_place(app: &App, actor: &Actor, id: Uuid, join: bool) -> Result<OpenSession> {
    let grant = actor.require(Permission::PerformanceRead)?;
    let c = &app.db.conn;
    let s = store::session(c, id).await?.ok_or(AppError::NotFound)?;
    let elsewhere = s
        .branch_code
        .as_deref()
        .is_some_and(|b| actor.branch_code() != Some(b));
    if elsewhere {
        return Err(AppError::NotFound);
    }
    let course = super::sessions::course_by_id(app, s.course_id).await?;
    // A retired course takes no one new; a place in it may still be given back before the day.
    if !open_to(actor, &s, app.today()) || (join && !course.active) {
        return Err(AppError::conflict(
            "session_closed",
            "the session has been held, recorded or its course retired",
            json!({"held_on": s.held_on.to_string()}),
        ));
    }
    let tx = app.db.begin_write().await?;
    let (action, status) = if join {
        let row = AttendanceRow {
            id: Uuid::now_v7(),
            session_id: s.id,
            staff_id: actor.id(),
            attendance: Attendance::Enrolled,
            score: None,
            certificate_no: None,
            expires_on: None,
            self_signed: true,
        };
        if !store::add_attendee(&*tx, &row).await? {
            return Err(AppError::conflict(
                "already_signed_up",
                "you are already in this session",
                json!({}),
            ));
        }
        ("training.sign_up", 201)
    } else {
        if !store::remove_own_sign_up(&*tx, s.id, actor.id()).await? {
            return Err(AppError::conflict(
                "not_signed_up",
                "you did not sign yourself up for this session; your supervisor may excuse you",
                json!({}),
            ));
        }
        ("training.withdraw", 200)
    };
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action,
            entity: "course",
            entity_id: Some(course.code.clone()),
            customer_id: None,
            detail: json!({"held_on": s.held_on.to_string()}),
        }],
    )
    .await?;
    let people = store::attendance_of(&*tx, s.id).await?;
    let v = open_view(&s, &course, &people, actor.id());
    crate::idempotency::commit(tx, actor, status, &v).await?;
    Ok(v)
}
