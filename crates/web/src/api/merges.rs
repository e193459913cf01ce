//! Duplicate customers: the branch's queue of candidate pairs, and merges with four eyes (propose,
//! approve or refuse, withdraw, undo within the period).

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use banyan_app::customers::merge::{
    self, MergeDecision, MergeInput, MergePage, MergePreview, MergeView, Redirect,
};
use banyan_app::customers::pairs::{self, PairItem, PairPage, ScanReport};
use banyan_domain::customer::merge::{MergeStatus, PairStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route("/api/v1/duplicates", get(queue))
        .route("/api/v1/duplicates/scan", post(scan))
        .route("/api/v1/duplicates/{id}", get(pair))
        .route("/api/v1/duplicates/{id}/dismiss", post(dismiss))
        .route("/api/v1/merges", get(list).merge(creating(post(propose))))
        .route("/api/v1/merges/preview", get(preview))
        .route("/api/v1/merges/{id}", get(one))
        .route("/api/v1/merges/{id}/approve", post(approve))
        .route("/api/v1/merges/{id}/reject", post(reject))
        .route("/api/v1/merges/{id}/withdraw", post(withdraw))
        .route("/api/v1/merges/{id}/undo", post(undo))
        .route("/api/v1/customers/{id}/merged-into", get(redirect))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct QueueParams {
    /// `open` (default), `dismissed`, `proposed` or `merged`.
    pub status: Option<PairStatus>,
    #[serde(default)]
    pub offset: u64,
    /// 1-200, default 50.
    pub limit: Option<u64>,
}

/// The pairs of records in your scope that look like one party, best score first.
#[utoipa::path(operation_id = "merges_queue", get, path = "/api/v1/duplicates", tag = "customers", security(("bearer" = [])), params(QueueParams),
    responses((status = 200, body = PairPage), (status = 422, body = crate::error::Problem)))]
pub async fn queue(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<QueueParams>,
) -> ApiResult<axum::Json<PairPage>> {
    let page = pairs::queue(
        &s.app,
        &auth.actor,
        p.status.unwrap_or(PairStatus::Open),
        p.offset,
        p.limit.unwrap_or(50),
    )
    .await?;
    Ok(axum::Json(page))
}

/// Scans the whole book for duplicates now (it runs nightly too).
#[utoipa::path(operation_id = "merges_scan", post, path = "/api/v1/duplicates/scan", tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = ScanReport), (status = 409, body = crate::error::Problem)))]
pub async fn scan(State(s): State<AppState>, auth: Auth) -> ApiResult<axum::Json<ScanReport>> {
    Ok(axum::Json(pairs::scan_now(&s.app, &auth.actor).await?))
}

/// One candidate pair.
#[utoipa::path(operation_id = "merges_pair", get, path = "/api/v1/duplicates/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PairItem), (status = 404, body = crate::error::Problem)))]
pub async fn pair(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<PairItem>> {
    Ok(axum::Json(pairs::pair(&s.app, &auth.actor, id).await?))
}

/// Two parties after all: the pair leaves the queue and later scans leave it out.
#[utoipa::path(operation_id = "merges_dismiss", post, path = "/api/v1/duplicates/{id}/dismiss", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PairItem), (status = 409, body = crate::error::Problem)))]
pub async fn dismiss(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<PairItem>> {
    Ok(axum::Json(pairs::dismiss(&s.app, &auth.actor, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// `proposed`, `done`, `rejected`, `withdrawn` or `undone` (all when omitted).
    pub status: Option<MergeStatus>,
    #[serde(default)]
    pub offset: u64,
    /// 1-100, default 50.
    pub limit: Option<u64>,
}

/// Merges of records in your scope, newest first.
#[utoipa::path(operation_id = "merges_list", get, path = "/api/v1/merges", tag = "customers", security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = MergePage)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<MergePage>> {
    Ok(axum::Json(
        merge::list(
            &s.app,
            &auth.actor,
            p.status,
            p.offset,
            p.limit.unwrap_or(50),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PreviewParams {
    pub survivor_id: Uuid,
    pub merged_id: Uuid,
}

/// What merging two records would do: the fields they disagree on (with the default choice) and the records
/// that would move. Nothing is written.
#[utoipa::path(operation_id = "merges_preview", get, path = "/api/v1/merges/preview", tag = "customers", security(("bearer" = [])), params(PreviewParams),
    responses((status = 200, body = MergePreview), (status = 422, body = crate::error::Problem)))]
pub async fn preview(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<PreviewParams>,
) -> ApiResult<axum::Json<MergePreview>> {
    Ok(axum::Json(
        merge::preview(&s.app, &auth.actor, p.survivor_id, p.merged_id).await?,
    ))
}

/// Proposes a merge; a second person approves it.
#[utoipa::path(operation_id = "merges_propose", post, path = "/api/v1/merges", tag = "customers", security(("bearer" = [])), request_body = MergeInput,
    responses((status = 201, body = MergeView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn propose(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<MergeInput>,
) -> ApiResult<Response> {
    let v = merge::propose(&s.app, &auth.actor, body.value).await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// One merge.
#[utoipa::path(operation_id = "merges_one", get, path = "/api/v1/merges/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = MergeView), (status = 404, body = crate::error::Problem)))]
pub async fn one(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<MergeView>> {
    Ok(axum::Json(merge::get(&s.app, &auth.actor, id).await?))
}

/// Approves a proposed merge and carries it out (not by whoever proposed it).
#[utoipa::path(operation_id = "merges_approve", post, path = "/api/v1/merges/{id}/approve", tag = "customers", security(("bearer" = [])), request_body = MergeDecision,
    params(("id" = Uuid, Path)), responses((status = 200, body = MergeView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn approve(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<MergeDecision>,
) -> ApiResult<axum::Json<MergeView>> {
    Ok(axum::Json(
        merge::approve(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Refuses a proposed merge (a note says why).
#[utoipa::path(operation_id = "merges_reject", post, path = "/api/v1/merges/{id}/reject", tag = "customers", security(("bearer" = [])), request_body = MergeDecision,
    params(("id" = Uuid, Path)), responses((status = 200, body = MergeView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn reject(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<MergeDecision>,
) -> ApiResult<axum::Json<MergeView>> {
    Ok(axum::Json(
        merge::reject(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Takes back one's own proposal.
#[utoipa::path(operation_id = "merges_withdraw", post, path = "/api/v1/merges/{id}/withdraw", tag = "customers", security(("bearer" = [])), request_body = MergeDecision,
    params(("id" = Uuid, Path)), responses((status = 200, body = MergeView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn withdraw(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<MergeDecision>,
) -> ApiResult<axum::Json<MergeView>> {
    Ok(axum::Json(
        merge::withdraw(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Undoes a carried-out merge within its period (a note says why).
#[utoipa::path(operation_id = "merges_undo", post, path = "/api/v1/merges/{id}/undo", tag = "customers", security(("bearer" = [])), request_body = MergeDecision,
    params(("id" = Uuid, Path)), responses((status = 200, body = MergeView), (status = 409, body = crate::error::Problem)))]
pub async fn undo(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<MergeDecision>,
) -> ApiResult<axum::Json<MergeView>> {
    Ok(axum::Json(
        merge::undo(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Where a merged record points (204 when it was not merged).
#[utoipa::path(operation_id = "merges_redirect", get, path = "/api/v1/customers/{id}/merged-into", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Redirect), (status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn redirect(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    Ok(match merge::redirect_of(&s.app, &auth.actor, id).await? {
        Some(r) => axum::Json(r).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}
