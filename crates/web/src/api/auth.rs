//! Sign-in and sign-out.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, ClientAddr, Json};
use axum::extract::State;
use axum::http::StatusCode;
use banyan_app::access::{self, LoginResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Exchanges a username and password for a bearer token. Repeated failures from one address are refused for
/// a growing while (that address only; a spray across accounts blocks the address).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResult), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login(
    State(s): State<AppState>,
    ClientAddr(source): ClientAddr,
    body: Json<LoginRequest>,
) -> ApiResult<axum::Json<LoginResult>> {
    let r = access::login(&s.app, &body.value.username, &body.value.password, &source).await?;
    Ok(axum::Json(r))
}

/// Revokes the token used for this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204)))]
pub async fn logout(State(s): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    access::logout(&s.app, &auth.actor, &auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: uuid::Uuid,
    pub username: String,
    pub role: banyan_domain::access::Role,
    pub branch_code: Option<String>,
    pub permissions: Vec<String>,
}

/// Who am I, and what may I do.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = Me)))]
pub async fn me(auth: Auth) -> axum::Json<Me> {
    let a = auth.actor;
    axum::Json(Me {
        id: a.id().uuid(),
        username: a.username().to_owned(),
        role: a.role(),
        branch_code: a.branch_code().map(str::to_owned),
        permissions: a.permissions(),
    })
}
