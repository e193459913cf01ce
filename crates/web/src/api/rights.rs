//! A person's rights over their data: requests registered, answered within their deadline, refused with the
//! reason; the copy of everything held on the person.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use banyan_app::rights::holds::{HoldInput, HoldView, LiftInput};
use banyan_app::rights::{self, RightDecision, RightInput, RightPage, RightView, RightsCopy};
use banyan_domain::rights::RightStatus;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route("/api/v1/rights", get(list).merge(creating(post(register))))
        .route("/api/v1/rights/{id}", get(one))
        .route("/api/v1/rights/{id}/copy", post(copy))
        .route("/api/v1/rights/{id}/complete", post(complete))
        .route("/api/v1/rights/{id}/refuse", post(refuse))
        .route("/api/v1/rights/{id}/withdraw", post(withdraw))
        .route("/api/v1/rights/{id}/erase", post(erase))
        .route(
            "/api/v1/customers/{id}/legal-holds",
            get(holds).merge(creating(post(place_hold))),
        )
        .route("/api/v1/legal-holds/{id}/lift", post(lift_hold))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// `open`, `done` or `refused` (all when omitted).
    pub status: Option<RightStatus>,
    /// One customer's requests.
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub offset: u64,
    /// 1-200, default 50.
    pub limit: Option<u64>,
}

/// Requests of customers in your scope, the nearest deadline first.
#[utoipa::path(operation_id = "rights_list", get, path = "/api/v1/rights", tag = "customers", security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = RightPage), (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<RightPage>> {
    Ok(axum::Json(
        rights::list(
            &s.app,
            &auth.actor,
            p.status,
            p.customer_id,
            p.offset,
            p.limit.unwrap_or(50),
        )
        .await?,
    ))
}

/// Registers a request; its due day is 15 working days after it was received.
#[utoipa::path(operation_id = "rights_register", post, path = "/api/v1/rights", tag = "customers", security(("bearer" = [])), request_body = RightInput,
    responses((status = 201, body = RightView), (status = 422, body = crate::error::Problem)))]
pub async fn register(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<RightInput>,
) -> ApiResult<Response> {
    let v = rights::register(&s.app, &auth.actor, body.value).await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// One request.
#[utoipa::path(operation_id = "rights_one", get, path = "/api/v1/rights/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = RightView), (status = 404, body = crate::error::Problem)))]
pub async fn one(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<RightView>> {
    Ok(axum::Json(rights::get(&s.app, &auth.actor, id).await?))
}

/// Produces the copy of everything held on the person (an access request; audited as a reveal).
#[utoipa::path(operation_id = "rights_copy", post, path = "/api/v1/rights/{id}/copy", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = RightsCopy), (status = 409, body = crate::error::Problem)))]
pub async fn copy(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<RightsCopy>> {
    Ok(axum::Json(rights::copy(&s.app, &auth.actor, id).await?))
}

/// Answers a request (not by whoever registered it).
#[utoipa::path(operation_id = "rights_complete", post, path = "/api/v1/rights/{id}/complete", tag = "customers", security(("bearer" = [])), request_body = RightDecision,
    params(("id" = Uuid, Path)), responses((status = 200, body = RightView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn complete(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<RightDecision>,
) -> ApiResult<axum::Json<RightView>> {
    Ok(axum::Json(
        rights::complete(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Refuses a request with the reason the person is told.
#[utoipa::path(operation_id = "rights_refuse", post, path = "/api/v1/rights/{id}/refuse", tag = "customers", security(("bearer" = [])), request_body = RightDecision,
    params(("id" = Uuid, Path)), responses((status = 200, body = RightView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn refuse(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<RightDecision>,
) -> ApiResult<axum::Json<RightView>> {
    Ok(axum::Json(
        rights::refuse(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Carries out a withdrawal of consent: every channel refused at once.
#[utoipa::path(operation_id = "rights_withdraw", post, path = "/api/v1/rights/{id}/withdraw", tag = "customers", security(("bearer" = [])), request_body = RightDecision,
    params(("id" = Uuid, Path)), responses((status = 200, body = RightView), (status = 409, body = crate::error::Problem)))]
pub async fn withdraw(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<RightDecision>,
) -> ApiResult<axum::Json<RightView>> {
    Ok(axum::Json(
        rights::withdraw(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Carries out a deletion (not by whoever registered it): the person is erased at once, or restricted while
/// the law obliges the bank to keep records (an open account, AML's years after the last activity, an open
/// alert or complaint) and erased by the nightly job when that ends. Cannot be undone.
#[utoipa::path(operation_id = "rights_erase", post, path = "/api/v1/rights/{id}/erase", tag = "customers", security(("bearer" = [])), request_body = RightDecision,
    params(("id" = Uuid, Path)), responses((status = 200, body = RightView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn erase(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<RightDecision>,
) -> ApiResult<axum::Json<RightView>> {
    Ok(axum::Json(
        rights::erase(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// The legal holds on a customer in your scope, newest first.
#[utoipa::path(operation_id = "legal_holds_list", get, path = "/api/v1/customers/{id}/legal-holds", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = [HoldView]), (status = 404, body = crate::error::Problem)))]
pub async fn holds(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<HoldView>>> {
    Ok(axum::Json(
        rights::holds::list(&s.app, &auth.actor, id).await?,
    ))
}

/// Places a legal hold (litigation, a regulator's inquiry): while it stands a deletion restricts instead of
/// erasing.
#[utoipa::path(operation_id = "legal_holds_place", post, path = "/api/v1/customers/{id}/legal-holds", tag = "customers", security(("bearer" = [])), request_body = HoldInput,
    params(("id" = Uuid, Path)), responses((status = 201, body = HoldView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn place_hold(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<HoldInput>,
) -> ApiResult<Response> {
    let v = rights::holds::place(&s.app, &auth.actor, id, body.value).await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// Lifts a legal hold, with the reason.
#[utoipa::path(operation_id = "legal_holds_lift", post, path = "/api/v1/legal-holds/{id}/lift", tag = "customers", security(("bearer" = [])), request_body = LiftInput,
    params(("id" = Uuid, Path)), responses((status = 200, body = HoldView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn lift_hold(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<LiftInput>,
) -> ApiResult<axum::Json<HoldView>> {
    Ok(axum::Json(
        rights::holds::lift(&s.app, &auth.actor, id, None, body.value).await?,
    ))
}
