//! Import jobs of every kind (customers: `POST /api/v1/customers/import`, leads: `POST
//! /api/v1/leads/import`): starting one from a request's file, and following the caller's own.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, Query, read_body};
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use banyan_app::imports::{self, ImportPage, ImportView};
use banyan_domain::imports::ImportTarget;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// A page of the caller's imports: the cursor a page answered with, and its size.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// Starts an import of the request's file (CSV or XLSX by its content type) as a job and answers 202
/// with the job and where to follow it; a new job is handed to a runner on this server.
pub(crate) async fn start(
    s: AppState,
    auth: Auth,
    req: Request,
    target: ImportTarget,
) -> ApiResult<Response> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format =
        if ct.starts_with("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
            imports::FileFormat::Xlsx
        } else if ct.starts_with("text/csv") {
            imports::FileFormat::Csv
        } else {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send text/csv or an XLSX workbook",
            ));
        };
    let name = match format {
        imports::FileFormat::Xlsx => "upload.xlsx",
        imports::FileFormat::Csv => "upload.csv",
    };
    let bytes = read_body(req, s.import_limit).await?;
    let started = imports::start(&s.app, &auth.actor, target, name, &bytes, format).await?;
    if started.new {
        imports::spawn(s.app.clone(), started.job.id, auth.actor.clone());
    }
    let location = format!("/api/v1/imports/{}", started.job.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(started.job),
    )
        .into_response())
}

/// Your customer imports, newest first (open one for its report).
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = ImportPage)))]
pub async fn my_imports(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<ImportPage>> {
    mine(s, auth, p, ImportTarget::Customers).await
}

/// An import's progress and, once it has ended, its per-row report and the rejected rows as CSV (only
/// for the staff member who started it).
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ImportView), (status = 404, body = Problem)))]
pub async fn import_job(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<ImportView>> {
    Ok(axum::Json(imports::get(&s.app, &auth.actor, id).await?))
}

/// Your lead imports, newest first (open one for its report at `/api/v1/imports/{id}`).
#[utoipa::path(get, path = "/api/v1/leads/imports", tag = "imports", security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = ImportPage)))]
pub async fn my_lead_imports(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<ImportPage>> {
    mine(s, auth, p, ImportTarget::Leads).await
}

/// Starts importing leads from a CSV (`text/csv`) or XLSX file as a job on the server and answers at once
/// with the job (202): follow it with `GET /api/v1/imports/{id}`. Each row goes through the capture's
/// checks and duplicate check; the report names every refused row and why. The same file posted again
/// by the same staff member answers the same job.
#[utoipa::path(post, path = "/api/v1/leads/import", tag = "imports", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = ImportView, description = "the import job, running"), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn import_leads(
    State(s): State<AppState>,
    auth: Auth,
    req: Request,
) -> ApiResult<Response> {
    start(s, auth, req, ImportTarget::Leads).await
}

/// The caller's imports of one kind, newest first.
async fn mine(
    s: AppState,
    auth: Auth,
    p: PageParams,
    target: ImportTarget,
) -> ApiResult<axum::Json<ImportPage>> {
    let page = imports::mine(&s.app, &auth.actor, target, p.cursor.as_deref(), p.limit).await?;
    Ok(axum::Json(page))
}
