//! Customers: create (single, batch, import), read, search, update, contacts, relationships, four eyes.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, IdentityCheckHeader, IfMatch, Json, Query};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use banyan_app::customers::{self as uc, ListQuery, ReviewPage};
use banyan_app::imports::ImportView;
use banyan_app::io;
use banyan_app::view::*;
use banyan_domain::customer::{
    ContactInput, CustomerInput, CustomerKind, CustomerStatus, RelationshipKind, Transition,
};
use banyan_domain::imports::ImportTarget;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

fn with_etag(view: CustomerView, status: StatusCode) -> Response {
    let etag = format!("\"{}\"", view.version);
    let mut r = (status, axum::Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// Creates a customer in `draft`. Retrying with the same `Idempotency-Key` returns the first answer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])), request_body = CustomerInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries safe")),
    responses((status = 201, body = CustomerView), (status = 409, body = Problem, description = "duplicate ID number, credit code or mobile"), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<CustomerInput>,
) -> ApiResult<Response> {
    Ok(with_etag(
        uc::create(&s.app, &auth.actor, body.value).await?,
        StatusCode::CREATED,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// At most 1000 customers.
    pub customers: Vec<CustomerInput>,
}

/// Creates many customers in one transaction; each item is reported as created or rejected with its reasons.
#[utoipa::path(post, path = "/api/v1/customers/batch", tag = "customers", security(("bearer" = [])), request_body = BatchRequest,
    responses((status = 200, body = BatchResult), (status = 422, body = Problem)))]
pub async fn create_batch(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<BatchRequest>,
) -> ApiResult<axum::Json<BatchResult>> {
    Ok(axum::Json(
        uc::create_batch(&s.app, &auth.actor, body.value.customers).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// What a person types: any part of the name (Chinese characters anywhere, Latin words from their start),
    /// its full pinyin from any syllable or its initials (`wang`, `xiaoming`, `wxm`), the last four digits
    /// of a mobile, a customer number, or an exact ID or mobile number. Only customers in your scope match;
    /// `total` counts them: exactly up to 1,000 for a search and 10,000 for a listing, then `more`.
    pub q: Option<String>,
    pub kind: Option<CustomerKind>,
    pub status: Option<CustomerStatus>,
    pub branch_code: Option<String>,
    pub rm_id: Option<Uuid>,
    /// `overdue`: verified customers past their periodic review date.
    pub review: Option<String>,
    pub age_group: Option<String>,
    pub asset_tier: Option<String>,
    pub wealth_tier: Option<String>,
    pub risk_rating: Option<String>,
    pub credit_grade: Option<String>,
    pub company_size: Option<String>,
    pub industry_class: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub value_tier: Option<String>,
    /// `created` (default; name searches default to `name`), `name`, `customer_no`, `review_due` or
    /// `updated`; a leading `-` sorts descending.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// Export only: `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

fn list_query(p: ListParams) -> ApiResult<ListQuery> {
    let review_overdue = match p.review.as_deref() {
        None => false,
        Some("overdue") => true,
        Some(_) => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "review",
                "one_of",
                "must be `overdue`",
            ));
        }
    };
    let sort = match p.sort.as_deref() {
        None | Some("") => None,
        Some(v) => Some(uc::parse_sort(v).ok_or_else(|| {
            ApiError::field(
                StatusCode::BAD_REQUEST,
                "sort",
                "one_of",
                &format!(
                    "must be one of {} (a leading `-` sorts descending)",
                    uc::SORTS.join(", ")
                ),
            )
        })?),
    };
    let segments = [
        ("age_group", p.age_group),
        ("asset_tier", p.asset_tier),
        ("wealth_tier", p.wealth_tier),
        ("risk_rating", p.risk_rating),
        ("credit_grade", p.credit_grade),
        ("company_size", p.company_size),
        ("industry_class", p.industry_class),
        ("lifecycle_stage", p.lifecycle_stage),
        ("value_tier", p.value_tier),
    ]
    .into_iter()
    .filter_map(|(d, v)| v.filter(|v| !v.is_empty()).map(|v| (d.to_owned(), v)))
    .collect();
    Ok(ListQuery {
        segments,
        sort,
        q: p.q,
        kind: p.kind,
        status: p.status,
        branch_code: p.branch_code,
        rm_id: p.rm_id,
        review_overdue,
        cursor: p.cursor,
        limit: p.limit,
    })
}

/// Lists customers in your scope (masked), searched and filtered, cursor-paginated.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = CustomerList)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<CustomerList>> {
    if p.format.is_some() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "format",
            "not_allowed",
            "only for /customers/export",
        ));
    }
    let q = list_query(p)?;
    let total = uc::count(&s.app, &auth.actor, &q).await?;
    let page = uc::list(&s.app, &auth.actor, q).await?;
    Ok(axum::Json(CustomerList {
        items: page.items,
        next_cursor: page.next_cursor,
        total,
    }))
}

/// Exports the current search as CSV or XLSX (masked values; audited).
#[utoipa::path(get, path = "/api/v1/customers/export", tag = "customers", security(("bearer" = [])), params(ListParams),
    responses((status = 200, description = "the file")))]
pub async fn export(
    State(s): State<AppState>,
    auth: Auth,
    Query(mut p): Query<ListParams>,
) -> ApiResult<Response> {
    let format = match p.format.take().as_deref() {
        None | Some("csv") => io::Format::Csv,
        Some("xlsx") => io::Format::Xlsx,
        Some(_) => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "format",
                "one_of",
                "must be csv or xlsx",
            ));
        }
    };
    let (bytes, _) = io::export(
        &s.app,
        &auth.actor,
        list_query(p)?,
        format,
        &banyan_app::tabular::Codes,
    )
    .await?;
    Ok(download(format, bytes))
}

/// An export file as an attachment (shared by the API and the workbench).
pub fn download(format: io::Format, bytes: Vec<u8>) -> Response {
    let (ct, name) = match format {
        io::Format::Csv => ("text/csv; charset=utf-8", "customers.csv"),
        io::Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "customers.xlsx",
        ),
    };
    (
        [
            (header::CONTENT_TYPE, ct.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Starts importing a CSV (`text/csv`) or XLSX file as a job on the server and answers at once with the
/// job (202): follow it with `GET /api/v1/imports/{id}`. The same file posted again by the same staff
/// member answers the same job; nothing is imported twice.
#[utoipa::path(post, path = "/api/v1/customers/import", tag = "customers", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = ImportView, description = "the import job, running"), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn import(State(s): State<AppState>, auth: Auth, req: Request) -> ApiResult<Response> {
    crate::api::imports::start(s, auth, req, ImportTarget::Customers).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GetParams {
    /// Show identifiers and contacts unmasked (needs customer.reveal; audited).
    #[serde(default)]
    pub reveal: bool,
}

/// Reads one customer (404 when outside your scope). The ETag is the version.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path), GetParams),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Query(p): Query<GetParams>,
) -> ApiResult<Response> {
    Ok(with_etag(
        uc::get(&s.app, &auth.actor, id, p.reveal).await?,
        StatusCode::OK,
    ))
}

/// Changes a customer (JSON merge patch of the create shape). Send the version read in `If-Match` or `version`;
/// a stale version answers 409 with what changed since.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, body = CustomerView), (status = 409, body = Problem), (status = 428, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    m: IfMatch,
    body: Json<serde_json::Value>,
) -> ApiResult<Response> {
    Ok(with_etag(
        uc::update(&s.app, &auth.actor, id, body.value, m.0).await?,
        StatusCode::OK,
    ))
}

/// Submits a draft or returned record for review.
#[utoipa::path(post, path = "/api/v1/customers/{id}/submit", tag = "review", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CustomerView), (status = 409, body = Problem)))]
pub async fn submit(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    m: IfMatch,
) -> ApiResult<Response> {
    Ok(with_etag(
        uc::transition(&s.app, &auth.actor, id, Transition::Submit, None, m.0).await?,
        StatusCode::OK,
    ))
}

/// Verifies a submitted record (checker only: not its creator, last editor or submitter).
#[utoipa::path(post, path = "/api/v1/customers/{id}/verify", tag = "review", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = CustomerView), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn verify(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    m: IfMatch,
) -> ApiResult<Response> {
    Ok(with_etag(
        uc::transition(&s.app, &auth.actor, id, Transition::Verify, None, m.0).await?,
        StatusCode::OK,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// Why the record goes back (at least one).
    pub reasons: Vec<String>,
    /// Documents or facts the maker must supply.
    #[serde(default)]
    pub missing_items: Vec<String>,
}

/// Returns a submitted record to its maker with reasons and missing items.
#[utoipa::path(post, path = "/api/v1/customers/{id}/return", tag = "review", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = ReturnRequest, responses((status = 200, body = CustomerView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn return_(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    m: IfMatch,
    body: Json<ReturnRequest>,
) -> ApiResult<Response> {
    let n = (body.value.reasons, body.value.missing_items);
    Ok(with_etag(
        uc::transition(&s.app, &auth.actor, id, Transition::Return, Some(n), m.0).await?,
        StatusCode::OK,
    ))
}

/// The review queue's query: kind, order and page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewParams {
    pub kind: Option<CustomerKind>,
    /// `oldest` (default: the order to work them) or `newest`.
    pub order: Option<String>,
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// Records waiting for a checker, in your scope: when and by whom each was submitted, whether you may verify
/// it (not if you made it), and how many wait in all.
#[utoipa::path(get, path = "/api/v1/review-queue", tag = "review", security(("bearer" = [])), params(ReviewParams),
    responses((status = 200, body = ReviewPage)))]
pub async fn review_queue(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<ReviewParams>,
) -> ApiResult<axum::Json<ReviewPage>> {
    let newest_first = match p.order.as_deref() {
        None | Some("oldest") => false,
        Some("newest") => true,
        Some(_) => {
            return Err(ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "order",
                "one_of",
                "must be oldest or newest",
            ));
        }
    };
    let q = uc::ReviewQuery {
        kind: p.kind,
        newest_first,
        cursor: p.cursor,
        limit: p.limit,
    };
    Ok(axum::Json(uc::review_queue(&s.app, &auth.actor, q).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkVerifyRequest {
    /// The records to verify (1 to 100), each at the version reviewed.
    pub items: Vec<uc::Pick>,
}

/// Verifies several submitted records, each on its own exactly as one by one (four eyes, version, audit):
/// the ones verified and the ones refused with the reason's code. A retry verifies nothing twice.
#[utoipa::path(post, path = "/api/v1/review-queue/verify", tag = "review", security(("bearer" = [])),
    request_body = BulkVerifyRequest,
    responses((status = 200, body = uc::BulkOutcome), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn verify_many(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<BulkVerifyRequest>,
) -> ApiResult<axum::Json<uc::BulkOutcome>> {
    Ok(axum::Json(
        uc::verify_many(&s.app, &auth.actor, &body.value.items).await?,
    ))
}

/// Your saved customer searches, by name (run one as `GET /api/v1/customers?{query}`).
#[utoipa::path(get, path = "/api/v1/saved-searches", tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = Vec<uc::SavedSearch>)))]
pub async fn saved_searches(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<uc::SavedSearch>>> {
    Ok(axum::Json(uc::saved_searches(&s.app, &auth.actor).await?))
}

/// Saves a customer search under a name (a name already used is replaced); at most 20 per person.
#[utoipa::path(post, path = "/api/v1/saved-searches", tag = "customers", security(("bearer" = [])),
    request_body = uc::SaveSearch,
    responses((status = 201, body = uc::SavedSearch), (status = 422, body = Problem)))]
pub async fn save_search(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<uc::SaveSearch>,
) -> ApiResult<(StatusCode, axum::Json<uc::SavedSearch>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::save_search(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Deletes one of your saved searches.
#[utoipa::path(delete, path = "/api/v1/saved-searches/{id}", tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_saved_search(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    uc::delete_saved_search(&s.app, &auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Version history with field-level changes, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/versions", tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<VersionView>)))]
pub async fn versions(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<VersionView>>> {
    Ok(axum::Json(uc::versions(&s.app, &auth.actor, id).await?))
}

/// Contact points (masked).
#[utoipa::path(get, path = "/api/v1/customers/{id}/contacts", tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ContactView>)))]
pub async fn contacts(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<ContactView>>> {
    Ok(axum::Json(uc::contacts(&s.app, &auth.actor, id).await?))
}

/// Adds a contact point (needs the customer's version in If-Match).
#[utoipa::path(post, path = "/api/v1/customers/{id}/contacts", tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path), ("Identity-Check" = Option<String>, Header, description = "in_person, video_call or call_back: how the customer was confirmed with a second factor; required for a care customer registered with stronger authentication")),
    request_body = ContactInput, responses((status = 201, body = CustomerView), (status = 409, body = Problem), (status = 428, body = Problem)))]
pub async fn add_contact(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    m: IfMatch,
    idc: IdentityCheckHeader,
    body: Json<ContactInput>,
) -> ApiResult<Response> {
    Ok(with_etag(
        uc::add_contact(&s.app, &auth.actor, id, body.value, m.0, idc.0).await?,
        StatusCode::CREATED,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    pub value: Option<String>,
    pub label: Option<String>,
}

/// Changes a contact point's value or label (needs the customer's version in If-Match).
#[utoipa::path(patch, path = "/api/v1/customers/{id}/contacts/{contact_id}", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("contact_id" = Uuid, Path), ("Identity-Check" = Option<String>, Header, description = "in_person, video_call or call_back: how the customer was confirmed with a second factor; required for a care customer registered with stronger authentication")), request_body = ContactPatch,
    responses((status = 200, body = CustomerView), (status = 409, body = Problem), (status = 428, body = Problem)))]
pub async fn update_contact(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, cid)): Path<(Uuid, Uuid)>,
    m: IfMatch,
    idc: IdentityCheckHeader,
    body: Json<ContactPatch>,
) -> ApiResult<Response> {
    let b = body.value;
    Ok(with_etag(
        uc::update_contact(&s.app, &auth.actor, id, cid, b.value, b.label, m.0, idc.0).await?,
        StatusCode::OK,
    ))
}

/// Removes a contact point (needs the customer's version in If-Match).
#[utoipa::path(delete, path = "/api/v1/customers/{id}/contacts/{contact_id}", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("contact_id" = Uuid, Path), ("Identity-Check" = Option<String>, Header, description = "in_person, video_call or call_back: how the customer was confirmed with a second factor; required for a care customer registered with stronger authentication")), responses((status = 200, body = CustomerView), (status = 409, body = Problem), (status = 428, body = Problem)))]
pub async fn delete_contact(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, cid)): Path<(Uuid, Uuid)>,
    m: IfMatch,
    idc: IdentityCheckHeader,
) -> ApiResult<Response> {
    Ok(with_etag(
        uc::delete_contact(&s.app, &auth.actor, id, cid, m.0, idc.0).await?,
        StatusCode::OK,
    ))
}

/// Relationships, each seen from this customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}/relationships", tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<RelationshipView>)))]
pub async fn relationships(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<RelationshipView>>> {
    Ok(axum::Json(
        uc::relationships(&s.app, &auth.actor, id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationshipRequest {
    pub to_id: Uuid,
    /// As seen from this customer: `spouse`, `guardian` (this customer is the guardian), `officer`, ...
    pub kind: RelationshipKind,
    pub note: Option<String>,
}

/// Links this customer to another (visible from both sides).
#[utoipa::path(post, path = "/api/v1/customers/{id}/relationships", tag = "customers", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = RelationshipRequest, responses((status = 201, body = RelationshipView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_relationship(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<RelationshipRequest>,
) -> ApiResult<Response> {
    let b = body.value;
    let v = uc::add_relationship(&s.app, &auth.actor, id, b.to_id, b.kind, b.note).await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// Removes a link.
#[utoipa::path(delete, path = "/api/v1/customers/{id}/relationships/{rel_id}", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("rel_id" = Uuid, Path)), responses((status = 204)))]
pub async fn delete_relationship(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, rid)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    uc::delete_relationship(&s.app, &auth.actor, id, rid).await?;
    Ok(StatusCode::NO_CONTENT)
}
