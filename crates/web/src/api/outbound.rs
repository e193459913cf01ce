//! Events out: the feed of changes other systems follow with a cursor, and the webhooks that push it.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use banyan_app::outbound::webhooks::{
    self, DeliveryView, NewSubscriptionAnswer, SubscriptionDetail, SubscriptionView,
};
use banyan_app::outbound::{self, FeedPage};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedParams {
    /// The last `seq` already read (0 or omitted: from the first event).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Page size, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// The changes published after `after`, in order, in the reader's scope: customers created, verified and
/// changed; feedback cases registered, escalated and resolved; leads' stages; segment changes; alerts
/// opened. Each names what changed (ids, numbers, statuses), never a person's data. Ask again with
/// `after=next_after`; when `next_after` equals the `after` sent, nothing new was published yet (a page can
/// be empty and still move on, for a reader limited to a branch). (`/api/v1/events` is the client events —
/// seminars and invitations — hence this feed's own path.)
#[utoipa::path(get, path = "/api/v1/outbound/events", tag = "events out", security(("bearer" = [])), params(FeedParams),
    responses((status = 200, body = FeedPage), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn feed(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<FeedParams>,
) -> ApiResult<axum::Json<FeedPage>> {
    Ok(axum::Json(
        outbound::page(
            &s.app,
            &auth.actor,
            p.after.unwrap_or(0),
            p.limit.unwrap_or(100),
        )
        .await?,
    ))
}

pub fn routes(
    r: axum::Router<AppState>,
    creating: impl Fn(axum::routing::MethodRouter<AppState>) -> axum::routing::MethodRouter<AppState>,
) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    r.route("/api/v1/outbound/events", get(feed))
        .route(
            "/api/v1/webhooks",
            get(subscriptions).merge(creating(post(subscribe))),
        )
        .route("/api/v1/webhooks/{id}", get(subscription))
        .route("/api/v1/webhooks/{id}/pause", post(pause))
        .route("/api/v1/webhooks/{id}/resume", post(resume))
        .route(
            "/api/v1/webhooks/{id}/deliveries/{delivery}/replay",
            post(replay),
        )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeRequest {
    /// The receiving system's name (1-64 characters).
    pub name: String,
    /// Where events are POSTed: an http or https address.
    pub url: String,
    /// The kinds of event it is sent (see the events feed).
    pub kinds: Vec<String>,
}

/// The webhook subscriptions (never their secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "events out", security(("bearer" = [])),
    responses((status = 200, body = Vec<SubscriptionView>), (status = 403, body = crate::error::Problem)))]
pub async fn subscriptions(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<SubscriptionView>>> {
    Ok(axum::Json(webhooks::list(&s.app, &auth.actor).await?))
}

/// Subscribes a receiver to the events from now on; the answer holds its signing secret, once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "events out", security(("bearer" = [])), request_body = SubscribeRequest,
    responses((status = 201, body = NewSubscriptionAnswer), (status = 422, body = crate::error::Problem)))]
pub async fn subscribe(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<SubscribeRequest>,
) -> ApiResult<Response> {
    let b = body.value;
    let v = webhooks::create(&s.app, &auth.actor, &b.name, &b.url, &b.kinds).await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// A subscription with its latest deliveries, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "events out", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)), responses((status = 200, body = SubscriptionDetail), (status = 404, body = crate::error::Problem)))]
pub async fn subscription(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<uuid::Uuid>,
) -> ApiResult<axum::Json<SubscriptionDetail>> {
    Ok(axum::Json(webhooks::get(&s.app, &auth.actor, id).await?))
}

/// Pauses a subscription (it keeps its place and is sent what it missed when resumed).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/pause", tag = "events out", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)), responses((status = 200, body = SubscriptionDetail), (status = 404, body = crate::error::Problem)))]
pub async fn pause(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<uuid::Uuid>,
) -> ApiResult<axum::Json<SubscriptionDetail>> {
    Ok(axum::Json(
        webhooks::set_active(&s.app, &auth.actor, id, false).await?,
    ))
}

/// Resumes a subscription; it is tried at once.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/resume", tag = "events out", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)), responses((status = 200, body = SubscriptionDetail), (status = 404, body = crate::error::Problem)))]
pub async fn resume(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<uuid::Uuid>,
) -> ApiResult<axum::Json<SubscriptionDetail>> {
    Ok(axum::Json(
        webhooks::set_active(&s.app, &auth.actor, id, true).await?,
    ))
}

/// Sends a logged delivery's event again, now (logged as a replay; the subscription's place is kept).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery}/replay", tag = "events out", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), ("delivery" = uuid::Uuid, Path)),
    responses((status = 200, body = DeliveryView), (status = 404, body = crate::error::Problem)))]
pub async fn replay(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, delivery)): Path<(uuid::Uuid, uuid::Uuid)>,
) -> ApiResult<axum::Json<DeliveryView>> {
    Ok(axum::Json(
        webhooks::replay(&s.app, &auth.actor, id, delivery).await?,
    ))
}
