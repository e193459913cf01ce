//! The bank's book over HTTP: the product catalogue (read by staff, changed by administrators, every state
//! kept), the core system's daily holdings (as items or as its file) with each load's report, and a
//! customer's holdings.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json, Query, read_body};
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use banyan_app::book::activity::{self, EventsLoad, TransactionsLoad};
use banyan_app::book::catalogue::{self, CatalogueReport};
use banyan_app::book::files::{self, Feed};
use banyan_app::book::insights::{
    FollowUpInput, InsightDecision, InsightReport, InsightView, OpenInsight,
};
use banyan_app::book::monitoring::{self, LargeValueLine};
use banyan_app::book::sales::{self, RefusalCount, SaleInput, SaleView};
use banyan_app::book::{
    self as uc, CustomerBook, HoldingsLoad, LoadReport, LoadView, ProductChange, ProductQuery,
    ProductVersionView, ProductView,
};
use banyan_domain::book::ProductInput;
use banyan_domain::book::insight::InsightStep;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The catalogue by code, filtered by kind, status, risk level or part of a code or name.
#[utoipa::path(get, path = "/api/v1/products", tag = "book", security(("bearer" = [])),
    params(ProductQuery), responses((status = 200, body = Vec<ProductView>)))]
pub async fn products(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ProductQuery>,
) -> ApiResult<axum::Json<Vec<ProductView>>> {
    Ok(axum::Json(uc::products(&s.app, &auth.actor, &q).await?))
}

/// Adds a product (`product.manage`). Its code is the core system's and never changes.
#[utoipa::path(post, path = "/api/v1/products", tag = "book", security(("bearer" = [])),
    request_body = ProductInput,
    responses((status = 201, body = ProductView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<ProductInput>,
) -> ApiResult<(StatusCode, axum::Json<ProductView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::create_product(&s.app, &auth.actor, body.value).await?),
    ))
}

/// One product.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ProductView), (status = 404, body = Problem)))]
pub async fn product(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<ProductView>> {
    Ok(axum::Json(uc::product(&s.app, &auth.actor, id).await?))
}

/// Replaces a product as read at `version` (`product.manage`); the new state is kept in its history.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ProductChange,
    responses((status = 200, body = ProductView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<ProductChange>,
) -> ApiResult<axum::Json<ProductView>> {
    Ok(axum::Json(
        uc::update_product(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Every saved state of a product, newest first.
#[utoipa::path(get, path = "/api/v1/products/{id}/versions", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ProductVersionView>), (status = 404, body = Problem)))]
pub async fn versions(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<ProductVersionView>>> {
    Ok(axum::Json(
        uc::product_versions(&s.app, &auth.actor, id).await?,
    ))
}

/// Loads a business date's holdings from one source (`book.load`): rejected items are listed with their
/// reasons and the rest load; sending the same day again changes nothing (`unchanged`).
#[utoipa::path(post, path = "/api/v1/book/holdings", tag = "book", security(("bearer" = [])),
    request_body = HoldingsLoad,
    responses((status = 201, body = LoadReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn load_holdings(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<HoldingsLoad>,
) -> ApiResult<(StatusCode, axum::Json<LoadReport>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::holdings::load_holdings(&s.app, &auth.actor, body.value).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FileParams {
    /// The system the file comes from (`core`).
    pub source: String,
    /// The business date (`YYYY-MM-DD`).
    pub as_of: String,
    /// The file's name, for the list of loads (an `.xlsx` name is read as a workbook).
    #[serde(default)]
    pub file_name: Option<String>,
}

/// Starts a feed file's load as a job on the server and answers at once: 202 with the load (running) and
/// its address, which shows the progress and, once it has ended, the report.
async fn file_job(
    s: AppState,
    auth: Auth,
    p: FileParams,
    req: Request,
    feed: Feed,
) -> ApiResult<Response> {
    let Ok(as_of) = p.as_of.trim().parse() else {
        return Err(
            banyan_app::AppError::field("as_of", "date", "must be a date YYYY-MM-DD").into(),
        );
    };
    let bytes = read_body(req, s.import_limit).await?;
    let name = p
        .file_name
        .unwrap_or_else(|| format!("{}.csv", feed.kind()));
    let load = files::submit(&s.app, &auth.actor, feed, &p.source, as_of, &name, &bytes).await?;
    let location = format!("/api/v1/book/loads/{}", load.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(load),
    )
        .into_response())
}

/// Loads the core system's holdings file (CSV, UTF-8, or XLSX; columns in `docs/book.md`) for a business
/// date, as a job: 202 with the load, whose address (`Location`) shows its progress and then its report. A
/// file without the required columns ends as a failed load naming them.
#[utoipa::path(post, path = "/api/v1/book/holdings/file", tag = "book", security(("bearer" = [])),
    params(FileParams), request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = LoadView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn load_holdings_file(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<FileParams>,
    req: Request,
) -> ApiResult<Response> {
    file_job(s, auth, p, req, Feed::Holdings).await
}

/// Loads transactions (`book.load`): each names an account of the source the book holds, in its currency;
/// a transaction already stored (same source and id) counts as unchanged, a repeated id in one load is
/// rejected.
#[utoipa::path(post, path = "/api/v1/book/transactions", tag = "book", security(("bearer" = [])),
    request_body = TransactionsLoad,
    responses((status = 201, body = LoadReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn load_transactions(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<TransactionsLoad>,
) -> ApiResult<(StatusCode, axum::Json<LoadReport>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(activity::load_transactions(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Loads digital-banking events (`book.load`): log-ins, exchange-rate look-ups, product views.
#[utoipa::path(post, path = "/api/v1/book/events", tag = "book", security(("bearer" = [])),
    request_body = EventsLoad,
    responses((status = 201, body = LoadReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn load_events(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<EventsLoad>,
) -> ApiResult<(StatusCode, axum::Json<LoadReport>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(activity::load_events(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Loads a transactions file (CSV in UTF-8 or XLSX; columns in `docs/book.md`) as a job, like holdings.
#[utoipa::path(post, path = "/api/v1/book/transactions/file", tag = "book", security(("bearer" = [])),
    params(FileParams), request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = LoadView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn load_transactions_file(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<FileParams>,
    req: Request,
) -> ApiResult<Response> {
    file_job(s, auth, p, req, Feed::Transactions).await
}

/// Loads a channel-events file (CSV in UTF-8 or XLSX; columns in `docs/book.md`) as a job, like holdings.
#[utoipa::path(post, path = "/api/v1/book/events/file", tag = "book", security(("bearer" = [])),
    params(FileParams), request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = LoadView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn load_events_file(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<FileParams>,
    req: Request,
) -> ApiResult<Response> {
    file_job(s, auth, p, req, Feed::Events).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LoadParams {
    #[serde(default)]
    pub offset: u64,
    /// 1-200 (default 50).
    #[serde(default)]
    pub limit: Option<u64>,
}

/// A page of loads.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoadPage {
    pub items: Vec<LoadView>,
    pub total: u64,
}

/// The feed loads, newest first, with their counts (`book.load`).
#[utoipa::path(get, path = "/api/v1/book/loads", tag = "book", security(("bearer" = [])),
    params(LoadParams), responses((status = 200, body = LoadPage), (status = 403, body = Problem)))]
pub async fn loads(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<LoadParams>,
) -> ApiResult<axum::Json<LoadPage>> {
    let (items, total) =
        uc::loads::loads(&s.app, &auth.actor, p.offset, p.limit.unwrap_or(50)).await?;
    Ok(axum::Json(LoadPage { items, total }))
}

/// One load with its first 1,000 rejected rows and their reasons.
#[utoipa::path(get, path = "/api/v1/book/loads/{id}", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = LoadReport), (status = 404, body = Problem)))]
pub async fn load(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<LoadReport>> {
    Ok(axum::Json(uc::loads::load(&s.app, &auth.actor, id).await?))
}

/// A customer's holdings of the latest business date, totals by kind, a year of month-end AUM and the
/// services the customer's segments entitle them to (account numbers masked; out of scope: 404).
#[utoipa::path(get, path = "/api/v1/customers/{id}/book", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = CustomerBook), (status = 404, body = Problem)))]
pub async fn customer_book(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<CustomerBook>> {
    Ok(axum::Json(
        uc::customer_book(&s.app, &auth.actor, id).await?,
    ))
}

/// A customer's insights (needs read from behaviour), newest first, with the figures and records behind
/// each (out of scope: 404).
#[utoipa::path(get, path = "/api/v1/customers/{id}/insights", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<InsightView>), (status = 404, body = Problem)))]
pub async fn insights(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<InsightView>>> {
    Ok(axum::Json(
        uc::insights::customer_insights(&s.app, &auth.actor, id).await?,
    ))
}

/// Marks an insight acted on (the manager followed it up; `note` says how), at the version read.
#[utoipa::path(post, path = "/api/v1/insights/{id}/act", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = InsightDecision,
    responses((status = 200, body = InsightView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn act_insight(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<InsightDecision>,
) -> ApiResult<axum::Json<InsightView>> {
    Ok(axum::Json(
        uc::insights::decide(&s.app, &auth.actor, id, InsightStep::Act, body.value).await?,
    ))
}

/// Sets an insight aside, saying why (`note` required), at the version read.
#[utoipa::path(post, path = "/api/v1/insights/{id}/dismiss", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = InsightDecision,
    responses((status = 200, body = InsightView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn dismiss_insight(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<InsightDecision>,
) -> ApiResult<axum::Json<InsightView>> {
    Ok(axum::Json(
        uc::insights::decide(&s.app, &auth.actor, id, InsightStep::Dismiss, body.value).await?,
    ))
}

/// Opens the follow-up of an insight: a task (call, visit, meeting or message) for the customer's manager,
/// due on the day given (today to 90 days ahead), carried out by logging the contact with its `task_id`; the
/// insight reads as acted on. Idempotent with an Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/insights/{id}/follow-up", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = FollowUpInput,
    responses((status = 201, body = InsightView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn follow_up_insight(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<FollowUpInput>,
) -> ApiResult<(StatusCode, axum::Json<InsightView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::insights::follow_up(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// The insight report for the insights made on the days asked, within your scope: per rule and in total,
/// how many were made, acted on, set aside, expired, followed up by a task (and done), and converted — a
/// sale or application the gate let through within `book.insight_conversion_days` of the insight.
#[utoipa::path(get, path = "/api/v1/insights/report", tag = "book", security(("bearer" = [])),
    params(ReportDays), responses((status = 200, body = InsightReport), (status = 422, body = Problem)))]
pub async fn insight_report(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ReportDays>,
) -> ApiResult<axum::Json<InsightReport>> {
    Ok(axum::Json(
        uc::insights::report(&s.app, &auth.actor, q.from, q.to).await?,
    ))
}

/// Open, unexpired insights on the customers in your scope, newest first (at most 100).
#[utoipa::path(get, path = "/api/v1/insights", tag = "book", security(("bearer" = [])),
    responses((status = 200, body = Vec<OpenInsight>)))]
pub async fn open_insights(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<OpenInsight>>> {
    Ok(axum::Json(
        uc::insights::open_insights(&s.app, &auth.actor, 100).await?,
    ))
}

/// The days of the large-value report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportDays {
    /// The first day (`YYYY-MM-DD`).
    #[param(value_type = String, format = Date)]
    pub from: jiff::civil::Date,
    /// The last day, at most 366 days after the first.
    #[param(value_type = String, format = Date)]
    pub to: jiff::civil::Date,
}

/// The large-value report (`monitoring.report`): per customer, day, criterion and side, the count and the
/// total in CNY fen, by day and customer number; audited as an export.
#[utoipa::path(get, path = "/api/v1/monitoring/large-value", tag = "book", security(("bearer" = [])),
    params(ReportDays), responses((status = 200, body = Vec<LargeValueLine>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn large_value(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ReportDays>,
) -> ApiResult<axum::Json<Vec<LargeValueLine>>> {
    Ok(axum::Json(
        monitoring::large_value_report(&s.app, &auth.actor, q.from, q.to).await?,
    ))
}

/// Records a sale or application of the customer through the gate (`customer.update`, in scope): answered
/// 201 with the gate's decision — `refused` names the action the customer's risk measures block and the
/// rating. Idempotent with an Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/customers/{id}/sales", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SaleInput,
    responses((status = 201, body = SaleView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_sale(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<SaleInput>,
) -> ApiResult<(StatusCode, axum::Json<SaleView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(sales::record_sale(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// A customer's sales and applications, newest first (at most 100).
#[utoipa::path(get, path = "/api/v1/customers/{id}/sales", tag = "book", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<SaleView>), (status = 404, body = Problem)))]
pub async fn customer_sales(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<SaleView>>> {
    Ok(axum::Json(
        sales::customer_sales(&s.app, &auth.actor, id).await?,
    ))
}

/// How many requests the gate refused on the days asked for, per blocked action and rating, within the
/// caller's scope.
#[utoipa::path(get, path = "/api/v1/sales/refusals", tag = "book", security(("bearer" = [])),
    params(ReportDays), responses((status = 200, body = Vec<RefusalCount>), (status = 422, body = Problem)))]
pub async fn sale_refusals(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ReportDays>,
) -> ApiResult<axum::Json<Vec<RefusalCount>>> {
    Ok(axum::Json(
        sales::refusal_counts(&s.app, &auth.actor, q.from, q.to).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CatalogueImportParams {
    /// `true`: say what the file would do and write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The file's name (an `.xlsx` name is read as a workbook; otherwise CSV).
    #[serde(default)]
    pub file_name: Option<String>,
}

/// Imports the catalogue from a CSV or XLSX file (`product.manage`): each row adds a product, changes one
/// (a new version, its fields audited) or changes nothing; a refused row names its column and rule, the
/// rest land together. `dry_run=true` previews the same report and writes nothing.
#[utoipa::path(post, path = "/api/v1/products/import", tag = "book", security(("bearer" = [])),
    params(CatalogueImportParams), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = CatalogueReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_catalogue(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<CatalogueImportParams>,
    req: Request,
) -> ApiResult<axum::Json<CatalogueReport>> {
    let bytes = read_body(req, s.import_limit).await?;
    let xlsx = p
        .file_name
        .as_deref()
        .is_some_and(|n| n.to_lowercase().ends_with(".xlsx"));
    Ok(axum::Json(
        catalogue::import(
            &s.app,
            &auth.actor,
            &bytes,
            xlsx,
            &crate::ui::catalogue_words(&s.app),
            p.dry_run,
        )
        .await?,
    ))
}
