//! Sign-in and sign-out.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, ClientAddr, Json};
use axum::extract::State;
use axum::http::StatusCode;
use banyan_app::access::{self, LoginResult, totp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The six-digit code of the authenticator app, for accounts with a second factor.
    #[serde(default)]
    pub totp: Option<String>,
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
    let b = &body.value;
    let r = access::login(&s.app, &b.username, &b.password, b.totp.as_deref(), &source).await?;
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

/// Whether one's own sign-ins need a code from an authenticator app.
#[utoipa::path(get, path = "/api/v1/me/totp", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = totp::SecondFactor), (status = 409, body = crate::error::Problem)))]
pub async fn totp_status(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<totp::SecondFactor>> {
    Ok(axum::Json(totp::status(&s.app, &auth.actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpBegin {
    /// The account's password (a session alone does not change its second factor).
    pub password: String,
    /// A current code of the app in use now, when a second factor is already on.
    #[serde(default)]
    pub current_code: Option<String>,
}

/// Begins enrolling one's own account in a second factor (or moving it to another app): the secret for
/// the authenticator app (base32 and as an `otpauth://` address). Asks the password, and a current code of
/// the factor in force if there is one. Sign-ins need the new codes only once it is confirmed.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "auth", security(("bearer" = [])), request_body = TotpBegin,
    responses((status = 200, body = totp::Enrolment), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn totp_begin(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<TotpBegin>,
) -> ApiResult<axum::Json<totp::Enrolment>> {
    let b = &body.value;
    Ok(axum::Json(
        totp::begin(
            &s.app,
            &auth.actor,
            "Banyan",
            &b.password,
            b.current_code.as_deref(),
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    /// The six digits the authenticator app shows now.
    pub code: String,
}

/// Confirms the enrolment with the app's current code: from now on sign-ins need a code, and the account's
/// sessions and tokens end (this one too: sign in again with a code).
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "auth", security(("bearer" = [])), request_body = TotpCode,
    responses((status = 200, body = totp::SecondFactor), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn totp_confirm(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<TotpCode>,
) -> ApiResult<axum::Json<totp::SecondFactor>> {
    Ok(axum::Json(
        totp::confirm(&s.app, &auth.actor, &body.value.code).await?,
    ))
}

/// Removes a staff member's second factor (a lost phone): they sign in with the password and enrol again.
/// Administrators, never on their own account.
#[utoipa::path(post, path = "/api/v1/staff/{username}/totp/reset", tag = "admin", security(("bearer" = [])),
    params(("username" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn totp_reset(
    State(s): State<AppState>,
    auth: Auth,
    axum::extract::Path(username): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    totp::reset(&s.app, &auth.actor, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}
