//! Training sessions: a supervisor schedules a session of a course for the people in their scope (a
//! senior manager's session is bank-wide, a branch supervisor's their branch's), then records who
//! attended, their assessment scores and certificate numbers; a certificate's expiry follows from the
//! course. Every step audited.

use super::{hours_of, managed, reach};
use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::training::{self as tr, Attendance};
use banyan_store::customers::ScopeFilter;
use banyan_store::performance::training::{self as store, AttendanceRow, CourseRow, SessionRow};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// A session to schedule.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    /// The course's code.
    pub course: String,
    /// The day it is held (`YYYY-MM-DD`).
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    #[serde(default)]
    pub place: Option<String>,
    /// Who teaches it (an expert, a senior colleague).
    #[serde(default)]
    pub trainer: Option<String>,
    /// The people enrolled (each in the scheduler's scope).
    pub people: Vec<StaffId>,
}

/// One person of a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingAttendee)]
pub struct AttendeeView {
    pub staff_id: StaffId,
    pub name: String,
    pub attendance: Attendance,
    pub score: Option<i32>,
    /// Whether the attendance completes the course (attended, at or over the pass mark where assessed).
    pub completed: bool,
    pub certificate_no: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
}

/// A session with its course and people.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingSession)]
pub struct SessionView {
    pub id: Uuid,
    pub course: super::CourseView,
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    pub place: Option<String>,
    pub trainer: Option<String>,
    /// The branch holding it; none for a bank-wide session.
    pub branch_code: Option<String>,
    /// Whether its attendance has been recorded.
    pub recorded: bool,
    /// The people of it the reader reaches.
    pub people: Vec<AttendeeView>,
    /// Whether the reader may record its attendance (a manager, on or after its day).
    pub may_record: bool,
}

/// The branch a manager's sessions belong to: none for one who reaches every branch.
fn branch_of(scope: &ScopeFilter) -> Option<String> {
    match scope {
        ScopeFilter::Branch(b) => Some(b.clone()),
        _ => None,
    }
}

/// Whether a session is a manager's to see: bank-wide, or of a branch in scope.
fn in_scope(scope: &ScopeFilter, s: &SessionRow) -> bool {
    match (scope, s.branch_code.as_deref()) {
        (ScopeFilter::All, _) | (_, None) => true,
        (ScopeFilter::Branch(b), Some(sb)) => b == sb,
        _ => false,
    }
}

pub(super) async fn course_by_id(app: &App, id: Uuid) -> Result<CourseRow> {
    store::courses(&app.db.conn)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| AppError::internal(format!("training_sessions course {id} is not a course")))
}

/// Schedules a session (`performance.manage`; audited `training.session`; Idempotency-Key).
pub async fn schedule(app: &App, actor: &Actor, input: SessionInput) -> Result<SessionView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let c = &app.db.conn;
    let mut e = FieldErrors::new();
    let course = store::course_by_code(c, input.course.trim()).await?;
    let course = match course {
        Some(k) if k.active => Some(k),
        _ => {
            e.push("course", "unknown", "not an active course of the catalogue");
            None
        }
    };
    let place = input
        .place
        .as_deref()
        .and_then(|v| crate::text::one_line(&mut e, "place", v, 100));
    let trainer = input
        .trainer
        .as_deref()
        .and_then(|v| crate::text::one_line(&mut e, "trainer", v, 100));
    let today = app.today();
    let earliest = today
        .checked_sub(jiff::Span::new().days(365))
        .unwrap_or(today);
    if input.held_on < earliest {
        e.push("held_on", "range", "within the last year or later");
    }
    if input.people.is_empty() {
        e.push("people", "required", "at least one person");
    }
    if input.people.len() > 500 {
        e.push("people", "max_items", "at most 500 people");
    }
    let staff = banyan_store::access::list_staff(c).await?;
    let (_, reached) = reach(actor, &staff)?;
    let mut people: Vec<StaffId> = Vec::new();
    for (i, p) in input.people.iter().enumerate() {
        // Someone outside the scope reads as unknown: no existence leak.
        if !reached.iter().any(|s| s.id == *p) {
            e.push(
                format!("people[{i}]"),
                "unknown",
                "not a person in your scope",
            );
        } else if !people.contains(p) {
            people.push(*p);
        }
    }
    e.into_result().map_err(AppError::Validation)?;
    let course = course.ok_or_else(|| AppError::internal("a checked course"))?;
    let session = SessionRow {
        id: Uuid::now_v7(),
        course_id: course.id,
        held_on: input.held_on,
        place,
        trainer,
        branch_code: branch_of(&grant.scope()),
        created_by: actor.id(),
        created_at_us: banyan_store::now_us(),
        recorded_by: None,
        recorded_at_us: None,
    };
    let rows: Vec<AttendanceRow> = people
        .iter()
        .map(|p| AttendanceRow {
            id: Uuid::now_v7(),
            session_id: session.id,
            staff_id: *p,
            attendance: Attendance::Enrolled,
            score: None,
            certificate_no: None,
            expires_on: None,
            self_signed: false,
        })
        .collect();
    let tx = app.db.begin_write().await?;
    store::insert_session(&*tx, &session, &rows).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "training.session",
            entity: "course",
            entity_id: Some(course.code.clone()),
            customer_id: None,
            detail: json!({"held_on": session.held_on.to_string(), "people": rows.len()}),
        }],
    )
    .await?;
    let v = view(app, &session, &course, &rows, &staff, true);
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

fn view(
    app: &App,
    s: &SessionRow,
    course: &CourseRow,
    rows: &[AttendanceRow],
    staff: &[banyan_store::access::StaffRow],
    manages: bool,
) -> SessionView {
    let names = crate::access::names_of(staff);
    let mut people: Vec<AttendeeView> = rows
        .iter()
        .map(|a| AttendeeView {
            staff_id: a.staff_id,
            name: names
                .get(&a.staff_id)
                .cloned()
                .unwrap_or_else(|| a.staff_id.to_string()),
            attendance: a.attendance,
            score: a.score,
            completed: tr::completes(a.attendance, a.score, course.pass_score),
            certificate_no: a.certificate_no.clone(),
            expires_on: a.expires_on,
        })
        .collect();
    people.sort_by(|a, b| a.name.cmp(&b.name));
    SessionView {
        id: s.id,
        course: super::view_of(course),
        held_on: s.held_on,
        place: s.place.clone(),
        trainer: s.trainer.clone(),
        branch_code: s.branch_code.clone(),
        recorded: s.recorded_at_us.is_some(),
        people,
        may_record: manages && s.held_on <= app.today(),
    }
}

/// A session with the people of it the reader reaches: a manager's sessions in scope, or one the reader
/// is in; anything else is not found.
pub async fn session(app: &App, actor: &Actor, id: Uuid) -> Result<SessionView> {
    let c = &app.db.conn;
    let staff = banyan_store::access::list_staff(c).await?;
    let (manages, reached) = reach(actor, &staff)?;
    let s = store::session(c, id).await?.ok_or(AppError::NotFound)?;
    let mut rows = store::attendance_of(c, id).await?;
    rows.retain(|a| reached.iter().any(|p| p.id == a.staff_id));
    let visible = if manages {
        let g = actor.require(Permission::PerformanceManage)?;
        in_scope(&g.scope(), &s)
    } else {
        !rows.is_empty()
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    let course = course_by_id(app, s.course_id).await?;
    Ok(view(app, &s, &course, &rows, &staff, manages))
}

/// A session in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingSessionSummary)]
pub struct SessionSummary {
    pub id: Uuid,
    pub course: String,
    pub title: String,
    pub hours: f64,
    #[schema(value_type = String, format = Date)]
    pub held_on: Date,
    pub place: Option<String>,
    pub branch_code: Option<String>,
    pub people: usize,
    pub recorded: bool,
}

/// The sessions of the last year and ahead a manager reaches, newest first, at most 200.
pub async fn sessions(app: &App, actor: &Actor) -> Result<Vec<SessionSummary>> {
    let g = actor.require(Permission::PerformanceManage)?;
    let c = &app.db.conn;
    let today = app.today();
    let from = today
        .checked_sub(jiff::Span::new().days(365))
        .unwrap_or(today);
    let branches = match g.scope() {
        ScopeFilter::All => None,
        ScopeFilter::Branch(b) => Some(vec![b]),
        _ => Some(Vec::new()),
    };
    let rows = store::sessions(c, from, branches.as_deref(), 200).await?;
    let courses = store::courses(c).await?;
    let mut out = Vec::new();
    for s in rows {
        let Some(k) = courses.iter().find(|k| k.id == s.course_id) else {
            return Err(AppError::internal(format!(
                "training_sessions {} names no course",
                s.id
            )));
        };
        let people = store::attendance_of(c, s.id).await?.len();
        out.push(SessionSummary {
            id: s.id,
            course: k.code.clone(),
            title: k.title.clone(),
            hours: hours_of(k.hours_tenths),
            held_on: s.held_on,
            place: s.place.clone(),
            branch_code: s.branch_code.clone(),
            people,
            recorded: s.recorded_at_us.is_some(),
        });
    }
    Ok(out)
}

/// One person's attendance as recorded.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceInput {
    pub staff_id: StaffId,
    pub attendance: Attendance,
    /// The assessment's score out of 100 (for an assessed course the person attended).
    #[serde(default)]
    pub score: Option<i32>,
    /// The certificate's number, where one was issued.
    #[serde(default)]
    pub certificate_no: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    pub people: Vec<AttendanceInput>,
}

/// Records the session's attendance (`performance.manage`, on or after its day): each person's
/// attendance, score and certificate; a completion of a course whose certificates expire gets its
/// expiry. Recording again corrects it; every person's change audited `training.attendance`.
pub async fn record(app: &App, actor: &Actor, id: Uuid, input: RecordInput) -> Result<SessionView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let c = &app.db.conn;
    let staff = banyan_store::access::list_staff(c).await?;
    let s = store::session(c, id).await?.ok_or(AppError::NotFound)?;
    if !in_scope(&grant.scope(), &s) {
        return Err(AppError::NotFound);
    }
    if s.held_on > app.today() {
        return Err(AppError::field(
            "held_on",
            "not_held",
            "attendance is recorded once the session has been held",
        ));
    }
    let course = course_by_id(app, s.course_id).await?;
    let mut rows = store::attendance_of(c, id).await?;
    let mut e = FieldErrors::new();
    let mut changed = Vec::new();
    for (i, p) in input.people.iter().enumerate() {
        let at = |f: &str| format!("people[{i}].{f}");
        // A person outside the reader's scope or not in the session reads as unknown.
        let row = rows.iter_mut().find(|r| r.staff_id == p.staff_id);
        let Some(row) = row.filter(|_| managed(actor, &staff, p.staff_id).is_ok()) else {
            e.push(at("staff_id"), "unknown", "not a person of this session");
            continue;
        };
        if p.attendance == Attendance::Enrolled {
            e.push(at("attendance"), "recorded", "attended, absent or excused");
            continue;
        }
        if p.score.is_some_and(|v| !tr::check_score(v)) {
            e.push(at("score"), "range", "from 0 to 100");
        }
        if p.score.is_some()
            && (p.attendance != Attendance::Attended || course.pass_score.is_none())
        {
            e.push(
                at("score"),
                "not_assessed",
                "a score is given for an assessed course the person attended",
            );
        }
        let cert = p
            .certificate_no
            .as_deref()
            .and_then(|v| crate::text::one_line(&mut e, &at("certificate_no"), v, 60));
        let completes = tr::completes(p.attendance, p.score, course.pass_score);
        if cert.is_some() && !completes {
            e.push(
                at("certificate_no"),
                "not_completed",
                "a certificate is issued for a completed course",
            );
        }
        row.attendance = p.attendance;
        row.score = p.score;
        row.certificate_no = cert;
        row.expires_on = if completes {
            tr::expires_on(s.held_on, course.valid_months)
        } else {
            None
        };
        changed.push(row.clone());
    }
    if input.people.is_empty() {
        e.push("people", "required", "at least one person");
    }
    e.into_result().map_err(AppError::Validation)?;
    let tx = app.db.begin_write().await?;
    let mut entries = Vec::new();
    for r in &changed {
        store::record_attendance(&*tx, r).await?;
        let username = staff
            .iter()
            .find(|p| p.id == r.staff_id)
            .map(|p| p.username.clone());
        entries.push(Entry {
            action: "training.attendance",
            entity: "staff",
            entity_id: username,
            customer_id: None,
            detail: json!({"course": course.code, "held_on": s.held_on.to_string(),
                "attendance": r.attendance.as_str(), "score": r.score,
                "completed": tr::completes(r.attendance, r.score, course.pass_score)}),
        });
    }
    let now = banyan_store::now_us();
    store::mark_recorded(&*tx, id, actor.id(), now).await?;
    audit::record(app, &*tx, &grant, entries).await?;
    tx.commit().await?;
    let (_, reached) = reach(actor, &staff)?;
    rows.retain(|a| reached.iter().any(|p| p.id == a.staff_id));
    let s = SessionRow {
        recorded_by: Some(actor.id()),
        recorded_at_us: Some(now),
        ..s
    };
    Ok(view(app, &s, &course, &rows, &staff, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_supervisor_sees_the_branch_and_the_bank_wide_sessions() {
        let s = |b: Option<&str>| SessionRow {
            id: Uuid::nil(),
            course_id: Uuid::nil(),
            held_on: jiff::civil::date(2026, 11, 2),
            place: None,
            trainer: None,
            branch_code: b.map(str::to_owned),
            created_by: StaffId::from_uuid(Uuid::nil()),
            created_at_us: 0,
            recorded_by: None,
            recorded_at_us: None,
        };
        let mine = ScopeFilter::Branch("BR0001".into());
        assert!(in_scope(&mine, &s(Some("BR0001"))));
        assert!(in_scope(&mine, &s(None)));
        assert!(!in_scope(&mine, &s(Some("BR0002"))));
        assert!(in_scope(&ScopeFilter::All, &s(Some("BR0002"))));
        assert_eq!(branch_of(&mine).as_deref(), Some("BR0001"));
        assert_eq!(branch_of(&ScopeFilter::All), None);
    }
}
