//! Notifications over HTTP: campaigns (content pushes to a segment) — previewed, made, approved or
//! refused by a second person, cancelled, and reported by delivery status.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use banyan_app::notify::{CampaignDecision, CampaignSummary};
use uuid::Uuid;

/// Makes a content push (market news, a rate change explained) for every verified customer of a segment
/// in your scope: sent at once, or at `send_at`; above the policy's `notify.campaign_approval_above`
/// customers (or with `ask_approval`) it waits for a second person's approval. Consent, quiet hours and
/// the weekly cap are checked when each message is sent.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "engagement", security(("bearer" = [])),
    request_body = banyan_app::notify::CampaignInput,
    responses((status = 201, body = banyan_app::notify::CampaignReport), (status = 422, body = Problem)))]
pub async fn campaign(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<banyan_app::notify::CampaignInput>,
) -> ApiResult<(StatusCode, axum::Json<banyan_app::notify::CampaignReport>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(banyan_app::notify::campaign(&s.app, &auth.actor, body.value).await?),
    ))
}

/// What a content push would do if sent now, without sending it: how many customers it reaches, in which
/// languages and by which channels, and each language's message as its first customer would read it.
#[utoipa::path(post, path = "/api/v1/campaigns/preview", tag = "engagement", security(("bearer" = [])),
    request_body = banyan_app::notify::CampaignInput,
    responses((status = 200, body = banyan_app::notify::CampaignPreview), (status = 422, body = Problem)))]
pub async fn campaign_preview(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<banyan_app::notify::CampaignInput>,
) -> ApiResult<axum::Json<banyan_app::notify::CampaignPreview>> {
    Ok(axum::Json(
        banyan_app::notify::preview_campaign(&s.app, &auth.actor, &body.value).await?,
    ))
}

/// Campaigns, newest first, with their messages by delivery status (customers in your scope).
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "engagement", security(("bearer" = [])),
    responses((status = 200, body = Vec<banyan_app::notify::CampaignSummary>)))]
pub async fn campaigns(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<banyan_app::notify::CampaignSummary>>> {
    Ok(axum::Json(
        banyan_app::notify::campaigns(&s.app, &auth.actor).await?,
    ))
}

/// Approves a campaign waiting for a second person (not its maker; `campaign.approve`, the maker's branch):
/// it goes at its time, or at once if that has passed.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/approve", tag = "engagement", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CampaignDecision,
    responses((status = 200, body = CampaignSummary), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn approve(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<CampaignDecision>,
) -> ApiResult<axum::Json<CampaignSummary>> {
    Ok(axum::Json(
        banyan_app::notify::approve(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Refuses a campaign waiting for a second person, with the reason (`note`, required) its maker is told.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/reject", tag = "engagement", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CampaignDecision,
    responses((status = 200, body = CampaignSummary), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reject(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<CampaignDecision>,
) -> ApiResult<axum::Json<CampaignSummary>> {
    Ok(axum::Json(
        banyan_app::notify::reject(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Withdraws a campaign before it is sent (its maker, or an approver of its branch).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/cancel", tag = "engagement", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CampaignDecision,
    responses((status = 200, body = CampaignSummary), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<CampaignDecision>,
) -> ApiResult<axum::Json<CampaignSummary>> {
    Ok(axum::Json(
        banyan_app::notify::cancel(&s.app, &auth.actor, id, body.value).await?,
    ))
}
