//! Client events over HTTP.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use banyan_app::events::{
    self as ev, EventInput, EventView, FeedbackInput, InviteInput, InviteReport, ResponseInput,
};
use uuid::Uuid;

/// Creates an event (lecture, exchange meeting, outdoor activity) with a capacity.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", security(("bearer" = [])), request_body = EventInput,
    responses((status = 201, body = EventView), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<EventInput>,
) -> ApiResult<(StatusCode, axum::Json<EventView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(ev::create_event(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Upcoming events.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    responses((status = 200, body = Vec<EventView>)))]
pub async fn list(State(s): State<AppState>, auth: Auth) -> ApiResult<axum::Json<Vec<EventView>>> {
    Ok(axum::Json(ev::list_events(&s.app, &auth.actor).await?))
}

/// One event with its invitations (those in your scope) and counts by status.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = EventView), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<EventView>> {
    Ok(axum::Json(ev::get_event(&s.app, &auth.actor, id).await?))
}

/// Invites hand-picked customers or a segment; each invitation is also a message in the outbox.
#[utoipa::path(post, path = "/api/v1/events/{id}/invitations", tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = InviteInput,
    responses((status = 200, body = InviteReport), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn invite(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<InviteInput>,
) -> ApiResult<axum::Json<InviteReport>> {
    Ok(axum::Json(
        ev::invite(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Records a reply (`accept`, `decline`) or attendance (`attended`, `no_show`); answers the status now.
#[utoipa::path(post, path = "/api/v1/events/{id}/responses", tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = ResponseInput,
    responses((status = 200, description = "the customer's status: accepted, waitlisted, declined, attended, no_show"), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn respond(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<ResponseInput>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let status = ev::respond(&s.app, &auth.actor, id, body.value).await?;
    Ok(axum::Json(serde_json::json!({ "status": status })))
}

/// Records an attendee's rating and comment.
#[utoipa::path(post, path = "/api/v1/events/{id}/feedback", tag = "events", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = FeedbackInput,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn feedback(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<FeedbackInput>,
) -> ApiResult<StatusCode> {
    ev::feedback(&s.app, &auth.actor, id, body.value).await?;
    Ok(StatusCode::NO_CONTENT)
}
