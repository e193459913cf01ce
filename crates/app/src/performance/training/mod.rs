//! Staff training (issue 18; seed 000 §7.1 培训体系, seed 003's care-team training, seed 002's acquisition
//! team): the course catalogue and the new-staff programmes — read by everyone with a scorecard or who
//! manages them (`performance.read`), changed by supervisors and senior managers (`performance.manage`),
//! every change audited — with sessions and attendance in [`sessions`] and each person's record and what
//! they have due in [`record`].

pub mod record;
pub mod remind;
pub mod sessions;
pub mod signup;

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::FieldErrors;
use banyan_domain::access::{Permission, Role};
use banyan_domain::performance::training::{self as tr, CourseDraft, CourseKind, CourseTopic};
use banyan_store::access::StaffRow;
use banyan_store::performance::training::{self as store, CourseRow, ProgrammeRow};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// A course of the catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingCourse)]
pub struct CourseView {
    pub code: String,
    pub title: String,
    pub title_tw: Option<String>,
    pub title_en: Option<String>,
    pub kind: CourseKind,
    pub topic: CourseTopic,
    pub hours: f64,
    pub provider: Option<String>,
    pub pass_score: Option<i32>,
    pub valid_months: Option<i32>,
    pub mandatory_for: Vec<Role>,
    pub refresh_months: Option<i32>,
    /// The day it became mandatory for the roles it names.
    #[schema(value_type = Option<String>, format = Date)]
    pub mandatory_since: Option<Date>,
    pub active: bool,
    pub version: i32,
}

#[allow(clippy::cast_precision_loss)]
pub(crate) fn hours_of(tenths: i32) -> f64 {
    f64::from(tenths) / 10.0
}

pub(crate) fn view_of(r: &CourseRow) -> CourseView {
    CourseView {
        code: r.code.clone(),
        title: r.title.clone(),
        title_tw: r.title_tw.clone(),
        title_en: r.title_en.clone(),
        kind: r.kind,
        topic: r.topic,
        hours: hours_of(r.hours_tenths),
        provider: r.provider.clone(),
        pass_score: r.pass_score,
        valid_months: r.valid_months,
        mandatory_for: r.mandatory_for.clone(),
        refresh_months: r.refresh_months,
        mandatory_since: r.mandatory_since,
        active: r.active,
        version: r.version,
    }
}

/// The catalogue (`performance.read`).
pub async fn courses(app: &App, actor: &Actor) -> Result<Vec<CourseView>> {
    actor.require(Permission::PerformanceRead)?;
    Ok(store::courses(&app.db.conn)
        .await?
        .iter()
        .map(view_of)
        .collect())
}

/// A course as it stands, for a supervisor to change (`performance.manage`); none by that code is not found.
pub async fn course_to_change(app: &App, actor: &Actor, code: &str) -> Result<CourseView> {
    actor.require(Permission::PerformanceManage)?;
    store::course_by_code(&app.db.conn, code)
        .await?
        .map(|r| view_of(&r))
        .ok_or(AppError::NotFound)
}

/// The draft's texts trimmed and checked, every broken rule at once.
fn checked(d: &CourseDraft) -> Result<CourseDraft> {
    let mut e = d.check();
    let title = crate::text::one_line(&mut e, "title", &d.title, 100);
    let line = |e: &mut FieldErrors, f: &str, v: &Option<String>, max| {
        v.as_deref()
            .and_then(|v| crate::text::one_line(e, f, v, max))
    };
    let title_tw = line(&mut e, "title_tw", &d.title_tw, 100);
    let title_en = line(&mut e, "title_en", &d.title_en, 100);
    let provider = line(&mut e, "provider", &d.provider, 100);
    e.into_result().map_err(AppError::Validation)?;
    Ok(CourseDraft {
        code: d.code.trim().to_owned(),
        title: title.unwrap_or_default(),
        title_tw,
        title_en,
        provider,
        ..d.clone()
    })
}

fn row_of(
    app: &App,
    actor: &Actor,
    id: Uuid,
    version: i32,
    d: &CourseDraft,
    since: Option<Date>,
) -> CourseRow {
    CourseRow {
        id,
        code: d.code.clone(),
        title: d.title.clone(),
        title_tw: d.title_tw.clone(),
        title_en: d.title_en.clone(),
        kind: d.kind,
        topic: d.topic,
        hours_tenths: tr::hours_tenths(d.hours).unwrap_or(0),
        provider: d.provider.clone(),
        pass_score: d.pass_score.map(i32::from),
        valid_months: d.valid_months.map(i32::from),
        mandatory_for: d.mandatory_for.clone(),
        refresh_months: d.refresh_months.map(i32::from),
        // Mandatory from today when it becomes so; kept while it stays so; none once it is not.
        mandatory_since: if d.mandatory_for.is_empty() {
            None
        } else {
            Some(since.unwrap_or_else(|| app.today()))
        },
        active: d.active,
        version,
        updated_by: actor.id(),
        updated_at_us: banyan_store::now_us(),
    }
}

/// Adds a course (`performance.manage`; audited `training.course`; Idempotency-Key).
pub async fn add_course(app: &App, actor: &Actor, draft: CourseDraft) -> Result<CourseView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let d = checked(&draft)?;
    let row = row_of(app, actor, Uuid::now_v7(), 1, &d, None);
    let tx = app.db.begin_write().await?;
    store::insert_course(&*tx, &row)
        .await
        .map_err(AppError::unless_unique(
            "training_courses",
            "duplicate_code",
            "a course with this code exists",
        ))?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![course_entry(&row, json!({"version": 1, "created": true}))],
    )
    .await?;
    let v = view_of(&row);
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

fn course_entry(r: &CourseRow, detail: serde_json::Value) -> Entry {
    Entry {
        action: "training.course",
        entity: "course",
        entity_id: Some(r.code.clone()),
        customer_id: None,
        detail,
    }
}

/// A change to a course, at the version it was read.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseChange {
    pub version: i32,
    pub course: CourseDraft,
}

/// Replaces a course as read at its version (its code stays); audited with the fields that changed.
pub async fn update_course(
    app: &App,
    actor: &Actor,
    code: &str,
    change: CourseChange,
) -> Result<CourseView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let tx = app.db.begin_write().await?;
    let old = store::course_by_code(&*tx, code)
        .await?
        .ok_or(AppError::NotFound)?;
    if change.course.code.trim() != old.code {
        return Err(AppError::field(
            "code",
            "immutable",
            "a course's code cannot change (its history names it)",
        ));
    }
    let d = checked(&change.course)?;
    if change.version != old.version {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version),
            since: json!([]),
        });
    }
    let row = row_of(app, actor, old.id, old.version + 1, &d, old.mandatory_since);
    if !store::update_course(&*tx, &row, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version) + 1,
            since: json!([]),
        });
    }
    let before = view_of(&old);
    let after = view_of(&row);
    let fields = changed(&before, &after)?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![course_entry(
            &row,
            json!({"version": row.version, "fields": fields}),
        )],
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The names of the fields that differ between two states of a course (its version aside).
fn changed(old: &CourseView, new: &CourseView) -> Result<Vec<String>> {
    let map = |v: &CourseView| match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(AppError::internal("a course as a JSON object")),
    };
    let (a, b) = (map(old)?, map(new)?);
    Ok(a.iter()
        .filter(|(k, v)| k.as_str() != "version" && b.get(k.as_str()) != Some(v))
        .map(|(k, _)| k.clone())
        .collect())
}

/// A programme for new staff.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingProgramme)]
pub struct ProgrammeView {
    pub code: String,
    pub title: String,
    pub weeks: i32,
    pub roles: Vec<Role>,
    /// Its courses' codes.
    pub courses: Vec<String>,
    pub active: bool,
}

fn programme_view(r: &ProgrammeRow) -> ProgrammeView {
    ProgrammeView {
        code: r.code.clone(),
        title: r.title.clone(),
        weeks: r.weeks,
        roles: r.roles.clone(),
        courses: r.courses.clone(),
        active: r.active,
    }
}

pub async fn programmes(app: &App, actor: &Actor) -> Result<Vec<ProgrammeView>> {
    actor.require(Permission::PerformanceRead)?;
    Ok(store::programmes(&app.db.conn)
        .await?
        .iter()
        .map(programme_view)
        .collect())
}

/// A new-staff programme as drafted.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    /// Upper-case letters, digits and hyphens, 2-20.
    pub code: String,
    pub title: String,
    /// Weeks from the enrolment's start to complete it: 1-52 (seed 000 §7.1: 为期[X]周).
    pub weeks: i32,
    #[serde(default)]
    pub roles: Vec<Role>,
    /// The codes of its courses (at least one, each in the catalogue and active).
    pub courses: Vec<String>,
}

/// Adds a programme (`performance.manage`; audited `training.programme`; Idempotency-Key).
pub async fn add_programme(
    app: &App,
    actor: &Actor,
    input: ProgrammeInput,
) -> Result<ProgrammeView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let mut e = FieldErrors::new();
    if !tr::check_course_code(input.code.trim()) {
        e.push(
            "code",
            "format",
            "upper-case letters, digits and hyphens, 2-20, starting with a letter",
        );
    }
    let title = crate::text::one_line(&mut e, "title", &input.title, 100);
    if title.is_none() && input.title.trim().is_empty() {
        e.push("title", "required", "must not be empty");
    }
    if !tr::check_weeks(input.weeks) {
        e.push("weeks", "range", "from 1 to 52 weeks");
    }
    let catalogue = store::courses(&app.db.conn).await?;
    let mut codes: Vec<String> = Vec::new();
    for (i, c) in input.courses.iter().enumerate() {
        let c = c.trim();
        if !catalogue.iter().any(|k| k.code == c && k.active) {
            e.push(
                format!("courses[{i}]"),
                "unknown",
                "not an active course of the catalogue",
            );
        } else if !codes.iter().any(|k| k == c) {
            codes.push(c.to_owned());
        }
    }
    if input.courses.is_empty() {
        e.push("courses", "required", "at least one course");
    }
    e.into_result().map_err(AppError::Validation)?;
    let row = ProgrammeRow {
        id: Uuid::now_v7(),
        code: input.code.trim().to_owned(),
        title: title.unwrap_or_default(),
        weeks: input.weeks,
        roles: input.roles,
        courses: codes,
        active: true,
        updated_by: actor.id(),
        updated_at_us: banyan_store::now_us(),
    };
    let tx = app.db.begin_write().await?;
    store::insert_programme(&*tx, &row)
        .await
        .map_err(AppError::unless_unique(
            "training_programmes",
            "duplicate_code",
            "a programme with this code exists",
        ))?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "training.programme",
            entity: "programme",
            entity_id: Some(row.code.clone()),
            customer_id: None,
            detail: json!({"weeks": row.weeks, "courses": row.courses}),
        }],
    )
    .await?;
    let v = programme_view(&row);
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

/// The people a reader reaches for training: the active staff in a manager's scope, or the reader alone;
/// with whether they manage.
pub(crate) fn reach(actor: &Actor, staff: &[StaffRow]) -> Result<(bool, Vec<StaffRow>)> {
    if let Ok(g) = actor.require(Permission::PerformanceManage) {
        let scope = g.scope();
        let people = staff
            .iter()
            .filter(|s| !s.disabled && crate::access::staff_in_scope(&scope, s))
            .cloned()
            .collect();
        return Ok((true, people));
    }
    actor.require(Permission::PerformanceRead)?;
    Ok((
        false,
        staff
            .iter()
            .filter(|s| s.id == actor.id())
            .cloned()
            .collect(),
    ))
}

/// The person, if a manager reaches them; anyone else is not found.
pub(crate) fn managed(
    actor: &Actor,
    staff: &[StaffRow],
    id: banyan_domain::ids::StaffId,
) -> Result<StaffRow> {
    let (manages, people) = reach(actor, staff)?;
    let person = people
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    if !manages {
        return Err(AppError::forbidden(
            "permission_denied",
            "only a supervisor enrols people and records training",
        ));
    }
    Ok(person)
}

/// Enrols a person in a programme from a day (`performance.manage`, the person in scope; audited
/// `training.enrol`; Idempotency-Key).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolInput {
    pub programme: String,
    pub staff_id: banyan_domain::ids::StaffId,
    /// The first day (`YYYY-MM-DD`); its end is this plus the programme's weeks.
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TrainingEnrolment)]
pub struct EnrolmentView {
    pub programme: String,
    pub title: String,
    pub staff_id: banyan_domain::ids::StaffId,
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    #[schema(value_type = String, format = Date)]
    pub ends_on: Date,
}

pub async fn enrol(app: &App, actor: &Actor, input: EnrolInput) -> Result<EnrolmentView> {
    let grant = actor.require(Permission::PerformanceManage)?;
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let person = managed(actor, &staff, input.staff_id)?;
    let programme = store::programmes(&app.db.conn)
        .await?
        .into_iter()
        .find(|p| p.code == input.programme.trim() && p.active)
        .ok_or_else(|| AppError::field("programme", "unknown", "not an active programme"))?;
    let today = app.today();
    let earliest = today
        .checked_sub(jiff::Span::new().days(365))
        .unwrap_or(today);
    if input.starts_on < earliest {
        return Err(AppError::field(
            "starts_on",
            "range",
            "within the last year or later",
        ));
    }
    let row = banyan_store::performance::training::EnrolmentRow {
        id: Uuid::now_v7(),
        programme_id: programme.id,
        staff_id: person.id,
        starts_on: input.starts_on,
        ends_on: tr::programme_ends(input.starts_on, programme.weeks),
        enrolled_by: actor.id(),
        enrolled_at_us: banyan_store::now_us(),
    };
    let tx = app.db.begin_write().await?;
    store::insert_enrolment(&*tx, &row)
        .await
        .map_err(AppError::unless_unique(
            "training_enrolments",
            "already_enrolled",
            "the person is enrolled in this programme",
        ))?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "training.enrol",
            entity: "staff",
            entity_id: Some(person.username.clone()),
            customer_id: None,
            detail: json!({"programme": programme.code, "starts_on": row.starts_on.to_string(),
                "ends_on": row.ends_on.to_string()}),
        }],
    )
    .await?;
    let v = EnrolmentView {
        programme: programme.code,
        title: programme.title,
        staff_id: person.id,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
    };
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}
