//! Staff performance over HTTP: the scorecards of a quarter (one's own, or the people in a supervisor's
//! scope), one person's scorecard with the records behind every figure, targets per person, the
//! closing of an ended quarter with the supervisor's assessment, and the yearly bonus and promotion decision.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json, Query};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use banyan_app::performance::decision::{DecisionInput, DecisionView};
use banyan_app::performance::targets::{GroupTarget, GroupTargetInput};
use banyan_app::performance::{
    self as uc, CardDetail, CloseInput, PerfTargetInput, PerfTargetSet, ScorecardQuery,
    ScorecardReport, StaffCard,
};
use banyan_domain::ids::StaffId;
use serde::Deserialize;
use utoipa::IntoParams;

pub mod rewards;
pub mod training;

pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    let r = r
        .route("/api/v1/performance/scorecards", get(scorecards))
        .route("/api/v1/performance/scorecards/export", get(export))
        .route("/api/v1/performance/scorecards/{staff}", get(scorecard))
        .route("/api/v1/performance/scorecards/{staff}/close", post(close))
        .route(
            "/api/v1/performance/scorecards/{staff}/decision",
            creating(post(decide)),
        )
        .route("/api/v1/performance/targets", creating(post(set_target)))
        .route(
            "/api/v1/performance/group-targets",
            creating(post(set_group_target)).get(group_targets),
        );
    let r = rewards::routes(r, &creating);
    training::routes(r, creating)
}

/// The scorecards of a quarter: one's own (`performance.read`), or every person's in one's scope ranked
/// within their teams (`performance.manage`).
#[utoipa::path(get, path = "/api/v1/performance/scorecards", tag = "performance", security(("bearer" = [])),
    params(ScorecardQuery),
    responses((status = 200, body = ScorecardReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn scorecards(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ScorecardQuery>,
) -> ApiResult<axum::Json<ScorecardReport>> {
    Ok(axum::Json(uc::scorecards(&s.app, &auth.actor, q).await?))
}

/// The scorecards in reach as an XLSX workbook with stable column names and codes (audited
/// `performance.export`): one row per person and KPI.
#[utoipa::path(get, path = "/api/v1/performance/scorecards/export", tag = "performance", security(("bearer" = [])),
    params(ScorecardQuery),
    responses((status = 200, description = "scorecards.xlsx"), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ScorecardQuery>,
) -> ApiResult<Response> {
    let bytes = uc::export_xlsx(&s.app, &auth.actor, q, &banyan_app::tabular::Codes).await?;
    Ok(crate::api::cases::xlsx_named(
        bytes,
        "attachment; filename=\"scorecards.xlsx\"",
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// A quarter (`2026-Q4`); the current quarter when absent.
    #[serde(default)]
    pub period: Option<String>,
}

/// One person's scorecard with the records behind every figure and the composites of closed quarters
/// (the person in reach, else not found).
#[utoipa::path(get, path = "/api/v1/performance/scorecards/{staff}", tag = "performance", security(("bearer" = [])),
    params(("staff" = StaffId, Path), PeriodQuery),
    responses((status = 200, body = CardDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn scorecard(
    State(s): State<AppState>,
    auth: Auth,
    Path(staff): Path<StaffId>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<axum::Json<CardDetail>> {
    Ok(axum::Json(
        uc::scorecard(&s.app, &auth.actor, staff, q.period.as_deref()).await?,
    ))
}

/// Sets a person's own target for a KPI of their card in a quarter (`performance.manage`, the person in
/// scope; audited).
#[utoipa::path(post, path = "/api/v1/performance/targets", tag = "performance", security(("bearer" = [])),
    request_body = PerfTargetInput,
    responses((status = 201, body = PerfTargetSet), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_target(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<PerfTargetInput>,
) -> ApiResult<(StatusCode, axum::Json<PerfTargetSet>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::set_target(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Closes a person's scorecard of an ended quarter with a rating and a comment: the figures frozen with
/// the policy version; closing again is a corrected version (`performance.manage`; never one's own).
#[utoipa::path(post, path = "/api/v1/performance/scorecards/{staff}/close", tag = "performance", security(("bearer" = [])),
    params(("staff" = StaffId, Path)), request_body = CloseInput,
    responses((status = 200, body = StaffCard), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn close(
    State(s): State<AppState>,
    auth: Auth,
    Path(staff): Path<StaffId>,
    body: Json<CloseInput>,
) -> ApiResult<axum::Json<StaffCard>> {
    Ok(axum::Json(
        uc::close(&s.app, &auth.actor, staff, body.value).await?,
    ))
}

/// Records the bonus (a percent of the role's standard bonus) and the promotion advice on a person's
/// closed yearly scorecard, with who decided; a revision is a new version (`performance.manage`; never
/// one's own; audited `performance.decide`; Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/performance/scorecards/{staff}/decision", tag = "performance", security(("bearer" = [])),
    params(("staff" = StaffId, Path)), request_body = DecisionInput,
    responses((status = 201, body = DecisionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(s): State<AppState>,
    auth: Auth,
    Path(staff): Path<StaffId>,
    body: Json<DecisionInput>,
) -> ApiResult<(StatusCode, axum::Json<DecisionView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::decision::decide(&s.app, &auth.actor, staff, body.value).await?),
    ))
}

/// The team and branch targets of a period in reach (`performance.manage`: one's branch, or every branch).
#[utoipa::path(get, path = "/api/v1/performance/group-targets", tag = "performance", security(("bearer" = [])),
    params(PeriodQuery),
    responses((status = 200, body = [GroupTarget]), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn group_targets(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<axum::Json<Vec<GroupTarget>>> {
    let period = match q.period {
        Some(p) => p,
        None => banyan_domain::wealth::kpi::Period::quarter_of(s.app.today()).code(),
    };
    Ok(axum::Json(
        uc::targets::group_targets(&s.app, &auth.actor, &period).await?,
    ))
}

/// Sets a team's (or, without a team, the whole branch's) target for a KPI in a period: each person there
/// without their own reads it (`performance.manage`, the branch in scope; audited; Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/performance/group-targets", tag = "performance", security(("bearer" = [])),
    request_body = GroupTargetInput,
    responses((status = 201, body = GroupTarget), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_group_target(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<GroupTargetInput>,
) -> ApiResult<(StatusCode, axum::Json<GroupTarget>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::targets::set_group_target(&s.app, &auth.actor, body.value).await?),
    ))
}
