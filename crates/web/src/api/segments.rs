//! The policy engine over HTTP: metrics in, segments, measures and alerts out.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json, Query};
use axum::extract::{Path, State};
use banyan_app::segments::alerts::{self, AlertClose, AlertDetail, AlertPage, AlertQuery};
use banyan_app::segments::{self as seg, MeasuresView, MetricsInput, MetricsReport, SegmentsView};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsRequest {
    pub items: Vec<MetricsInput>,
}

/// Loads daily metrics for many customers. Each item is checked on its own (rejections name the field);
/// the valid ones are stored and their customers re-evaluated in the same transaction.
#[utoipa::path(post, path = "/api/v1/metrics", tag = "policy", security(("bearer" = [])), request_body = MetricsRequest,
    responses((status = 200, body = MetricsReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<MetricsRequest>,
) -> ApiResult<axum::Json<MetricsReport>> {
    Ok(axum::Json(
        seg::record_metrics(&s.app, &auth.actor, body.value.items).await?,
    ))
}

/// The customer's current segments with their reasons, the history of changes, the measures of its
/// rating and its early-warning alerts.
#[utoipa::path(get, path = "/api/v1/customers/{id}/segments", tag = "policy", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = SegmentsView), (status = 404, body = Problem)))]
pub async fn segments(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<SegmentsView>> {
    Ok(axum::Json(seg::segments(&s.app, &auth.actor, id).await?))
}

/// What the customer's risk rating (or credit grade) means: measures and refused actions.
#[utoipa::path(get, path = "/api/v1/customers/{id}/measures", tag = "policy", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = MeasuresView), (status = 404, body = Problem)))]
pub async fn measures(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<MeasuresView>> {
    Ok(axum::Json(seg::measures(&s.app, &auth.actor, id).await?))
}

/// The risk-appetite questionnaire of the policy in force (questions, answers, levels, validity).
#[utoipa::path(get, path = "/api/v1/risk-questionnaire", tag = "policy", security(("bearer" = [])),
    responses((status = 200, body = banyan_domain::segments::Questionnaire)))]
pub async fn questionnaire(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<banyan_domain::segments::Questionnaire>> {
    Ok(axum::Json(seg::questionnaire(&s.app, &auth.actor)?))
}

/// Records a completed questionnaire: the score decides the customer's risk appetite until it expires.
#[utoipa::path(post, path = "/api/v1/customers/{id}/risk-assessment", tag = "policy", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = seg::AssessmentInput,
    responses((status = 201, body = seg::AssessmentView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn assess(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<seg::AssessmentInput>,
) -> ApiResult<(axum::http::StatusCode, axum::Json<seg::AssessmentView>)> {
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(seg::record_assessment(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Closes an alert (an early warning or a monitoring alert) with its disposition and what was done; a
/// monitoring alert needs its disposition.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/close", tag = "policy", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = AlertClose,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_alert(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<AlertClose>,
) -> ApiResult<axum::http::StatusCode> {
    alerts::close(&s.app, &auth.actor, id, body.value).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The one alert queue (early warnings and monitoring) within the caller's scope: open before closed, the
/// earliest due first, with how many match.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "policy", security(("bearer" = [])),
    params(AlertQuery), responses((status = 200, body = AlertPage), (status = 422, body = Problem)))]
pub async fn alert_queue(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<AlertQuery>,
) -> ApiResult<axum::Json<AlertPage>> {
    Ok(axum::Json(alerts::queue(&s.app, &auth.actor, q).await?))
}

/// One alert with its figures and (for monitoring) the transactions behind it.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "policy", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = AlertDetail), (status = 404, body = Problem)))]
pub async fn alert(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<AlertDetail>> {
    Ok(axum::Json(alerts::detail(&s.app, &auth.actor, id).await?))
}
