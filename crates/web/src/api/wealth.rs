//! Wealth advisory over HTTP: the steps an investment sale waits for after the gate (a senior reviewer's
//! decision, the client's cancellation during the cooling-off) and the suitability report; the client's
//! wealth page — the financial picture, goals and reviews, the plan and its recommended actions, the
//! advisory team with its notes and tasks.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json, Query};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, delete, get, post, put};
use banyan_app::wealth::kpis::{self as kpi, DrillQuery, KpiDrill, KpiQuery, KpiReport};
use banyan_app::wealth::picture::{
    GoalChange, GoalView, PictureInput, PictureView, ReviewInput, ReviewView,
};
use banyan_app::wealth::plans::{ActionAnswer, ActionInput, ActionView, PlanInput, PlanView};
use banyan_app::wealth::referrals::{self, ReferralInput, ReferralView};
use banyan_app::wealth::suitability::{self as uc, ReportQuery};
use banyan_app::wealth::team::{EntryInput, EntryView, MemberInput, MemberView};
use banyan_app::wealth::workspace::WealthView;
use banyan_app::wealth::{
    CancelInput, SaleReview, SuitabilityReport, SuitabilityView, picture, plans, team, workspace,
};
use banyan_domain::ids::StaffId;
use banyan_domain::wealth::kpi::KpiMeasure;
use banyan_domain::wealth::picture::GoalInput;
use uuid::Uuid;

pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route("/api/v1/sales/{id}/review", post(review))
        .route("/api/v1/sales/{id}/cancel", post(cancel))
        .route("/api/v1/wealth/suitability", get(report))
        .route("/api/v1/customers/{id}/wealth", get(wealth))
        .route("/api/v1/customers/{id}/wealth/picture", put(save_picture))
        .route(
            "/api/v1/customers/{id}/wealth/goals",
            creating(post(add_goal)),
        )
        .route("/api/v1/wealth/goals/{goal}", post(change_goal))
        .route(
            "/api/v1/customers/{id}/wealth/reviews",
            creating(post(add_review)),
        )
        .route(
            "/api/v1/customers/{id}/wealth/plans",
            creating(post(make_plan)),
        )
        .route(
            "/api/v1/customers/{id}/wealth/actions",
            creating(post(recommend)),
        )
        .route("/api/v1/wealth/actions/{action}/answer", post(answer))
        .route(
            "/api/v1/customers/{id}/wealth/team",
            creating(post(add_member)),
        )
        .route(
            "/api/v1/customers/{id}/wealth/team/{staff}",
            delete(remove_member),
        )
        .route(
            "/api/v1/customers/{id}/wealth/entries",
            creating(post(add_entry)),
        )
        .route("/api/v1/wealth/entries/{entry}/done", post(finish_task))
        .route(
            "/api/v1/customers/{id}/wealth/referrals",
            creating(post(add_referral)),
        )
        .route("/api/v1/wealth/kpis", get(kpis))
        .route("/api/v1/wealth/kpis/{measure}", get(kpi_drill))
}

/// Records that the client introduced another customer (`wealth.plan`, both in scope; once per pair).
#[utoipa::path(post, path = "/api/v1/customers/{id}/wealth/referrals", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ReferralInput,
    responses((status = 201, body = ReferralView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_referral(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<ReferralInput>,
) -> ApiResult<(StatusCode, axum::Json<ReferralView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(referrals::record(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// The wealth managers' KPIs of a quarter or a year, per manager and team, as the policy defines them
/// (`wealth.report`: the managers in scope; `wealth.plan`: one's own).
#[utoipa::path(get, path = "/api/v1/wealth/kpis", tag = "wealth", security(("bearer" = [])),
    params(KpiQuery),
    responses((status = 200, body = KpiReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn kpis(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<KpiQuery>,
) -> ApiResult<axum::Json<KpiReport>> {
    Ok(axum::Json(kpi::report(&s.app, &auth.actor, q).await?))
}

/// The records one KPI figure of one manager counts (the manager in reach, else not found).
#[utoipa::path(get, path = "/api/v1/wealth/kpis/{measure}", tag = "wealth", security(("bearer" = [])),
    params(("measure" = KpiMeasure, Path), DrillQuery),
    responses((status = 200, body = KpiDrill), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn kpi_drill(
    State(s): State<AppState>,
    auth: Auth,
    Path(measure): Path<KpiMeasure>,
    Query(q): Query<DrillQuery>,
) -> ApiResult<axum::Json<KpiDrill>> {
    Ok(axum::Json(
        kpi::drill(&s.app, &auth.actor, measure, q).await?,
    ))
}

/// The client's wealth page (a planner with `wealth.plan` and the customer in scope, or a member of the
/// client's advisory team): the financial picture, goals, plan, gap, actions, reviews and team. Audited.
#[utoipa::path(get, path = "/api/v1/customers/{id}/wealth", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = WealthView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn wealth(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<WealthView>> {
    Ok(axum::Json(workspace::open(&s.app, &auth.actor, id).await?))
}

/// Writes the client's declared picture, whole (`wealth.plan`, in scope): assets by kind, liabilities,
/// income, family. Sealed at rest.
#[utoipa::path(put, path = "/api/v1/customers/{id}/wealth/picture", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = PictureInput,
    responses((status = 200, body = PictureView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_picture(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<PictureInput>,
) -> ApiResult<axum::Json<PictureView>> {
    Ok(axum::Json(
        picture::save_picture(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Records a goal of the client (`wealth.plan`, in scope): retirement, education, housing or another, with
/// an amount and a day ahead.
#[utoipa::path(post, path = "/api/v1/customers/{id}/wealth/goals", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = GoalInput,
    responses((status = 201, body = GoalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_goal(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<GoalInput>,
) -> ApiResult<(StatusCode, axum::Json<GoalView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(picture::add_goal(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Marks a goal achieved, dropped or active again (`wealth.plan`, its client in scope).
#[utoipa::path(post, path = "/api/v1/wealth/goals/{goal}", tag = "wealth", security(("bearer" = [])),
    params(("goal" = Uuid, Path)), request_body = GoalChange,
    responses((status = 200, body = GoalView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_goal(
    State(s): State<AppState>,
    auth: Auth,
    Path(goal): Path<Uuid>,
    body: Json<GoalChange>,
) -> ApiResult<axum::Json<GoalView>> {
    Ok(axum::Json(
        picture::change_goal(&s.app, &auth.actor, goal, body.value).await?,
    ))
}

/// Reviews the client's picture at a revisit (`wealth.plan`, in scope): the figures now are kept, sealed,
/// with the plan in force — the trend. One a day.
#[utoipa::path(post, path = "/api/v1/customers/{id}/wealth/reviews", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ReviewInput,
    responses((status = 201, body = ReviewView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_review(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<ReviewInput>,
) -> ApiResult<(StatusCode, axum::Json<ReviewView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(picture::add_review(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Makes the client's plan or adjusts it with a reason (`wealth.plan`, in scope): a new version from the
/// client's valid assessment (`409 no_assessment` without one); the target within the level.
#[utoipa::path(post, path = "/api/v1/customers/{id}/wealth/plans", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = PlanInput,
    responses((status = 201, body = PlanView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn make_plan(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<PlanInput>,
) -> ApiResult<(StatusCode, axum::Json<PlanView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(plans::make_plan(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Recommends a product under the plan (`wealth.plan`, in scope); what the book's gate would refuse now is
/// refused, `409 unsuitable` naming the rule.
#[utoipa::path(post, path = "/api/v1/customers/{id}/wealth/actions", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ActionInput,
    responses((status = 201, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn recommend(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<ActionInput>,
) -> ApiResult<(StatusCode, axum::Json<ActionView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(plans::recommend(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// The client's answer to a recommendation (`wealth.plan`, in scope); acceptance asks the gate again.
#[utoipa::path(post, path = "/api/v1/wealth/actions/{action}/answer", tag = "wealth", security(("bearer" = [])),
    params(("action" = Uuid, Path)), request_body = ActionAnswer,
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(s): State<AppState>,
    auth: Auth,
    Path(action): Path<Uuid>,
    body: Json<ActionAnswer>,
) -> ApiResult<axum::Json<ActionView>> {
    Ok(axum::Json(
        plans::answer(&s.app, &auth.actor, action, body.value).await?,
    ))
}

/// Names a member of the client's advisory team (`wealth.plan`, in scope): an investment expert, a lawyer,
/// an accountant, a tax adviser or an insurance specialist, from any branch. They are told.
#[utoipa::path(post, path = "/api/v1/customers/{id}/wealth/team", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = MemberInput,
    responses((status = 201, body = MemberView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_member(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<MemberInput>,
) -> ApiResult<(StatusCode, axum::Json<MemberView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(team::add_member(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Takes a member off the team (`wealth.plan`, in scope).
#[utoipa::path(delete, path = "/api/v1/customers/{id}/wealth/team/{staff}", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("staff" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_member(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, staff)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    team::remove_member(&s.app, &auth.actor, id, StaffId::from(staff)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Writes a note or gives a task on the client's team (a planner in scope, or a member).
#[utoipa::path(post, path = "/api/v1/customers/{id}/wealth/entries", tag = "wealth", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = EntryInput,
    responses((status = 201, body = EntryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_entry(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<EntryInput>,
) -> ApiResult<(StatusCode, axum::Json<EntryView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(team::add_entry(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Marks a team task done (its member, or a planner with the client in scope).
#[utoipa::path(post, path = "/api/v1/wealth/entries/{entry}/done", tag = "wealth", security(("bearer" = [])),
    params(("entry" = Uuid, Path)),
    responses((status = 200, body = EntryView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn finish_task(
    State(s): State<AppState>,
    auth: Auth,
    Path(entry): Path<Uuid>,
) -> ApiResult<axum::Json<EntryView>> {
    Ok(axum::Json(
        team::finish_task(&s.app, &auth.actor, entry).await?,
    ))
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
