//! Customer acquisition over HTTP: leads (capture, read, reveal, edit, work), the pipeline's board and the
//! partner institutions.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, IfMatch, Json, Query};
use axum::Router;
use axum::extract::Request;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use banyan_app::acquisition::campaigns::{CampaignInput, CampaignView};
use banyan_app::acquisition::effectiveness::{EffectQuery, Effectiveness};
use banyan_app::acquisition::market::{MarketInput, MarketLine};
use banyan_app::acquisition::meetings::{MeetingInput, MeetingPage, MeetingView};
use banyan_app::acquisition::papers::LeadFileView;
use banyan_app::acquisition::risk::{PartnerAlertPage, PartnerAlertQuery, RiskInput, WatchReport};
use banyan_app::acquisition::trend::{Trend, TrendQuery};
use banyan_app::acquisition::{
    self as uc, Board, BoardQuery, Funnel, FunnelQuery, LeadInput, LeadPage, LeadQuery, LeadView,
    LeadWork, PaperWork, PartnerInput, PartnerView, ProposalInput, TargetInput, TargetLine,
    TargetQuery, TargetReport,
};
use banyan_app::acquisition::{CalendarVisit, LeadVisitInput, TeamInput, VisitWork};
use banyan_app::book::sales::{SaleInput, SaleView};
use banyan_app::segments::alerts::AlertClose;
use banyan_domain::ids::{LeadFileId, LeadId, LeadVisitId, MeetingActionId, MeetingId};
use serde::Deserialize;

/// The routes of this module; `creating` makes a creating POST idempotent.
pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route("/api/v1/leads", get(list).merge(creating(post(create))))
        .route("/api/v1/leads/board", get(board))
        .route("/api/v1/leads/funnel", get(funnel))
        .route("/api/v1/leads/funnel/export", get(funnel_export))
        .route("/api/v1/leads/effectiveness", get(effectiveness))
        .route(
            "/api/v1/leads/effectiveness/series",
            get(effectiveness_series),
        )
        .route(
            "/api/v1/leads/effectiveness/export",
            get(effectiveness_export),
        )
        .route(
            "/api/v1/leads/targets",
            get(targets).merge(creating(post(set_target))),
        )
        .route(
            "/api/v1/leads/market",
            get(market).merge(creating(post(set_market))),
        )
        .route("/api/v1/leads/{id}", get(lead).put(update))
        .route("/api/v1/leads/{id}/actions", post(act))
        .route("/api/v1/leads/visits", get(my_visits))
        .route(
            "/api/v1/leads/campaigns",
            get(campaigns).merge(creating(post(create_campaign))),
        )
        .route(
            "/api/v1/leads/meetings",
            get(meetings).merge(creating(post(record_meeting))),
        )
        .route(
            "/api/v1/leads/meetings/{id}/actions/{action}/done",
            post(action_done),
        )
        .route("/api/v1/leads/{id}/visits", creating(post(plan_visit)))
        .route("/api/v1/leads/{id}/visits/{visit}", post(visit))
        .route("/api/v1/leads/{id}/proposals", creating(post(propose)))
        .route("/api/v1/leads/{id}/sales", creating(post(record_sale)))
        .route("/api/v1/leads/{id}/team", post(team))
        .route("/api/v1/leads/{id}/risks", post(respond_risk))
        .route("/api/v1/leads/risk/watch", post(run_watch))
        .route("/api/v1/leads/risk/partner-alerts", get(partner_alerts))
        .route(
            "/api/v1/leads/risk/partner-alerts/{id}/close",
            post(close_partner_alert),
        )
        .route("/api/v1/leads/{id}/papers", post(papers))
        .route("/api/v1/leads/{id}/files", creating(post(attach)))
        .route("/api/v1/leads/{id}/files/{file}", get(file))
        .route(
            "/api/v1/partners",
            get(partners).merge(creating(post(create_partner))),
        )
}

/// Captures a lead from any channel: contact data encrypted, the source and the lawful basis recorded,
/// refused when a customer or an open lead already holds its mobile number or identifier.
#[utoipa::path(post, path = "/api/v1/leads", tag = "acquisition", security(("bearer" = [])), request_body = LeadInput,
    responses((status = 201, body = LeadView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<LeadInput>,
) -> ApiResult<(StatusCode, axum::Json<LeadView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::leads::create(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Leads in your scope, newest first, with how many the filters hold.
#[utoipa::path(get, path = "/api/v1/leads", tag = "acquisition", security(("bearer" = [])), params(LeadQuery),
    responses((status = 200, body = LeadPage), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<LeadQuery>,
) -> ApiResult<axum::Json<LeadPage>> {
    Ok(axum::Json(uc::leads::list(&s.app, &auth.actor, q).await?))
}

/// The pipeline: a column per stage with its count, its ageing and its longest-waiting leads.
#[utoipa::path(get, path = "/api/v1/leads/board", tag = "acquisition", security(("bearer" = [])), params(BoardQuery),
    responses((status = 200, body = Board)))]
pub async fn board(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> ApiResult<axum::Json<Board>> {
    Ok(axum::Json(uc::board::board(&s.app, &auth.actor, q).await?))
}

/// The conversion funnel of the leads captured in a period: how many reached each stage, were won,
/// rejected and lost, by channel, partner, owner or branch.
#[utoipa::path(get, path = "/api/v1/leads/funnel", tag = "acquisition", security(("bearer" = [])), params(FunnelQuery),
    responses((status = 200, body = Funnel), (status = 422, body = Problem)))]
pub async fn funnel(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<FunnelQuery>,
) -> ApiResult<axum::Json<Funnel>> {
    Ok(axum::Json(
        uc::funnel::funnel(&s.app, &auth.actor, q).await?,
    ))
}

/// A period's acquisition targets beside their actuals (leads captured and qualified, new individual and
/// corporate customers), with the gap and the attainment.
#[utoipa::path(get, path = "/api/v1/leads/targets", tag = "acquisition", security(("bearer" = [])), params(TargetQuery),
    responses((status = 200, body = TargetReport), (status = 422, body = Problem)))]
pub async fn targets(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<TargetQuery>,
) -> ApiResult<axum::Json<TargetReport>> {
    Ok(axum::Json(
        uc::targets::report(&s.app, &auth.actor, q).await?,
    ))
}

/// Sets a target for a period and an owner (setting it again replaces its value; `target.manage`).
#[utoipa::path(post, path = "/api/v1/leads/targets", tag = "acquisition", security(("bearer" = [])), request_body = TargetInput,
    responses((status = 201, body = TargetLine), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_target(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<TargetInput>,
) -> ApiResult<(StatusCode, axum::Json<TargetLine>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::targets::set_target(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Which period's market figures to read.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MarketQuery {
    pub period: banyan_domain::acquisition::targets::TargetPeriod,
    /// The period's first day, `YYYY-MM-DD`.
    pub starts_on: String,
}

/// The market's figures of a period that the market-share targets are read against: a bank-wide reader's
/// all, the others' their branch's area's.
#[utoipa::path(get, path = "/api/v1/leads/market", tag = "acquisition", security(("bearer" = [])), params(MarketQuery),
    responses((status = 200, body = Vec<MarketLine>)))]
pub async fn market(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<MarketQuery>,
) -> ApiResult<axum::Json<Vec<MarketLine>>> {
    Ok(axum::Json(
        uc::market::market(&s.app, &auth.actor, q.period, q.starts_on.trim()).await?,
    ))
}

/// Records the market's figure of a period for the bank or a branch's area (recording it again replaces
/// it; `target.manage`, within the recorder's reach: `403 target_scope`).
#[utoipa::path(post, path = "/api/v1/leads/market", tag = "acquisition", security(("bearer" = [])), request_body = MarketInput,
    responses((status = 201, body = MarketLine), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_market(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<MarketInput>,
) -> ApiResult<(StatusCode, axum::Json<MarketLine>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::market::set_market(&s.app, &auth.actor, body.value).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GetParams {
    /// `true`: the contact data in full (`customer.reveal`; audited).
    #[serde(default)]
    pub reveal: bool,
}

/// One lead (by id or lead number) with its screening and history.
#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "acquisition", security(("bearer" = [])), params(("id" = String, Path, description = "id or lead number"), GetParams),
    responses((status = 200, body = LeadView), (status = 404, body = Problem)))]
pub async fn lead(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(p): Query<GetParams>,
) -> ApiResult<axum::Json<LeadView>> {
    let id = match id.parse::<LeadId>() {
        Ok(id) => id,
        Err(_) => uc::leads::get_by_no(&s.app, &auth.actor, &id).await?.id,
    };
    Ok(axum::Json(if p.reveal {
        uc::leads::reveal(&s.app, &auth.actor, id).await?
    } else {
        uc::leads::get(&s.app, &auth.actor, id).await?
    }))
}

/// Edits an open lead: the whole form again, with `If-Match` carrying the version read. A screened lead
/// whose data changed goes back to `new`.
#[utoipa::path(put, path = "/api/v1/leads/{id}", tag = "acquisition", security(("bearer" = [])), params(("id" = LeadId, Path)),
    request_body = LeadInput,
    responses((status = 200, body = LeadView), (status = 409, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn update(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    IfMatch(version): IfMatch,
    body: Json<LeadInput>,
) -> ApiResult<axum::Json<LeadView>> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok(axum::Json(
        uc::leads::update(&s.app, &auth.actor, id, body.value, version).await?,
    ))
}

/// Works a lead (`If-Match` with the version read refuses acting on a changed lead): `screen`, `accept`,
/// `reject` (with `reason`), `ask_more`, `override` (supervisors), `advance`, `lose` (with `reason`),
/// `reopen`.
#[utoipa::path(post, path = "/api/v1/leads/{id}/actions", tag = "acquisition", security(("bearer" = [])), params(("id" = LeadId, Path)),
    request_body = LeadWork,
    responses((status = 200, body = LeadView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    IfMatch(version): IfMatch,
    body: Json<LeadWork>,
) -> ApiResult<axum::Json<LeadView>> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok(axum::Json(
        uc::work::act(&s.app, &auth.actor, id, body.value, version).await?,
    ))
}

/// The partner institutions, with how many leads each brought and what became of them.
#[utoipa::path(get, path = "/api/v1/partners", tag = "acquisition", security(("bearer" = [])),
    responses((status = 200, body = [PartnerView])))]
pub async fn partners(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<PartnerView>>> {
    Ok(axum::Json(uc::board::partners(&s.app, &auth.actor).await?))
}

/// Records a partner institution (`partner.manage`).
#[utoipa::path(post, path = "/api/v1/partners", tag = "acquisition", security(("bearer" = [])), request_body = PartnerInput,
    responses((status = 201, body = PartnerView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_partner(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<PartnerInput>,
) -> ApiResult<(StatusCode, axum::Json<PartnerView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::board::create_partner(&s.app, &auth.actor, body.value).await?),
    ))
}

/// A new round of the proposal on a lead at the proposal stage: content, terms, pricing, obligations and
/// products from the catalogue; a later round names what changed (`If-Match`: the lead's version).
#[utoipa::path(post, path = "/api/v1/leads/{id}/proposals", tag = "acquisition", security(("bearer" = [])), params(("id" = LeadId, Path)),
    request_body = ProposalInput,
    responses((status = 201, body = LeadView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn propose(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    IfMatch(version): IfMatch,
    body: Json<ProposalInput>,
) -> ApiResult<(StatusCode, axum::Json<LeadView>)> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::deal::propose(&s.app, &auth.actor, id, body.value, version).await?),
    ))
}

/// Plans a visit to a lead (purpose, time, method, who goes, its preparation; a key lead's plan prepared in
/// full). The first plan moves a qualified lead to `visiting` (`If-Match`: the lead's version).
#[utoipa::path(post, path = "/api/v1/leads/{id}/visits", tag = "acquisition", security(("bearer" = [])), params(("id" = LeadId, Path)),
    request_body = LeadVisitInput,
    responses((status = 201, body = LeadView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn plan_visit(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    IfMatch(version): IfMatch,
    body: Json<LeadVisitInput>,
) -> ApiResult<(StatusCode, axum::Json<LeadView>)> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::visits::plan(&s.app, &auth.actor, id, body.value, version).await?),
    ))
}

/// Records the account opening (`account_opening` with the account's number as the core system gave it) or
/// a product the new customer signed, of a won lead, through the book's one gate (the customer's risk
/// measures, then suitability): answered 201 with the gate's record — `refused` names the blocked action
/// and the rating. The registry must have verified the customer (`409 customer_not_verified`); a product
/// needs an account (`409 account_not_opened`); an account is recorded once (`409 duplicate_account`).
/// Idempotent with an Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/leads/{id}/sales", tag = "acquisition", security(("bearer" = [])), params(("id" = LeadId, Path)),
    request_body = SaleInput,
    responses((status = 201, body = SaleView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_sale(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    body: Json<SaleInput>,
) -> ApiResult<(StatusCode, axum::Json<SaleView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::opening::record_sale(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Names the deal's product manager or operations person (`{"role", "staff"}`), or takes the part off the
/// team (`staff` absent): one of each, among the staff who may work the lead, never its owner
/// (`If-Match`: the lead's version). The one named is told.
#[utoipa::path(post, path = "/api/v1/leads/{id}/team", tag = "acquisition", security(("bearer" = [])), params(("id" = LeadId, Path)),
    request_body = TeamInput,
    responses((status = 200, body = LeadView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn team(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    IfMatch(version): IfMatch,
    body: Json<TeamInput>,
) -> ApiResult<axum::Json<LeadView>> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok(axum::Json(
        uc::team::assign(&s.app, &auth.actor, id, body.value, version).await?,
    ))
}

/// Records a planned visit (`record`: `summary`, `outcome`, `opinions`, `next_step`, `held_at`) or cancels
/// it (`cancel` with `reason`). From `visiting`, the outcome `proceed` moves the lead to `proposal`
/// (`If-Match`: the lead's version).
#[utoipa::path(post, path = "/api/v1/leads/{id}/visits/{visit}", tag = "acquisition", security(("bearer" = [])),
    params(("id" = LeadId, Path), ("visit" = LeadVisitId, Path)),
    request_body = VisitWork,
    responses((status = 200, body = LeadView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn visit(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, visit)): Path<(LeadId, LeadVisitId)>,
    IfMatch(version): IfMatch,
    body: Json<VisitWork>,
) -> ApiResult<axum::Json<LeadView>> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok(axum::Json(
        uc::visits::act(&s.app, &auth.actor, id, visit, body.value, version).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VisitsParams {
    /// The first day (`YYYY-MM-DD`, the bank's time zone); today by default.
    pub from: Option<String>,
    /// The last day, inclusive; 30 days after `from` by default, at most 366.
    pub to: Option<String>,
}

/// The caller's visits to leads between two days (cancelled ones left out): their calendar's.
#[utoipa::path(get, path = "/api/v1/leads/visits", tag = "acquisition", security(("bearer" = [])), params(VisitsParams),
    responses((status = 200, body = [CalendarVisit]), (status = 422, body = Problem)))]
pub async fn my_visits(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<VisitsParams>,
) -> ApiResult<axum::Json<Vec<CalendarVisit>>> {
    Ok(axum::Json(
        uc::visits::my_visits_between(&s.app, &auth.actor, p.from.as_deref(), p.to.as_deref())
            .await?,
    ))
}

/// Works a lead's papers (`If-Match`: the lead's version): `agree_proposal` (with `round`),
/// `submit_contract`, `approve_contract` (with every item of the legal check list in `checked`),
/// `return_contract` (with `note`), `sign_contract` (`signed_on`, `signatories`, the signed copy attached
/// first), `submit_application` (every document attached), `approve_application` (every document in
/// `checked`), `return_application`. Approving and returning: a second person (`lead.review`).
#[utoipa::path(post, path = "/api/v1/leads/{id}/papers", tag = "acquisition", security(("bearer" = [])), params(("id" = LeadId, Path)),
    request_body = PaperWork,
    responses((status = 200, body = LeadView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn papers(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    IfMatch(version): IfMatch,
    body: Json<PaperWork>,
) -> ApiResult<axum::Json<LeadView>> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok(axum::Json(
        uc::deal::act(&s.app, &auth.actor, id, body.value, version).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttachParams {
    /// What the file is: `signed_contract`, or a code of the application's document list.
    pub doc: String,
    pub filename: String,
}

/// Attaches a document to a lead (the request body, at most 10 MiB; stored encrypted).
#[utoipa::path(post, path = "/api/v1/leads/{id}/files", tag = "acquisition", security(("bearer" = [])),
    params(("id" = LeadId, Path), AttachParams), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = LeadFileView), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    Query(p): Query<AttachParams>,
    req: Request,
) -> ApiResult<(StatusCode, axum::Json<LeadFileView>)> {
    let bytes = crate::extract::read_body(req, banyan_app::files::FILE_MAX_BYTES + 1).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::papers::attach(&s.app, &auth.actor, id, &p.doc, &p.filename, &bytes).await?),
    ))
}

/// Opens a lead's document (audited).
#[utoipa::path(get, path = "/api/v1/leads/{id}/files/{file}", tag = "acquisition", security(("bearer" = [])),
    params(("id" = LeadId, Path), ("file" = LeadFileId, Path)), responses((status = 200, description = "the file"), (status = 404, body = Problem)))]
pub async fn file(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, file)): Path<(LeadId, LeadFileId)>,
) -> ApiResult<Response> {
    let (v, bytes) = uc::papers::file(&s.app, &auth.actor, id, file).await?;
    Ok(crate::extract::download(
        &v.filename,
        &v.content_type,
        bytes,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeetingsParams {
    /// Meetings to skip (newest first).
    #[serde(default)]
    pub offset: u64,
    /// At most this many (1–100; 20 by default).
    pub limit: Option<u64>,
}

/// The acquisition team's meetings the caller may read (their branch's; every branch's for a bank-wide
/// role), newest first, with `total`, and the caller's open actions.
#[utoipa::path(get, path = "/api/v1/leads/meetings", tag = "acquisition", security(("bearer" = [])), params(MeetingsParams),
    responses((status = 200, body = MeetingPage)))]
pub async fn meetings(
    State(s): State<AppState>,
    auth: Auth,
    Query(p): Query<MeetingsParams>,
) -> ApiResult<axum::Json<MeetingPage>> {
    Ok(axum::Json(
        uc::meetings::list(&s.app, &auth.actor, p.offset, p.limit.unwrap_or(20)).await?,
    ))
}

/// Records a team meeting of the caller's branch: when, who attended, the topic, the minutes and the actions
/// agreed (each given to an attendee with its day; they are told). Idempotent with an Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/leads/meetings", tag = "acquisition", security(("bearer" = [])), request_body = MeetingInput,
    responses((status = 201, body = MeetingView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn record_meeting(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<MeetingInput>,
) -> ApiResult<(StatusCode, axum::Json<MeetingView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::meetings::record(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Marks a meeting's action done (its owner, or a supervisor).
#[utoipa::path(post, path = "/api/v1/leads/meetings/{id}/actions/{action}/done", tag = "acquisition", security(("bearer" = [])),
    params(("id" = MeetingId, Path), ("action" = MeetingActionId, Path)),
    responses((status = 200, body = MeetingView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn action_done(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(MeetingId, MeetingActionId)>,
) -> ApiResult<axum::Json<MeetingView>> {
    Ok(axum::Json(
        uc::meetings::done(&s.app, &auth.actor, id, action).await?,
    ))
}

/// The acquisition campaigns the caller reads (the bank's and their branch's; every one for a bank-wide
/// role), each with its strategy, channels, partners, period and own targets beside what it brought.
#[utoipa::path(get, path = "/api/v1/leads/campaigns", tag = "acquisition", security(("bearer" = [])),
    responses((status = 200, body = [CampaignView])))]
pub async fn campaigns(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<CampaignView>>> {
    Ok(axum::Json(uc::campaigns::list(&s.app, &auth.actor).await?))
}

/// Creates an acquisition campaign (`target.manage`: a supervisor's is their branch's, a bank-wide role's
/// the bank's). Idempotent with an Idempotency-Key.
#[utoipa::path(post, path = "/api/v1/leads/campaigns", tag = "acquisition", security(("bearer" = [])), request_body = CampaignInput,
    responses((status = 201, body = CampaignView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_campaign(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<CampaignInput>,
) -> ApiResult<(StatusCode, axum::Json<CampaignView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::campaigns::create(&s.app, &auth.actor, body.value).await?),
    ))
}

/// The funnel as an XLSX workbook with stable column names and codes (audited `lead.funnel.export`): one row
/// per breakdown value, the total, the period before and the growth.
#[utoipa::path(get, path = "/api/v1/leads/funnel/export", tag = "acquisition", security(("bearer" = [])), params(FunnelQuery),
    responses((status = 200, description = "funnel.xlsx"), (status = 422, body = Problem)))]
pub async fn funnel_export(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<FunnelQuery>,
) -> ApiResult<Response> {
    let bytes =
        uc::funnel::export_xlsx(&s.app, &auth.actor, q, &banyan_app::tabular::Codes).await?;
    Ok(crate::api::cases::xlsx_named(
        bytes,
        "attachment; filename=\"funnel.xlsx\"",
    ))
}

/// Records a response to one of an open deal's risks (`{"kind", "response", "note"}`: avoid, reduce,
/// transfer or accept, with why) — kept with the level the risk has now (`If-Match`: the lead's version). A
/// risk rated high needs one before the contract or the application goes to review (`409
/// risk_unanswered`); a response to avoid a risk stops the deal there (`409 risk_avoided`).
#[utoipa::path(post, path = "/api/v1/leads/{id}/risks", tag = "acquisition", security(("bearer" = [])), params(("id" = LeadId, Path)),
    request_body = RiskInput,
    responses((status = 200, body = LeadView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn respond_risk(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<LeadId>,
    IfMatch(version): IfMatch,
    body: Json<RiskInput>,
) -> ApiResult<axum::Json<LeadView>> {
    let version = version.map(|v| i32::try_from(v).unwrap_or(-1));
    Ok(axum::Json(
        uc::risk::respond(&s.app, &auth.actor, id, body.value, version).await?,
    ))
}

/// Runs the acquisition risk watch now, as the nightly job does (`partner.manage`, or compliance): new
/// customers overdue or complaining within the policy's days get a warning in the alert queue, partners
/// rejected above the rate one in the partners' warnings; what is open stays as it is. Audited.
#[utoipa::path(post, path = "/api/v1/leads/risk/watch", tag = "acquisition", security(("bearer" = [])),
    responses((status = 200, body = WatchReport), (status = 403, body = Problem)))]
pub async fn run_watch(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<WatchReport>> {
    Ok(axum::Json(uc::risk::run_watch(&s.app, &auth.actor).await?))
}

/// The warnings about partners whose leads are rejected above the policy's rate, open before closed, with
/// `total` and whether the caller may dispose of them.
#[utoipa::path(get, path = "/api/v1/leads/risk/partner-alerts", tag = "acquisition", security(("bearer" = [])), params(PartnerAlertQuery),
    responses((status = 200, body = PartnerAlertPage), (status = 422, body = Problem)))]
pub async fn partner_alerts(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<PartnerAlertQuery>,
) -> ApiResult<axum::Json<PartnerAlertPage>> {
    Ok(axum::Json(
        uc::risk::partner_alerts(&s.app, &auth.actor, q).await?,
    ))
}

/// Disposes of a partner's warning (`{"resolution", "disposition"}`: explained, false_positive or
/// followed_up) — `partner.manage`, or compliance; audited.
#[utoipa::path(post, path = "/api/v1/leads/risk/partner-alerts/{id}/close", tag = "acquisition", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    request_body = AlertClose,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_partner_alert(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<uuid::Uuid>,
    body: Json<AlertClose>,
) -> ApiResult<StatusCode> {
    uc::risk::close_partner_alert(&s.app, &auth.actor, id, body.value).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The effectiveness report of a period (`from`, `to`; at most 366 days): the customers won, what they
/// brought by the book's latest figures, their risk ratings and activity after 90 days, beside the period
/// before with the growth; and the open leads' ageing by stage. Within the caller's scope.
#[utoipa::path(get, path = "/api/v1/leads/effectiveness", tag = "acquisition", security(("bearer" = [])), params(EffectQuery),
    responses((status = 200, body = Effectiveness), (status = 422, body = Problem)))]
pub async fn effectiveness(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<EffectQuery>,
) -> ApiResult<axum::Json<Effectiveness>> {
    Ok(axum::Json(
        uc::effectiveness::report(&s.app, &auth.actor, q).await?,
    ))
}

/// The effectiveness report over time: the same figures for each of the last months, quarters, half-years
/// or years up to the current one (`period`, `count` 1 to 12, default 6 months), oldest first, within the
/// caller's scope.
#[utoipa::path(get, path = "/api/v1/leads/effectiveness/series", tag = "acquisition", security(("bearer" = [])), params(TrendQuery),
    responses((status = 200, body = Trend), (status = 422, body = Problem)))]
pub async fn effectiveness_series(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<TrendQuery>,
) -> ApiResult<axum::Json<Trend>> {
    Ok(axum::Json(uc::trend::trend(&s.app, &auth.actor, q).await?))
}

/// The series as an XLSX workbook with stable column names (audited `lead.effectiveness.export`): one row
/// per period, amounts in yuan.
#[utoipa::path(get, path = "/api/v1/leads/effectiveness/export", tag = "acquisition", security(("bearer" = [])), params(TrendQuery),
    responses((status = 200, description = "effectiveness.xlsx"), (status = 422, body = Problem)))]
pub async fn effectiveness_export(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<TrendQuery>,
) -> ApiResult<Response> {
    let bytes = uc::trend::export_xlsx(&s.app, &auth.actor, q, &banyan_app::tabular::Codes).await?;
    Ok(crate::api::cases::xlsx_named(
        bytes,
        "attachment; filename=\"effectiveness.xlsx\"",
    ))
}
