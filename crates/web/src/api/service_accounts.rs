//! Service accounts: the bank's other systems calling the API (administrators manage them).

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use banyan_app::access::service::{self, IssuedToken, NewServiceAccount, ServiceAccountView};
use banyan_domain::access::Role;
use serde::Deserialize;
use utoipa::ToSchema;

pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route(
        "/api/v1/service-accounts",
        get(list).merge(creating(post(create))),
    )
    .route("/api/v1/service-accounts/{username}", get(account))
    .route(
        "/api/v1/service-accounts/{username}/tokens",
        creating(post(rotate)),
    )
    .route(
        "/api/v1/service-accounts/{username}/tokens/{id}/revoke",
        post(revoke),
    )
    .route(
        "/api/v1/service-accounts/{username}/sources",
        put(set_sources),
    )
    .route("/api/v1/service-accounts/{username}/disable", post(disable))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountRequest {
    /// 1-128 letters, digits, '.', '_' or '-', with at most one '@' inside (a directory's principal name).
    pub username: String,
    /// The system's name as people read it (1-64 characters).
    pub display_name: String,
    /// `core_feed`, `call_centre` or `data_warehouse`.
    pub role: Role,
    /// Narrows the account to one branch's customers (omitted: the whole bank).
    #[serde(default)]
    pub branch_code: Option<String>,
    /// The addresses or networks (CIDR) it calls from: 1-20 entries.
    pub allowed_sources: Vec<String>,
    /// How long its first token lives, in days (1-365; default 90).
    #[serde(default = "default_days")]
    pub token_days: u32,
}

fn default_days() -> u32 {
    90
}

/// The service accounts with their tokens (never a token's value).
#[utoipa::path(get, path = "/api/v1/service-accounts", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<ServiceAccountView>)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<ServiceAccountView>>> {
    Ok(axum::Json(service::list(&s.app, &auth.actor).await?))
}

/// Creates a service account and its first token. The token is in this answer only: a retry with the
/// same Idempotency-Key answers the account with `token: null`.
#[utoipa::path(post, path = "/api/v1/service-accounts", tag = "admin", security(("bearer" = [])), request_body = ServiceAccountRequest,
    responses((status = 201, body = IssuedToken), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<ServiceAccountRequest>,
) -> ApiResult<Response> {
    let b = body.value;
    let v = service::create(
        &s.app,
        &auth.actor,
        NewServiceAccount {
            username: b.username,
            display_name: b.display_name,
            role: b.role,
            branch_code: b.branch_code,
            allowed_sources: b.allowed_sources,
            token_days: b.token_days,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// One service account with its tokens.
#[utoipa::path(get, path = "/api/v1/service-accounts/{username}", tag = "admin", security(("bearer" = [])),
    params(("username" = String, Path)), responses((status = 200, body = ServiceAccountView), (status = 404, body = crate::error::Problem)))]
pub async fn account(
    State(s): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<ServiceAccountView>> {
    Ok(axum::Json(
        service::get(&s.app, &auth.actor, &username).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// How long the new token lives, in days (1-365; default 90).
    #[serde(default = "default_days")]
    pub token_days: u32,
    /// How long the account's other tokens keep working, in hours (0-168; 0: they end now; default 24).
    #[serde(default = "default_overlap")]
    pub overlap_hours: u32,
}

fn default_overlap() -> u32 {
    24
}

/// Rotates: a new token (in this answer only), and every other live token ends after the overlap.
#[utoipa::path(post, path = "/api/v1/service-accounts/{username}/tokens", tag = "admin", security(("bearer" = [])),
    params(("username" = String, Path)), request_body = RotateRequest,
    responses((status = 201, body = IssuedToken), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn rotate(
    State(s): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
    body: Json<RotateRequest>,
) -> ApiResult<Response> {
    let b = body.value;
    let v = service::rotate(
        &s.app,
        &auth.actor,
        &username,
        b.token_days,
        b.overlap_hours,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// Revokes one token at once (404 when it is not this account's or was revoked already).
#[utoipa::path(post, path = "/api/v1/service-accounts/{username}/tokens/{id}/revoke", tag = "admin", security(("bearer" = [])),
    params(("username" = String, Path), ("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ServiceAccountView), (status = 404, body = crate::error::Problem)))]
pub async fn revoke(
    State(s): State<AppState>,
    auth: Auth,
    Path((username, id)): Path<(String, uuid::Uuid)>,
) -> ApiResult<axum::Json<ServiceAccountView>> {
    Ok(axum::Json(
        service::revoke(&s.app, &auth.actor, &username, id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourcesRequest {
    /// The addresses or networks (CIDR) the account calls from: 1-20 entries.
    pub allowed_sources: Vec<String>,
}

/// Replaces the addresses the account may call from.
#[utoipa::path(put, path = "/api/v1/service-accounts/{username}/sources", tag = "admin", security(("bearer" = [])),
    params(("username" = String, Path)), request_body = SourcesRequest,
    responses((status = 200, body = ServiceAccountView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn set_sources(
    State(s): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
    body: Json<SourcesRequest>,
) -> ApiResult<axum::Json<ServiceAccountView>> {
    Ok(axum::Json(
        service::set_sources(&s.app, &auth.actor, &username, &body.value.allowed_sources).await?,
    ))
}

/// Disables the account; its tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/service-accounts/{username}/disable", tag = "admin", security(("bearer" = [])),
    params(("username" = String, Path)), responses((status = 200, body = ServiceAccountView), (status = 404, body = crate::error::Problem)))]
pub async fn disable(
    State(s): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<ServiceAccountView>> {
    Ok(axum::Json(
        service::disable(&s.app, &auth.actor, &username).await?,
    ))
}
