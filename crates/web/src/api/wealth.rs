//! Wealth advisory over HTTP: the steps an investment sale waits for after the gate (a senior reviewer's
//! decision, the client's cancellation during the cooling-off) and the suitability report.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json, Query};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{MethodRouter, get, post};
use banyan_app::wealth::suitability::{self as uc, ReportQuery};
use banyan_app::wealth::{CancelInput, SaleReview, SuitabilityReport, SuitabilityView};
use uuid::Uuid;

pub fn routes(
    r: Router<AppState>,
    _creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route("/api/v1/sales/{id}/review", post(review))
        .route("/api/v1/sales/{id}/cancel", post(cancel))
        .route("/api/v1/wealth/suitability", get(report))
}

/// A senior reviewer approves or declines an investment sale of a client of the senior age and a high-risk
/// product (`wealth.review`; never one's own sale). An approved private product then cools off.
#[utoipa::path(post, path = "/api/v1/sales/{id}/review", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SaleReview,
    responses((status = 200, body = SuitabilityView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<SaleReview>,
) -> ApiResult<axum::Json<SuitabilityView>> {
    Ok(axum::Json(
        uc::review(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// The client cancels a private product's sale during its cooling-off: withdrawn, refunded in full.
#[utoipa::path(post, path = "/api/v1/sales/{id}/cancel", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CancelInput,
    responses((status = 200, body = SuitabilityView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<CancelInput>,
) -> ApiResult<axum::Json<SuitabilityView>> {
    Ok(axum::Json(
        uc::cancel(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// The suitability report of a period (`wealth.report`, the scope; at most a year): every investment sale
/// with what the gate read and decided, paged, and the counts by outcome.
#[utoipa::path(get, path = "/api/v1/wealth/suitability", tag = "wealth", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, body = SuitabilityReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn report(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ReportQuery>,
) -> ApiResult<axum::Json<SuitabilityReport>> {
    Ok(axum::Json(uc::report(&s.app, &auth.actor, q).await?))
}
