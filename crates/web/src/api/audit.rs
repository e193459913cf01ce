//! The audit log for auditors.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Query};
use axum::extract::State;
use axum::http::StatusCode;
use banyan_app::audit::{self, AuditPage, AuditQuery, VerifyReport};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    pub customer_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    /// RFC 3339 instant, inclusive.
    pub from: Option<String>,
    /// RFC 3339 instant, exclusive.
    pub to: Option<String>,
    pub action: Option<String>,
    pub cursor: Option<String>,
    /// `newest` (default) or `oldest` first.
    pub order: Option<banyan_app::audit::AuditOrder>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

fn instant(field: &str, v: Option<String>) -> ApiResult<Option<jiff::Timestamp>> {
    v.map(|s| {
        s.parse::<jiff::Timestamp>().map_err(|_| {
            ApiError::field(
                StatusCode::BAD_REQUEST,
                field,
                "format",
                "must be an RFC 3339 instant, e.g. 2026-11-23T08:00:00Z",
            )
        })
    })
    .transpose()
}

/// Audit records by customer, staff member and time range, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::Problem)))]
pub async fn search(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<AuditParams>,
) -> ApiResult<axum::Json<AuditPage>> {
    let q = AuditQuery {
        customer_id: p.customer_id,
        staff_id: p.staff_id,
        from: instant("from", p.from)?,
        to: instant("to", p.to)?,
        action: p.action,
        cursor: p.cursor,
        limit: p.limit,
        order: p.order.unwrap_or_default(),
    };
    Ok(axum::Json(audit::search(&s.app, &auth.actor, q).await?))
}

/// Recomputes the hash chain; names the first broken record and counts records not sealed yet.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = VerifyReport)))]
pub async fn verify(State(s): State<AppState>, auth: Auth) -> ApiResult<axum::Json<VerifyReport>> {
    Ok(axum::Json(audit::verify(&s.app, &auth.actor).await?))
}
