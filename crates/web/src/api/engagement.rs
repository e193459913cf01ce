//! Relationship maintenance over HTTP: tasks, interactions, coverage.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use banyan_app::engagement::{
    self as eng, CoverageBy, CoverageRow, Due, InteractionInput, InteractionView, TaskView,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskParams {
    /// `today` (default: due today or overdue), `week`, `overdue` or `all`.
    pub due: Option<Due>,
}

/// My open tasks, soonest first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "engagement", security(("bearer" = [])), params(TaskParams),
    responses((status = 200, body = Vec<TaskView>)))]
pub async fn my_tasks(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<TaskParams>,
) -> ApiResult<axum::Json<Vec<TaskView>>> {
    Ok(axum::Json(
        eng::my_tasks(&s.app, &auth.actor, p.due.unwrap_or(Due::Today)).await?,
    ))
}

/// Logs a call, visit, meeting or message: completes the customer's open contact task and plans the next.
#[utoipa::path(post, path = "/api/v1/customers/{id}/interactions", tag = "engagement", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = InteractionInput,
    responses((status = 201, body = InteractionView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn log(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<InteractionInput>,
) -> ApiResult<(StatusCode, axum::Json<InteractionView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(eng::log_interaction(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// The customer's interactions, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/interactions", tag = "engagement", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<InteractionView>), (status = 404, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<InteractionView>>> {
    Ok(axum::Json(
        eng::interactions(&s.app, &auth.actor, id).await?,
    ))
}

/// The customer's contact tasks (open and done).
#[utoipa::path(get, path = "/api/v1/customers/{id}/tasks", tag = "engagement", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<TaskView>), (status = 404, body = Problem)))]
pub async fn customer_tasks(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<TaskView>>> {
    Ok(axum::Json(
        eng::customer_tasks(&s.app, &auth.actor, id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageParams {
    /// First due date counted (`YYYY-MM-DD`).
    #[param(value_type = String)]
    pub from: jiff::civil::Date,
    /// Last due date counted.
    #[param(value_type = String)]
    pub to: jiff::civil::Date,
    /// `manager` (default) or `branch`.
    pub by: Option<CoverageBy>,
}

/// Share of required contacts done on time, per manager or branch, within your scope.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "engagement", security(("bearer" = [])), params(CoverageParams),
    responses((status = 200, body = Vec<CoverageRow>), (status = 400, body = Problem)))]
pub async fn coverage(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<CoverageParams>,
) -> ApiResult<axum::Json<Vec<CoverageRow>>> {
    Ok(axum::Json(
        eng::coverage(
            &s.app,
            &auth.actor,
            p.from,
            p.to,
            p.by.unwrap_or(CoverageBy::Manager),
        )
        .await?,
    ))
}

/// The customer's messages with their delivery status (queued, sent, failed, suppressed and why).
#[utoipa::path(get, path = "/api/v1/customers/{id}/messages", tag = "engagement", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<banyan_app::notify::MessageView>), (status = 404, body = Problem)))]
pub async fn messages(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<banyan_app::notify::MessageView>>> {
    Ok(axum::Json(
        banyan_app::notify::customer_messages(&s.app, &auth.actor, id).await?,
    ))
}

/// Plans a visit (purpose, time, staff, method, preparation; a special plan for key customers). Log the
/// interaction with its `task_id` when it has taken place.
#[utoipa::path(post, path = "/api/v1/customers/{id}/visits", tag = "engagement", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = eng::VisitInput,
    responses((status = 201, body = eng::VisitView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn plan_visit(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<eng::VisitInput>,
) -> ApiResult<(StatusCode, axum::Json<eng::VisitView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(eng::plan_visit(&s.app, &auth.actor, id, body.value).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgendaParams {
    /// First day shown (`YYYY-MM-DD`).
    #[param(value_type = String)]
    pub from: jiff::civil::Date,
    /// Last day shown, at most 41 days after `from`.
    #[param(value_type = String)]
    pub to: jiff::civil::Date,
}

/// My calendar for the days `from` to `to`: contact tasks due and visits planned (with their customers),
/// and the client events of my branch starting on those days.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Agenda {
    pub tasks: Vec<TaskView>,
    pub events: Vec<banyan_app::events::EventView>,
}

/// My calendar for a month or a week: tasks due, visits planned and client events on those days.
#[utoipa::path(get, path = "/api/v1/agenda", tag = "engagement", security(("bearer" = [])), params(AgendaParams),
    responses((status = 200, body = Agenda), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn agenda(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<AgendaParams>,
) -> ApiResult<axum::Json<Agenda>> {
    let tasks = eng::agenda(&s.app, &auth.actor, p.from, p.to).await?;
    let (from_us, to_us) = s.app.day_bounds(p.from, p.to)?;
    let events = banyan_app::events::events_between(&s.app, &auth.actor, from_us, to_us).await?;
    Ok(axum::Json(Agenda { tasks, events }))
}

/// My visits from yesterday to 30 days ahead.
#[utoipa::path(get, path = "/api/v1/visits", tag = "engagement", security(("bearer" = [])),
    responses((status = 200, body = Vec<eng::VisitView>)))]
pub async fn my_visits(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<eng::VisitView>>> {
    Ok(axum::Json(eng::my_visits(&s.app, &auth.actor, 30).await?))
}
