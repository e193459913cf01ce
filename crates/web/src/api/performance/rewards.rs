//! Reward schemes and honours over HTTP: propose a scheme over a period's closed scorecards, read the
//! schemes and their awards, approve or reject (a second person), export an approved scheme for payroll;
//! record and read honours.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use banyan_app::performance::rewards::{
    self as uc, DecideInput, HonourInput, HonourView, SchemeInput, SchemeView,
};
use uuid::Uuid;

pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route(
        "/api/v1/performance/rewards",
        creating(post(propose)).get(schemes),
    )
    .route("/api/v1/performance/rewards/{id}", get(scheme))
    .route(
        "/api/v1/performance/rewards/{id}/decision",
        post(decide_scheme),
    )
    .route("/api/v1/performance/rewards/{id}/payroll", get(payroll))
    .route(
        "/api/v1/performance/honours",
        creating(post(honour)).get(honours),
    )
}

/// Proposes a reward scheme for an ended period and a role: its awards computed from the closed scorecards
/// by its rule (`performance.manage`; audited; Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/performance/rewards", tag = "performance", security(("bearer" = [])),
    request_body = SchemeInput,
    responses((status = 201, body = SchemeView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn propose(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<SchemeInput>,
) -> ApiResult<(StatusCode, axum::Json<SchemeView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::propose(&s.app, &auth.actor, body.value).await?),
    ))
}

/// The reward schemes in reach, newest first (`performance.manage`).
#[utoipa::path(get, path = "/api/v1/performance/rewards", tag = "performance", security(("bearer" = [])),
    responses((status = 200, body = [SchemeView]), (status = 403, body = Problem)))]
pub async fn schemes(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<SchemeView>>> {
    Ok(axum::Json(uc::schemes(&s.app, &auth.actor).await?))
}

/// A scheme with its awards (out of reach: not found).
#[utoipa::path(get, path = "/api/v1/performance/rewards/{id}", tag = "performance", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SchemeView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn scheme(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<SchemeView>> {
    Ok(axum::Json(uc::scheme(&s.app, &auth.actor, id).await?))
}

/// Approves or rejects a proposed scheme: a second person, never its proposer (`performance.manage`;
/// audited).
#[utoipa::path(post, path = "/api/v1/performance/rewards/{id}/decision", tag = "performance", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DecideInput,
    responses((status = 200, body = SchemeView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_scheme(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<DecideInput>,
) -> ApiResult<axum::Json<SchemeView>> {
    Ok(axum::Json(
        uc::decide(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// An approved scheme's awards for payroll as CSV with stable column names (audited; marks it exported).
#[utoipa::path(get, path = "/api/v1/performance/rewards/{id}/payroll", tag = "performance", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "payroll.csv"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn payroll(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let bytes = uc::payroll_csv(&s.app, &auth.actor, id, &banyan_app::tabular::Codes).await?;
    Ok(payroll_file(bytes))
}

/// A payroll file as an attachment (shared by the API and the workbench).
pub fn payroll_file(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"payroll.csv\"",
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Records an honour for a person in reach (`performance.manage`; audited; Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/performance/honours", tag = "performance", security(("bearer" = [])),
    request_body = HonourInput,
    responses((status = 201, body = HonourView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn honour(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<HonourInput>,
) -> ApiResult<(StatusCode, axum::Json<HonourView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::honour(&s.app, &auth.actor, body.value).await?),
    ))
}

/// The honours of the people in reach (one's own for someone who manages no one).
#[utoipa::path(get, path = "/api/v1/performance/honours", tag = "performance", security(("bearer" = [])),
    responses((status = 200, body = [HonourView]), (status = 403, body = Problem)))]
pub async fn honours(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<HonourView>>> {
    Ok(axum::Json(uc::honours(&s.app, &auth.actor).await?))
}
