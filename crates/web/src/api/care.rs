//! Care for customers in critical illness or hardship over HTTP (seed 003): leads, verification,
//! registration, the team and its tasks, measures, the compartment (every read audited) and its access
//! review, and the adjustments every screen of the customer shows.

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, Json, Query};
use axum::Router;
use axum::extract::Request;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{MethodRouter, get, post, put};
use banyan_app::care::ReviewQuery;
use banyan_app::care::compartment::{NoteInput, WithdrawInput};
use banyan_app::care::documents::{DocumentMeta, DocumentView};
use banyan_app::care::hospitals::{HospitalInput, HospitalView};
use banyan_app::care::report::CareReport;
use banyan_app::care::watch::CollectionHold;
use banyan_app::care::{
    self as uc, AccessReview, Adjustments, CareList, CareQuery, CareTeamInput, CareView,
    CompartmentView, DecisionInput, EndInput, GlassInput, GrantInput, MeasureAction, MeasureInput,
    MyCareTask, RegistrationInput, ReportInput, ReviewInput,
};
use banyan_domain::care::documents::{DocumentKind, SigningMethod};
use banyan_domain::ids::{CareGrantId, CareId, CareMeasureId, CareTaskId, CustomerId, StaffId};
use serde::Deserialize;
use uuid::Uuid;

/// The routes of this module; `creating` makes a creating POST idempotent.
pub fn routes(
    r: Router<AppState>,
    creating: impl Fn(MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> Router<AppState> {
    r.route("/api/v1/care", get(list).merge(creating(post(report))))
        .route("/api/v1/care/tasks", get(my_tasks))
        .route("/api/v1/care/access-review", get(access_review))
        .route("/api/v1/care/report", get(supervision))
        .route("/api/v1/care/{id}", get(record))
        .route("/api/v1/care/{id}/decision", post(decide))
        .route("/api/v1/care/{id}/registration", post(register))
        .route("/api/v1/care/{id}/end", post(end))
        .route("/api/v1/care/{id}/team", post(team))
        .route("/api/v1/care/{id}/team/confirm", post(confirm_terms))
        .route("/api/v1/care/{id}/tasks/{task}/done", post(task_done))
        .route("/api/v1/care/{id}/measures", creating(post(add_measure)))
        .route("/api/v1/care/{id}/measures/{measure}", post(move_measure))
        .route("/api/v1/care/{id}/compartment", get(compartment))
        .route(
            "/api/v1/care/{id}/compartment/notes",
            creating(post(add_note)),
        )
        .route("/api/v1/care/{id}/consent/withdraw", post(withdraw))
        .route("/api/v1/care/{id}/grants", creating(post(grant)))
        .route("/api/v1/care/{id}/grants/{grant}/revoke", post(revoke))
        .route("/api/v1/care/{id}/grants/{grant}/review", post(review))
        .route("/api/v1/care/{id}/break-glass", creating(post(break_glass)))
        .route("/api/v1/care/{id}/documents", post(attach))
        .route("/api/v1/care/{id}/documents/{document}", get(document))
        .route(
            "/api/v1/care/hospitals",
            get(hospitals).merge(creating(post(add_hospital))),
        )
        .route("/api/v1/care/hospitals/{hospital}", put(update_hospital))
        .route("/api/v1/care/collection-holds", get(collection_holds))
        .route("/api/v1/customers/{id}/adjustments", get(adjustments))
}

/// Reports a customer who may be in critical illness or hardship (`care.report`): where it came from and
/// what was seen, kept in the record's compartment. One open record per customer (`409 already_open`).
#[utoipa::path(post, path = "/api/v1/care", tag = "care", security(("bearer" = [])), request_body = ReportInput,
    responses((status = 201, body = CareView), (status = 202, body = banyan_app::care::identify::ReportAdded, description = "the customer has an open record: the observation was added to it"), (status = 422, body = Problem)))]
pub async fn report(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<ReportInput>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    Ok(
        match uc::identify::report(&s.app, &auth.actor, body.value).await? {
            uc::identify::Reported::New(v) => (StatusCode::CREATED, axum::Json(*v)).into_response(),
            uc::identify::Reported::Added => (
                StatusCode::ACCEPTED,
                axum::Json(uc::identify::ReportAdded {
                    added_to_open_record: true,
                }),
            )
                .into_response(),
        },
    )
}

/// The care records the caller may see (their team's, their reports, and for supervisors those in scope),
/// newest first, with the count.
#[utoipa::path(get, path = "/api/v1/care", tag = "care", security(("bearer" = [])), params(CareQuery),
    responses((status = 200, body = CareList), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<CareQuery>,
) -> ApiResult<axum::Json<CareList>> {
    Ok(axum::Json(
        uc::identify::list(&s.app, &auth.actor, q).await?,
    ))
}

/// One care record without its compartment: status, team, tasks, measures, adjustments.
#[utoipa::path(get, path = "/api/v1/care/{id}", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    responses((status = 200, body = CareView), (status = 404, body = Problem)))]
pub async fn record(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(uc::get(&s.app, &auth.actor, id).await?))
}

/// A supervisor verifies a reported lead or rejects it with a reason (`care.manage`; not one's own report).
#[utoipa::path(post, path = "/api/v1/care/{id}/decision", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = CareView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<DecisionInput>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::identify::decide(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Registers a verified record: category, impact, the condition (sealed), the diagnosis only under a
/// separate consent covering it, adjustments, review date (`care.manage`). Sets the team's tasks.
#[utoipa::path(post, path = "/api/v1/care/{id}/registration", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = RegistrationInput,
    responses((status = 200, body = CareView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn register(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<RegistrationInput>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::identify::register(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Ends a registered record (the situation ended; `care.manage`); its detail is destroyed after retention.
#[utoipa::path(post, path = "/api/v1/care/{id}/end", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = EndInput,
    responses((status = 200, body = CareView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn end(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<EndInput>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::identify::end(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Names a member for a part of the team, or takes the part off (`staff` absent; `care.manage`).
#[utoipa::path(post, path = "/api/v1/care/{id}/team", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = CareTeamInput,
    responses((status = 200, body = CareView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn team(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<CareTeamInput>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::team::assign(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// The caller, a member of the team, confirms the confidentiality terms (the compartment opens to them).
#[utoipa::path(post, path = "/api/v1/care/{id}/team/confirm", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    responses((status = 200, body = CareView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn confirm_terms(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::team::confirm_terms(&s.app, &auth.actor, id).await?,
    ))
}

/// Marks a task done (its holder or a supervisor); a check-in done sets the next.
#[utoipa::path(post, path = "/api/v1/care/{id}/tasks/{task}/done", tag = "care", security(("bearer" = [])),
    params(("id" = CareId, Path), ("task" = CareTaskId, Path)),
    responses((status = 200, body = CareView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn task_done(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, task)): Path<(CareId, CareTaskId)>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::team::task_done(&s.app, &auth.actor, id, task).await?,
    ))
}

/// The caller's open care tasks, soonest first.
#[utoipa::path(get, path = "/api/v1/care/tasks", tag = "care", security(("bearer" = [])),
    responses((status = 200, body = Vec<MyCareTask>)))]
pub async fn my_tasks(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<MyCareTask>>> {
    Ok(axum::Json(uc::team::my_tasks(&s.app, &auth.actor).await?))
}

/// Records a measure (a member of the team): an emergency loan on its fast track, a fee waiver, account
/// help, a home visit, a wealth review, a referral…
#[utoipa::path(post, path = "/api/v1/care/{id}/measures", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = MeasureInput,
    responses((status = 201, body = CareView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_measure(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<MeasureInput>,
) -> ApiResult<(StatusCode, axum::Json<CareView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::measures::add(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Moves a measure: approve or decline (one supervisor, not the requester), complete with its outcome, or
/// cancel with a reason.
#[utoipa::path(post, path = "/api/v1/care/{id}/measures/{measure}", tag = "care", security(("bearer" = [])),
    params(("id" = CareId, Path), ("measure" = CareMeasureId, Path)), request_body = MeasureAction,
    responses((status = 200, body = CareView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_measure(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, measure)): Path<(CareId, CareMeasureId)>,
    body: Json<MeasureAction>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::measures::act(&s.app, &auth.actor, id, measure, body.value).await?,
    ))
}

/// Opens the compartment (the confirmed team, the verifying supervisor, a named supervisor in their period,
/// broken glass); anyone else `403 need_to_know`. Every read is audited.
#[utoipa::path(get, path = "/api/v1/care/{id}/compartment", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    responses((status = 200, body = CompartmentView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn compartment(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
) -> ApiResult<axum::Json<CompartmentView>> {
    Ok(axum::Json(
        uc::compartment::open(&s.app, &auth.actor, id).await?,
    ))
}

/// Adds a note to the compartment (a confirmed member of the team).
#[utoipa::path(post, path = "/api/v1/care/{id}/compartment/notes", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = NoteInput,
    responses((status = 201, body = CompartmentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_note(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<NoteInput>,
) -> ApiResult<(StatusCode, axum::Json<CompartmentView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::compartment::add_note(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// The customer withdraws a separate consent; what it covered is destroyed at once (`care.manage`).
#[utoipa::path(post, path = "/api/v1/care/{id}/consent/withdraw", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = WithdrawInput,
    responses((status = 200, body = CareView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<WithdrawInput>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::compartment::withdraw(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// Names a supervisor to read the compartment for a purpose until a day (`care.manage`).
#[utoipa::path(post, path = "/api/v1/care/{id}/grants", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = GrantInput,
    responses((status = 201, body = CareView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn grant(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<GrantInput>,
) -> ApiResult<(StatusCode, axum::Json<CareView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::compartment::grant(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// Withdraws a live grant before its day (`care.manage`).
#[utoipa::path(post, path = "/api/v1/care/{id}/grants/{grant}/revoke", tag = "care", security(("bearer" = [])),
    params(("id" = CareId, Path), ("grant" = CareGrantId, Path)),
    responses((status = 200, body = CareView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, grant)): Path<(CareId, CareGrantId)>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::compartment::revoke(&s.app, &auth.actor, id, grant).await?,
    ))
}

/// Reviews a break-glass access: justified, or not with a note (`care.manage`, not one's own).
#[utoipa::path(post, path = "/api/v1/care/{id}/grants/{grant}/review", tag = "care", security(("bearer" = [])),
    params(("id" = CareId, Path), ("grant" = CareGrantId, Path)), request_body = ReviewInput,
    responses((status = 200, body = CareView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, grant)): Path<(CareId, CareGrantId)>,
    body: Json<ReviewInput>,
) -> ApiResult<axum::Json<CareView>> {
    Ok(axum::Json(
        uc::compartment::review(&s.app, &auth.actor, id, grant, body.value).await?,
    ))
}

/// Breaks the glass with a reason (`care.report`, the customer in scope): the compartment opens for the
/// policy's hours; the team lead is told; a supervisor reviews it afterwards.
#[utoipa::path(post, path = "/api/v1/care/{id}/break-glass", tag = "care", security(("bearer" = [])), params(("id" = CareId, Path)),
    request_body = GlassInput,
    responses((status = 201, body = CompartmentView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn break_glass(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    body: Json<GlassInput>,
) -> ApiResult<(StatusCode, axum::Json<CompartmentView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::compartment::break_glass(&s.app, &auth.actor, id, body.value).await?),
    ))
}

/// The access review: per record in scope, who could read the compartment and who did (`care.manage`).
#[utoipa::path(get, path = "/api/v1/care/access-review", tag = "care", security(("bearer" = [])), params(ReviewQuery),
    responses((status = 200, body = AccessReview), (status = 422, body = Problem)))]
pub async fn access_review(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ReviewQuery>,
) -> ApiResult<axum::Json<AccessReview>> {
    Ok(axum::Json(
        uc::compartment::access_review(&s.app, &auth.actor, q).await?,
    ))
}

/// The programme's supervision report for a period (`care.manage`): where the records stand, handling times,
/// late duties, the check list, and registered customers' outcomes beside the others' (groups of ten or more).
#[utoipa::path(get, path = "/api/v1/care/report", tag = "care", security(("bearer" = [])), params(ReviewQuery),
    responses((status = 200, body = CareReport), (status = 422, body = Problem)))]
pub async fn supervision(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ReviewQuery>,
) -> ApiResult<axum::Json<CareReport>> {
    Ok(axum::Json(
        uc::report::report(&s.app, &auth.actor, q).await?,
    ))
}

/// What every screen of the customer shows (`customer.read`): whether they need adjustments and which —
/// never why — with the advice line and who to ask.
#[utoipa::path(get, path = "/api/v1/customers/{id}/adjustments", tag = "care", security(("bearer" = [])), params(("id" = CustomerId, Path)),
    responses((status = 200, body = Adjustments), (status = 404, body = Problem)))]
pub async fn adjustments(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CustomerId>,
) -> ApiResult<axum::Json<Adjustments>> {
    Ok(axum::Json(
        uc::adjustments_of(&s.app, &auth.actor, id).await?,
    ))
}

/// What a document is and how it was signed, beside its bytes (the request body).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocumentParams {
    /// The file's name; its extension decides the type (pdf, png, jpg, txt, eml, docx, xlsx, mp3, wav).
    pub filename: String,
    #[param(value_type = String)]
    pub kind: DocumentKind,
    /// What the document is about, in a line.
    pub subject: String,
    #[param(value_type = String)]
    pub signing: SigningMethod,
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    pub signed_on: Option<jiff::civil::Date>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<Uuid>)]
    pub witness: Option<StaffId>,
}

/// Files a document in the compartment (`care.work`, a confirmed member of the team): the file is the body
/// (at most 10 MiB), sealed under the record's key with its subject and name; how it was signed is checked (a
/// day; a reference for an electronic or video signature; a witness from the team for a video one).
#[utoipa::path(post, path = "/api/v1/care/{id}/documents", tag = "care", security(("bearer" = [])),
    params(("id" = CareId, Path), DocumentParams), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = DocumentView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<CareId>,
    Query(p): Query<DocumentParams>,
    req: Request,
) -> ApiResult<(StatusCode, axum::Json<DocumentView>)> {
    let bytes = crate::extract::read_body(req, banyan_app::files::FILE_MAX_BYTES + 1).await?;
    let meta = DocumentMeta {
        kind: p.kind,
        subject: p.subject,
        signing: p.signing,
        signed_on: p.signed_on,
        reference: p.reference,
        witness: p.witness,
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(
            uc::documents::attach(&s.app, &auth.actor, id, meta, &p.filename, &bytes).await?,
        ),
    ))
}

/// A document's file, for a reader with a need to know (403 `need_to_know` otherwise); the read is logged
/// for the access review and audited.
#[utoipa::path(get, path = "/api/v1/care/{id}/documents/{document}", tag = "care", security(("bearer" = [])),
    params(("id" = CareId, Path), ("document" = Uuid, Path)),
    responses((status = 200, description = "the file"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn document(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, doc)): Path<(CareId, Uuid)>,
) -> ApiResult<Response> {
    let (v, bytes) = uc::documents::download(&s.app, &auth.actor, id, doc).await?;
    Ok(crate::extract::download(
        &v.filename,
        &v.content_type,
        bytes,
    ))
}

/// The partner hospitals a green-channel referral goes to, active first (any care permission).
#[utoipa::path(get, path = "/api/v1/care/hospitals", tag = "care", security(("bearer" = [])),
    responses((status = 200, body = Vec<HospitalView>), (status = 403, body = Problem)))]
pub async fn hospitals(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<HospitalView>>> {
    Ok(axum::Json(uc::hospitals::list(&s.app, &auth.actor).await?))
}

/// Adds a partner hospital (`care.manage`); a name already listed is refused.
#[utoipa::path(post, path = "/api/v1/care/hospitals", tag = "care", security(("bearer" = [])),
    request_body = HospitalInput,
    responses((status = 201, body = HospitalView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_hospital(
    State(s): State<AppState>,
    auth: Auth,
    body: Json<HospitalInput>,
) -> ApiResult<(StatusCode, axum::Json<HospitalView>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(uc::hospitals::add(&s.app, &auth.actor, body.value).await?),
    ))
}

/// Changes a partner hospital or sets it inactive (`care.manage`; `version` as read).
#[utoipa::path(put, path = "/api/v1/care/hospitals/{hospital}", tag = "care", security(("bearer" = [])),
    params(("hospital" = Uuid, Path)), request_body = HospitalInput,
    responses((status = 200, body = HospitalView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_hospital(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    body: Json<HospitalInput>,
) -> ApiResult<axum::Json<HospitalView>> {
    Ok(axum::Json(
        uc::hospitals::update(&s.app, &auth.actor, id, body.value).await?,
    ))
}

/// The gentle-collection holds for the core system's collection (`care.manage`, the scope): registered care
/// customers whose arrears are handled by a named person with no automated reminder, and who that is.
#[utoipa::path(get, path = "/api/v1/care/collection-holds", tag = "care", security(("bearer" = [])),
    responses((status = 200, body = Vec<CollectionHold>), (status = 403, body = Problem)))]
pub async fn collection_holds(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<CollectionHold>>> {
    Ok(axum::Json(
        uc::watch::collection_holds(&s.app, &auth.actor).await?,
    ))
}
