//! Administration: staff accounts, custom field definitions, the loaded policy.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use banyan_app::access::{self, NewStaff, StaffView};
use banyan_domain::access::Role;
use banyan_domain::fields::FieldDefinition;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffRequest {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub branch_code: Option<String>,
    /// The manager's team, for coverage per team.
    #[serde(default)]
    pub team: Option<String>,
    /// The department whose feedback queue the staff member works.
    #[serde(default)]
    pub department: Option<String>,
    /// 10 to 128 characters.
    pub password: String,
}

/// Staff accounts.
#[utoipa::path(get, path = "/api/v1/staff", tag = "admin", security(("bearer" = [])), responses((status = 200, body = Vec<StaffView>)))]
pub async fn list_staff(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<StaffView>>> {
    Ok(axum::Json(access::list_staff(&s.app, &auth.actor).await?))
}

/// Creates a staff account.
#[utoipa::path(post, path = "/api/v1/staff", tag = "admin", security(("bearer" = [])), request_body = StaffRequest,
    responses((status = 201, body = StaffView), (status = 409, body = crate::error::Problem)))]
pub async fn add_staff(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<StaffRequest>,
) -> ApiResult<Response> {
    let b = body.value;
    let v = access::add_staff(
        &s.app,
        &auth.actor,
        NewStaff {
            username: b.username,
            display_name: b.display_name,
            role: b.role,
            branch_code: b.branch_code,
            team: b.team,
            department: b.department,
            password: b.password,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// Disables an account and revokes its tokens.
#[utoipa::path(post, path = "/api/v1/staff/{username}/disable", tag = "admin", security(("bearer" = [])), params(("username" = String, Path)),
    responses((status = 200, body = StaffView)))]
pub async fn disable_staff(
    State(s): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<StaffView>> {
    Ok(axum::Json(
        access::disable_staff(&s.app, &auth.actor, &username).await?,
    ))
}

/// A staff member's team and department (blank or omitted: none).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffOrgRequest {
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
}

/// Moves a staff member to a team and department.
#[utoipa::path(put, path = "/api/v1/staff/{username}/org", tag = "admin", security(("bearer" = [])), params(("username" = String, Path)),
    request_body = StaffOrgRequest, responses((status = 200, body = StaffView)))]
pub async fn set_staff_org(
    State(s): State<AppState>,
    auth: Auth,
    Path(username): Path<String>,
    body: Json<StaffOrgRequest>,
) -> ApiResult<axum::Json<StaffView>> {
    let b = body.value;
    Ok(axum::Json(
        access::set_staff_org(
            &s.app,
            &auth.actor,
            &username,
            b.team.as_deref(),
            b.department.as_deref(),
        )
        .await?,
    ))
}

/// Custom field definitions.
#[utoipa::path(get, path = "/api/v1/field-definitions", tag = "admin", security(("bearer" = [])), responses((status = 200, body = Vec<FieldDefinition>)))]
pub async fn list_fields(
    State(s): State<AppState>,
    _auth: Auth,
) -> ApiResult<axum::Json<Vec<FieldDefinition>>> {
    Ok(axum::Json(
        banyan_app::customers::field_definitions(&s.app).await?,
    ))
}

/// Defines a custom field for a kind of customer.
#[utoipa::path(post, path = "/api/v1/field-definitions", tag = "admin", security(("bearer" = [])), request_body = FieldDefinition,
    responses((status = 201, body = FieldDefinition), (status = 409, body = crate::error::Problem)))]
pub async fn define_field(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<FieldDefinition>,
) -> ApiResult<Response> {
    let d = banyan_app::customers::define_field(&s.app, &auth.actor, body.value).await?;
    Ok((StatusCode::CREATED, axum::Json(d)).into_response())
}

/// The policy in force (figures, version label and content `hash`).
#[utoipa::path(get, path = "/api/v1/policy", tag = "admin", security(("bearer" = [])), responses((status = 200, description = "the policy")))]
pub async fn policy(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let (policy, hash) = banyan_app::segments::policy_in_force(&s.app, &auth.actor)?;
    // A policy that cannot be written as JSON is a fault to report, never an empty document.
    let mut v = serde_json::to_value(&policy.policy)
        .map_err(|e| banyan_app::AppError::internal_from("the policy in force as JSON", e))?;
    // The content hash every assignment records, so clients can tell which file decided.
    v["hash"] = serde_json::Value::String(hash);
    Ok(axum::Json(v))
}
