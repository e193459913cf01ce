//! Staff training: the course catalogue (a change is a new version, checked against the version read),
//! programmes of a set number of weeks and who is enrolled, sessions of a course and each person's
//! attendance, score and certificate.

use crate::error::Result;
use crate::table::{self, Table};
use banyan_domain::access::Role;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::training::{Attendance, CourseKind, CourseTopic};
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::enum_col!(CourseKind, CourseTopic, Attendance);
crate::json_col!(Vec<Role>);

crate::table! {
    /// A course as it stands now.
    pub struct CourseRow in "training_courses" {
        pub id: Uuid,
        pub code: String,
        pub title: String,
        pub title_tw: Option<String>,
        pub title_en: Option<String>,
        pub kind: CourseKind,
        pub topic: CourseTopic,
        /// Hours credited, in tenths.
        pub hours_tenths: i32,
        pub provider: Option<String>,
        pub pass_score: Option<i32>,
        pub valid_months: Option<i32>,
        pub mandatory_for: Vec<Role>,
        pub refresh_months: Option<i32>,
        /// The day it became mandatory for the roles it names (none while it is mandatory for none).
        pub mandatory_since: Option<Date>,
        pub active: bool,
        pub version: i32,
        pub updated_by: StaffId,
        pub updated_at_us: i64,
    }
}

crate::table! {
    /// A programme for new staff: its courses, to be completed within its weeks of the enrolment's start.
    pub struct ProgrammeRow in "training_programmes" {
        pub id: Uuid,
        pub code: String,
        pub title: String,
        pub weeks: i32,
        /// The roles it is meant for (a hint for enrolling).
        pub roles: Vec<Role>,
        /// Its courses' codes.
        pub courses: Vec<String>,
        pub active: bool,
        pub updated_by: StaffId,
        pub updated_at_us: i64,
    }
}

crate::table! {
    /// A person enrolled in a programme, from a start day to its end (the start plus the weeks).
    pub struct EnrolmentRow in "training_enrolments" {
        pub id: Uuid,
        pub programme_id: Uuid,
        pub staff_id: StaffId,
        pub starts_on: Date,
        pub ends_on: Date,
        pub enrolled_by: StaffId,
        pub enrolled_at_us: i64,
    }
}

crate::table! {
    /// A session of a course on a day; recorded once its attendance is taken.
    pub struct SessionRow in "training_sessions" {
        pub id: Uuid,
        pub course_id: Uuid,
        pub held_on: Date,
        pub place: Option<String>,
        pub trainer: Option<String>,
        /// The branch that holds it (its supervisor manages it); none for a bank-wide session.
        pub branch_code: Option<String>,
        pub created_by: StaffId,
        pub created_at_us: i64,
        pub recorded_by: Option<StaffId>,
        pub recorded_at_us: Option<i64>,
    }
}

crate::table! {
    /// A person's place in a session: enrolled, then attended (with a score and a certificate), absent or
    /// excused.
    pub struct AttendanceRow in "training_attendance" {
        pub id: Uuid,
        pub session_id: Uuid,
        pub staff_id: StaffId,
        pub attendance: Attendance,
        pub score: Option<i32>,
        pub certificate_no: Option<String>,
        /// The day the certificate earned here expires (none: no certificate, or one that never expires).
        pub expires_on: Option<Date>,
        /// The person signed themselves up (and may withdraw before the session is held); a supervisor's
        /// place is theirs to excuse.
        pub self_signed: bool,
    }
}

/// Every course, by code.
pub async fn courses<C: ConnectionTrait>(c: &C) -> Result<Vec<CourseRow>> {
    let q = table::select::<CourseRow>()
        .order_by("code", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn course_by_code<C: ConnectionTrait>(c: &C, code: &str) -> Result<Option<CourseRow>> {
    let q = table::select::<CourseRow>()
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    table::one(c, &q).await
}

pub async fn insert_course<C: ConnectionTrait>(c: &C, r: &CourseRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Replaces a course if it is still at `expected` (its version); false when someone changed it first.
pub async fn update_course<C: ConnectionTrait>(
    c: &C,
    r: &CourseRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(c, r, r.id, &["code"], "version", expected).await
}

pub async fn programmes<C: ConnectionTrait>(c: &C) -> Result<Vec<ProgrammeRow>> {
    let q = table::select::<ProgrammeRow>()
        .order_by("code", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn insert_programme<C: ConnectionTrait>(c: &C, r: &ProgrammeRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn insert_enrolment<C: ConnectionTrait>(c: &C, r: &EnrolmentRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// The enrolments of these people.
pub async fn enrolments_of<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
) -> Result<Vec<EnrolmentRow>> {
    let mut out = Vec::new();
    for chunk in staff.chunks(500) {
        let q = table::select::<EnrolmentRow>()
            .and_where(Expr::col("staff_id").is_in(chunk.iter().map(|s| s.uuid())))
            .order_by("starts_on", Order::Asc)
            .to_owned();
        out.extend(table::all::<EnrolmentRow, _>(c, &q).await?);
    }
    Ok(out)
}

pub async fn insert_session<C: ConnectionTrait>(
    c: &C,
    s: &SessionRow,
    people: &[AttendanceRow],
) -> Result<()> {
    table::insert(c, std::slice::from_ref(s)).await?;
    if !people.is_empty() {
        table::insert(c, people).await?;
    }
    Ok(())
}

pub async fn session<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<SessionRow>> {
    let q = table::select::<SessionRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

/// Sessions held from `from` on (newest first), at most `limit`; only these branches' and the bank-wide
/// ones when `branches` is given.
pub async fn sessions<C: ConnectionTrait>(
    c: &C,
    from: Date,
    branches: Option<&[String]>,
    limit: u64,
) -> Result<Vec<SessionRow>> {
    let mut q = table::select::<SessionRow>()
        .and_where(Expr::col("held_on").gte(from.to_string()))
        .order_by("held_on", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    if let Some(b) = branches {
        q.and_where(
            Expr::col("branch_code")
                .is_null()
                .or(Expr::col("branch_code").is_in(b.iter().cloned())),
        );
    }
    table::all(c, &q).await
}

/// The people of a session.
pub async fn attendance_of<C: ConnectionTrait>(c: &C, session: Uuid) -> Result<Vec<AttendanceRow>> {
    let q = table::select::<AttendanceRow>()
        .and_where(Expr::col("session_id").eq(session))
        .to_owned();
    table::all(c, &q).await
}

/// Adds a person to a session (they signed up): false when they are already in it (the unique index).
pub async fn add_attendee<C: ConnectionTrait>(c: &C, r: &AttendanceRow) -> Result<bool> {
    let q = Query::insert()
        .into_table("training_attendance")
        .columns(AttendanceRow::COLUMNS.iter().copied())
        .values_panic(r.values())
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns(["session_id", "staff_id"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Takes a person's own sign-up back: only a place they took themselves and not yet recorded. Whether a row
/// went.
pub async fn remove_own_sign_up<C: ConnectionTrait>(
    c: &C,
    session: Uuid,
    staff: StaffId,
) -> Result<bool> {
    let q = Query::delete()
        .from_table("training_attendance")
        .and_where(Expr::col("session_id").eq(session))
        .and_where(Expr::col("staff_id").eq(staff.uuid()))
        .and_where(Expr::col("self_signed").eq(true))
        .and_where(Expr::col("attendance").eq(Attendance::Enrolled.as_str()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Records a person's attendance, score and certificate in a session.
pub async fn record_attendance<C: ConnectionTrait>(c: &C, r: &AttendanceRow) -> Result<()> {
    let u = Query::update()
        .table("training_attendance")
        .value("attendance", r.attendance.as_str())
        .value("score", r.score)
        .value("certificate_no", r.certificate_no.clone())
        .value("expires_on", r.expires_on.map(|d| d.to_string()))
        .and_where(Expr::col("id").eq(r.id))
        .to_owned();
    c.execute(&u).await?;
    Ok(())
}

pub async fn mark_recorded<C: ConnectionTrait>(
    c: &C,
    session: Uuid,
    by: StaffId,
    at_us: i64,
) -> Result<()> {
    let u = Query::update()
        .table("training_sessions")
        .value("recorded_by", by.uuid())
        .value("recorded_at_us", at_us)
        .and_where(Expr::col("id").eq(session))
        .to_owned();
    c.execute(&u).await?;
    Ok(())
}

/// One attendance with its session's day and course: what a person's record, what is due and the training
/// KPIs are read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Attended {
    pub staff_id: StaffId,
    pub session_id: Uuid,
    pub course_id: Uuid,
    pub held_on: Date,
    pub attendance: Attendance,
    pub score: Option<i32>,
    pub certificate_no: Option<String>,
    pub expires_on: Option<Date>,
}

/// Every attendance of these people in sessions held in `[from, to]` (all when `None`), oldest first.
pub async fn attended<C: ConnectionTrait>(
    c: &C,
    staff: &[StaffId],
    window: Option<(Date, Date)>,
) -> Result<Vec<Attended>> {
    let mut out = Vec::new();
    for chunk in staff.chunks(500) {
        let (a, s) = ("training_attendance", "training_sessions");
        let mut q = Query::select()
            .column((a, "staff_id"))
            .column((a, "session_id"))
            .column((s, "course_id"))
            .column((s, "held_on"))
            .column((a, "attendance"))
            .column((a, "score"))
            .column((a, "certificate_no"))
            .column((a, "expires_on"))
            .from(a)
            .inner_join(s, Expr::col((s, "id")).equals((a, "session_id")))
            .and_where(Expr::col((a, "staff_id")).is_in(chunk.iter().map(|s| s.uuid())))
            .order_by((s, "held_on"), Order::Asc)
            .order_by((a, "id"), Order::Asc)
            .to_owned();
        if let Some((from, to)) = window {
            q.and_where(Expr::col((s, "held_on")).gte(from.to_string()))
                .and_where(Expr::col((s, "held_on")).lte(to.to_string()));
        }
        for r in c.query_all(&q).await? {
            let read = |i: usize, col: &str| -> Result<String> {
                r.try_get_by_index::<String>(i)
                    .map_err(|e| table::corrupt(&r, "training_attendance", col, e))
            };
            let date = |s: String, col: &str| {
                s.parse::<Date>()
                    .map_err(|e| table::corrupt(&r, "training_attendance", col, e))
            };
            let att = read(4, "attendance")?;
            let expires: Option<String> = r.try_get_by_index(7)?;
            out.push(Attended {
                staff_id: StaffId::from_uuid(r.try_get_by_index(0)?),
                session_id: r.try_get_by_index(1)?,
                course_id: r.try_get_by_index(2)?,
                held_on: date(read(3, "held_on")?, "held_on")?,
                attendance: Attendance::parse(&att).ok_or_else(|| {
                    table::corrupt(&r, "training_attendance", "attendance", att.clone())
                })?,
                score: r.try_get_by_index(5)?,
                certificate_no: r.try_get_by_index(6)?,
                expires_on: expires.map(|s| date(s, "expires_on")).transpose()?,
            });
        }
    }
    Ok(out)
}
