//! Staff training over HTTP: the course catalogue and new-staff programmes, enrolments, sessions with their
//! attendance, scores and certificates, each person's record with what they have due, and a supervisor's
//! overview of their people.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, get, post, put};
use banyan_app::performance::training::record::{self as rec, Overview, PersonRecord};
use banyan_app::performance::training::sessions::{
    self as ses, RecordInput, SessionInput, SessionSummary, SessionView,
};
use banyan_app::performance::training::signup::{self, OpenSession};
use banyan_app::performance::training::{
    self as uc, CourseChange, CourseView, EnrolInput, EnrolmentView, ProgrammeInput, ProgrammeView,
};
use banyan_domain::ids::StaffId;
use banyan_domain::performance::training::CourseDraft;
use uuid::Uuid;

pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route(
        "/api/v1/performance/training/courses",
        creating(post(add_course)).get(courses),
    )
    .route(
        "/api/v1/performance/training/courses/{code}",
        put(update_course),
    )
    .route(
        "/api/v1/performance/training/programmes",
        creating(post(add_programme)).get(programmes),
    )
    .route(
        "/api/v1/performance/training/enrolments",
        creating(post(enrol)),
    )
    .route(
        "/api/v1/performance/training/sessions",
        creating(post(schedule)).get(sessions),
    )
    .route("/api/v1/performance/training/sessions/{id}", get(session))
    .route(
        "/api/v1/performance/training/open-sessions",
        get(open_sessions),
    )
    .route(
        "/api/v1/performance/training/sessions/{id}/sign-up",
        creating(post(sign_up)),
    )
    .route(
        "/api/v1/performance/training/sessions/{id}/withdraw",
        creating(post(withdraw)),
    )
    .route(
        "/api/v1/performance/training/sessions/{id}/attendance",
        post(record),
    )
    .route("/api/v1/performance/training/people", get(overview))
    .route("/api/v1/performance/training/people/{staff}", get(person))
}

/// The course catalogue (`performance.read`).
#[utoipa::path(get, path = "/api/v1/performance/training/courses", tag = "performance", security(("bearer" = [])),
    responses((status = 200, body = [CourseView]), (status = 403, body = Problem)))]
pub async fn courses(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<CourseView>>> {
    Ok(axum::Json(uc::courses(&s.app, &auth.actor).await?))
}

/// Adds a course: its kind, topic, hours, assessment pass mark, certificate validity and the roles it is
/// mandatory for (`performance.manage`; audited `training.course`; Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/performance/training/courses", tag = "performance", security(("bearer" = [])),
    request_body = CourseDraft,
    responses((status = 201, body = CourseView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_course(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<CourseDraft>,
) -> ApiResult<(StatusCode, axum::Json<CourseView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::add_course(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Replaces a course as read at its version; its code stays (`performance.manage`; audited with the fields
/// that changed).
#[utoipa::path(put, path = "/api/v1/performance/training/courses/{code}", tag = "performance", security(("bearer" = [])),
    params(("code" = String, Path)), request_body = CourseChange,
    responses((status = 200, body = CourseView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_course(
    State(s): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    body: Json<CourseChange>,
) -> ApiResult<axum::Json<CourseView>> {
    Ok(axum::Json(
        uc::update_course(&s.app, &auth.actor, &code, body.value).await?,
    ))
}

/// The new-staff programmes (`performance.read`).
#[utoipa::path(get, path = "/api/v1/performance/training/programmes", tag = "performance", security(("bearer" = [])),
    responses((status = 200, body = [ProgrammeView]), (status = 403, body = Problem)))]
pub async fn programmes(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<ProgrammeView>>> {
    Ok(axum::Json(uc::programmes(&s.app, &auth.actor).await?))
}

/// Adds a programme of courses to complete within a number of weeks (`performance.manage`; audited;
/// Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/performance/training/programmes", tag = "performance", security(("bearer" = [])),
    request_body = ProgrammeInput,
    responses((status = 201, body = ProgrammeView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_programme(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<ProgrammeInput>,
) -> ApiResult<(StatusCode, axum::Json<ProgrammeView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::add_programme(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Enrols a person in a programme from a day (`performance.manage`, the person in scope; audited;
/// Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/performance/training/enrolments", tag = "performance", security(("bearer" = [])),
    request_body = EnrolInput,
    responses((status = 201, body = EnrolmentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn enrol(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<EnrolInput>,
) -> ApiResult<(StatusCode, axum::Json<EnrolmentView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::enrol(&s.app, &auth.actor, body.value).await?),
    ))
}

/// The sessions of the last year and ahead in reach (`performance.manage`), newest first.
#[utoipa::path(get, path = "/api/v1/performance/training/sessions", tag = "performance", security(("bearer" = [])),
    responses((status = 200, body = [SessionSummary]), (status = 403, body = Problem)))]
pub async fn sessions(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<SessionSummary>>> {
    Ok(axum::Json(ses::sessions(&s.app, &auth.actor).await?))
}

/// Schedules a session of a course for people in scope (`performance.manage`; audited; Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/performance/training/sessions", tag = "performance", security(("bearer" = [])),
    request_body = SessionInput,
    responses((status = 201, body = SessionView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<SessionInput>,
) -> ApiResult<(StatusCode, axum::Json<SessionView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(ses::schedule(&s.app, &auth.actor, body.value).await?),
    ))
}

/// A session with the people of it the reader reaches (a manager's in scope, or one the reader is in;
/// else not found).
#[utoipa::path(get, path = "/api/v1/performance/training/sessions/{id}", tag = "performance", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SessionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn session(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<SessionView>> {
    Ok(axum::Json(ses::session(&s.app, &auth.actor, id).await?))
}

/// The sessions ahead the reader may join — the bank-wide ones and their branch's, of active courses, not yet
/// recorded — soonest first, each saying whether the reader is in it (`performance.read`).
#[utoipa::path(get, path = "/api/v1/performance/training/open-sessions", tag = "performance", security(("bearer" = [])),
    responses((status = 200, body = [OpenSession]), (status = 403, body = Problem)))]
pub async fn open_sessions(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<OpenSession>>> {
    Ok(axum::Json(
        signup::open_sessions(&s.app, &auth.actor).await?,
    ))
}

/// Signs the reader up for a session ahead (`performance.read`; audited `training.sign_up`;
/// Idempotency-Key): another branch's is not found; one held, recorded or of a retired course is
/// `409 session_closed`; being in it already `409 already_signed_up`.
#[utoipa::path(post, path = "/api/v1/performance/training/sessions/{id}/sign-up", tag = "performance", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 201, body = OpenSession), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn sign_up(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<(StatusCode, axum::Json<OpenSession>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(signup::sign_up(&s.app, &auth.actor, id).await?),
    ))
}

/// Takes the reader's own sign-up back before the session is held (`performance.read`; audited
/// `training.withdraw`; Idempotency-Key): another branch's session is not found; one held or recorded is
/// `409 session_closed`; a place a supervisor gave (or none) `409 not_signed_up`.
#[utoipa::path(post, path = "/api/v1/performance/training/sessions/{id}/withdraw", tag = "performance", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = OpenSession), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<OpenSession>> {
    Ok(axum::Json(signup::withdraw(&s.app, &auth.actor, id).await?))
}

/// Records a held session's attendance, scores and certificates; recording again corrects it
/// (`performance.manage`; every person's change audited `training.attendance`).
#[utoipa::path(post, path = "/api/v1/performance/training/sessions/{id}/attendance", tag = "performance", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = RecordInput,
    responses((status = 200, body = SessionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<RecordInput>,
) -> ApiResult<axum::Json<SessionView>> {
    Ok(axum::Json(
        ses::record(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// The people in reach with their hours this year and what they have due, the most overdue first
/// (`performance.manage`; one's own alone with `performance.read`).
#[utoipa::path(get, path = "/api/v1/performance/training/people", tag = "performance", security(("bearer" = [])),
    responses((status = 200, body = Overview), (status = 403, body = Problem)))]
pub async fn overview(State(s): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Overview>> {
    Ok(axum::Json(rec::overview(&s.app, &auth.actor).await?))
}

/// A person's training record: sessions, hours, scores, certificates with their expiry, programmes and
/// what is due (one's own, or a person a supervisor reaches; else not found).
#[utoipa::path(get, path = "/api/v1/performance/training/people/{staff}", tag = "performance", security(("bearer" = [])),
    params(("staff" = StaffId, Path)),
    responses((status = 200, body = PersonRecord), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn person(
    State(s): State<AppState>,
    auth: Auth,
    Path(staff): Path<StaffId>,
) -> ApiResult<axum::Json<PersonRecord>> {
    Ok(axum::Json(rec::person(&s.app, &auth.actor, staff).await?))
}
