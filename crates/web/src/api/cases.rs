//! Feedback and complaint cases over HTTP: register, list, work, analyse, export; staff notices; calendars.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, IfMatch, Json, Query, read_body};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use banyan_app::cases::{
    self as uc, Analytics, AttachmentView, CalendarView, CaseAction, CaseInput, CasePage,
    CaseQuery, CaseView, NoticeView,
};
use banyan_domain::ids::CaseId;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Registers feedback (inquiry, suggestion, complaint, praise) from any channel: routed to a department
/// and owner, with its internal SLA and (complaints) regulatory deadline.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = CaseInput,
    responses((status = 201, body = CaseView), (status = 422, body = Problem)))]
pub async fn register(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<CaseInput>,
) -> ApiResult<(StatusCode, axum::Json<CaseView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::register(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Cases in your scope and your department's queue, newest first (filters are the analysis drill-down).
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), params(CaseQuery),
    responses((status = 200, body = CasePage), (status = 400, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<CaseQuery>,
) -> ApiResult<axum::Json<CasePage>> {
    Ok(axum::Json(uc::list(&s.app, &auth.actor, q).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GetParams {
    /// `true`: a non-customer complainant's name and contact in full (entitled roles; audited).
    #[serde(default)]
    pub reveal: bool,
}

/// One case (by id or case number) with its clocks, tasks and log.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])), params(("id" = String, Path, description = "id or case number"), GetParams),
    responses((status = 200, body = CaseView), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(p): Query<GetParams>,
) -> ApiResult<axum::Json<CaseView>> {
    let id = match id.parse::<CaseId>() {
        Ok(id) => id,
        Err(_) => uc::get_by_no(&s.app, &auth.actor, &id).await?.summary.id,
    };
    Ok(axum::Json(if p.reveal {
        uc::reveal(&s.app, &auth.actor, id).await?
    } else {
        uc::get(&s.app, &auth.actor, id).await?
    }))
}

/// Works a case (send `If-Match` with the version you read to refuse acting on a changed case): `note`, `assign`, `pause`, `resume`, `extend`, `task`, `complete_task`, `resolve`,
/// `survey`, `reopen`, `lessons` (`{"action": "resolve", "solution": ..., "reply": ...}`).
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = CaseAction,
    responses((status = 200, body = CaseView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CaseId>,
    IfMatch(version): IfMatch,
    body: Json<CaseAction>,
) -> ApiResult<axum::Json<CaseView>> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok(axum::Json(
        uc::act(&s.app, &auth.actor, id, body.value, version).await?,
    ))
}

/// Counts and trends by kind, cause, product, channel, branch, segment; peak hours; SLA and regulatory
/// attainment; handling time; satisfaction (same filters as the list).
#[utoipa::path(get, path = "/api/v1/cases/analytics", tag = "cases", security(("bearer" = [])), params(CaseQuery),
    responses((status = 200, body = Analytics), (status = 400, body = Problem)))]
pub async fn analytics(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<CaseQuery>,
) -> ApiResult<axum::Json<Analytics>> {
    Ok(axum::Json(uc::analytics(&s.app, &auth.actor, q).await?))
}

/// The cases of the period as an XLSX workbook (audited).
#[utoipa::path(get, path = "/api/v1/cases/export", tag = "cases", security(("bearer" = [])), params(CaseQuery),
    responses((status = 200, description = "cases.xlsx")))]
pub async fn export(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<CaseQuery>,
) -> ApiResult<Response> {
    let (bytes, _) = uc::export_xlsx(&s.app, &auth.actor, q, &banyan_app::tabular::Codes).await?;
    Ok(xlsx(bytes))
}

/// An XLSX attachment named `cases.xlsx`.
pub fn xlsx(bytes: Vec<u8>) -> Response {
    xlsx_named(bytes, "attachment; filename=\"cases.xlsx\"")
}

/// An XLSX attachment; `disposition` names the file (`attachment; filename="funnel.xlsx"`).
pub fn xlsx_named(bytes: Vec<u8>, disposition: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static(disposition),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttachParams {
    /// The file's name; its extension decides the type (pdf, png, jpg, txt, eml, docx, xlsx, mp3, wav).
    pub filename: String,
}

/// Attaches a file (the request body, at most 10 MiB) to a case; stored encrypted.
#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path), AttachParams), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentView), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CaseId>,
    Query(p): Query<AttachParams>,
    req: Request,
) -> ApiResult<(StatusCode, axum::Json<AttachmentView>)> {
    let bytes = read_body(req, uc::ATTACHMENT_MAX_BYTES + 1).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::attach(&s.app, &auth.actor, id, &p.filename, &bytes).await?),
    ))
}

/// Downloads an attachment (audited).
#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments/{attachment}", tag = "cases", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("attachment" = Uuid, Path)), responses((status = 200, description = "the file"), (status = 404, body = Problem)))]
pub async fn attachment(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, att)): Path<(CaseId, Uuid)>,
) -> ApiResult<Response> {
    let (v, bytes) = uc::attachment(&s.app, &auth.actor, id, att).await?;
    Ok(file(&v, bytes))
}

/// A case's attachment as a download.
pub fn file(v: &AttachmentView, bytes: Vec<u8>) -> Response {
    crate::extract::download(&v.filename, &v.content_type, bytes)
}

/// A customer's reply relayed by the notification gateway (a survey score, an answer to an invitation).
/// Not a staff call: signed by the gateway like Banyan's own webhooks (`X-Banyan-Timestamp`,
/// `X-Banyan-Signature: v1=<hex HMAC-SHA256(gateway_secret, timestamp + "." + body)>`, at most 5 minutes old).
#[utoipa::path(post, path = "/api/v1/inbound", tag = "cases", request_body = banyan_app::inbound::Reply,
    responses((status = 200, body = banyan_app::inbound::Applied), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn inbound(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    body: Json<banyan_app::inbound::Reply>,
) -> ApiResult<axum::Json<banyan_app::inbound::Applied>> {
    let Some(secret) = &s.gateway_secret else {
        return Err(crate::error::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "replies need the gateway's shared secret (gateway_secret)",
        ));
    };
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    if !banyan_app::notify::verify_signature(
        secret,
        &h("x-banyan-timestamp"),
        &body.bytes,
        &h("x-banyan-signature"),
    ) {
        return Err(crate::error::ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            "the signature or timestamp does not verify",
        ));
    }
    Ok(axum::Json(
        banyan_app::inbound::receive(&s.app, body.value).await?,
    ))
}

/// Your notices (assignments, escalations), newest first.
#[utoipa::path(get, path = "/api/v1/notices", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<NoticeView>)))]
pub async fn notices(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<NoticeView>>> {
    Ok(axum::Json(uc::my_notices(&s.app, &auth.actor, 50).await?))
}

/// Marks your notices read.
#[utoipa::path(post, path = "/api/v1/notices/read", tag = "cases", security(("bearer" = [])),
    responses((status = 204)))]
pub async fn read_notices(State(s): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    uc::mark_notices_read(&s.app, &auth.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Working-day calendars in force.
#[utoipa::path(get, path = "/api/v1/calendars", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<CalendarView>)))]
pub async fn calendars(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<CalendarView>>> {
    Ok(axum::Json(uc::calendars(&s.app, &auth.actor).await?))
}

/// A calendar's file, to edit and load again.
#[utoipa::path(get, path = "/api/v1/calendars/{name}", tag = "admin", security(("bearer" = [])), params(("name" = String, Path)),
    responses((status = 200, body = CalendarBody), (status = 404, body = Problem)))]
pub async fn calendar(
    State(s): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> ApiResult<axum::Json<CalendarBody>> {
    Ok(axum::Json(CalendarBody {
        body: uc::calendar_text(&s.app, &auth.actor, &name).await?,
    }))
}

#[derive(Debug, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    /// The calendar file (TOML: name, weekend, holidays, workdays, years).
    pub body: String,
}

/// Loads or replaces a working-day calendar (administrators).
#[utoipa::path(put, path = "/api/v1/calendars/{name}", tag = "admin", security(("bearer" = [])), params(("name" = String, Path)),
    request_body = CalendarBody, responses((status = 200, body = CalendarView), (status = 422, body = Problem)))]
pub async fn put_calendar(
    State(s): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
    body: Json<CalendarBody>,
) -> ApiResult<axum::Json<CalendarView>> {
    Ok(axum::Json(
        uc::put_calendar(&s.app, &auth.actor, &name, &body.value.body).await?,
    ))
}
