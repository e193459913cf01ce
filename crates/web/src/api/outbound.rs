//! Events out: the feed of changes other systems follow with a cursor.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Query};
use axum::extract::State;
use banyan_app::outbound::{self, FeedPage};
use serde::Deserialize;
use utoipa::IntoParams;

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
/// `after=next_after`; an empty page means nothing new yet. (`/api/v1/events` is the client events —
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
