//! Customer acquisition on the workbench: the list of leads (filters, count, pages), a lead's page with its
//! screening and the work on it (`lead`), the capture and edit form (`lead`), the pipeline's board and the
//! partner institutions (`board`), the visits to a lead (`visits`) and the deal's papers (`papers`) on the
//! lead's page.

mod board;
mod campaigns;
mod effectiveness;
mod import;
mod lead;
mod meetings;
mod opening;
mod papers;
mod risk;
mod targets;
mod team;
mod trend;
mod visits;

use crate::AppState;
use crate::ui::forms::field_errors_text;
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, chrome, page};
use crate::ui::paging;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use banyan_app::AppError;
use banyan_app::acquisition::{LeadQuery, LeadSummary, leads as uc};
use banyan_domain::acquisition::{LeadChannel, LeadKind, LeadStage};

pub use import::lead_import_words;

pub fn routes() -> axum::Router<AppState> {
    let r = axum::Router::new()
        .route("/leads", get(list_page))
        .route("/leads/new", get(lead::new_form).post(lead::create))
        .route("/leads/board", get(board::board_page))
        .route("/leads/board/move", post(board::board_move))
        .route("/leads/funnel", get(board::funnel_page))
        .route("/leads/funnel.xlsx", get(board::funnel_export))
        .route(
            "/leads/effectiveness.xlsx",
            get(board::effectiveness_export),
        )
        .route(
            "/leads/targets",
            get(targets::targets_page).post(targets::set_target),
        )
        .route("/leads/targets/market", post(targets::set_market))
        .route(
            "/leads/partners",
            get(board::partners_page).post(board::create_partner),
        )
        .route(
            "/leads/campaigns",
            get(campaigns::campaigns_page).post(campaigns::create),
        )
        .route(
            "/leads/meetings",
            get(meetings::meetings_page).post(meetings::record),
        )
        .route(
            "/leads/meetings/{id}/actions/{action}/done",
            post(meetings::done),
        )
        .route("/leads/{id}", get(lead::show))
        .route("/leads/{id}/edit", get(lead::edit_form).post(lead::save))
        .route("/leads/{id}/act", post(lead::act))
        .route("/leads/{id}/visits", post(visits::plan))
        .route("/leads/{id}/visits/{visit}", post(visits::act))
        .route("/leads/{id}/visit-staff", get(visits::staff))
        .route("/leads/{id}/propose", post(papers::propose))
        .route("/leads/{id}/sales", post(opening::record))
        .route("/leads/{id}/team", post(team::assign))
        .route("/leads/{id}/risks", post(risk::respond))
        .route("/leads/risk", get(risk::risk_page))
        .route("/leads/risk/watch", post(risk::run_watch))
        .route("/leads/risk/partner-alerts/{id}/close", post(risk::close))
        .route("/leads/{id}/papers", post(papers::act))
        .route(
            "/leads/{id}/files",
            post(papers::upload).layer(axum::extract::DefaultBodyLimit::max(
                banyan_app::files::FILE_MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/leads/{id}/files/{file}", get(papers::download));
    crate::ui::imports::routes(r, &import::LEAD_IMPORT)
}

fn blank(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// (code, label) of every value of a code family, for a select.
fn options<T: Copy>(
    t: Tr,
    family: &str,
    all: &[T],
    code: fn(T) -> &'static str,
) -> Vec<(&'static str, String)> {
    all.iter()
        .map(|v| (code(*v), t.of(family, code(*v))))
        .collect()
}

/// A lead as a row of a list or a card of the board shows it.
pub(crate) struct LeadLine {
    pub(crate) id: String,
    pub(crate) no: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) mobile: String,
    pub(crate) channel: String,
    pub(crate) stage: String,
    pub(crate) stage_code: &'static str,
    pub(crate) days: String,
    pub(crate) score: String,
    pub(crate) owner: String,
    pub(crate) created: String,
}

pub(crate) fn line(s: &AppState, t: Tr, l: &LeadSummary) -> LeadLine {
    LeadLine {
        id: l.id.to_string(),
        no: l.lead_no.clone(),
        name: l.name.clone(),
        kind: t.of("lead_kind", l.kind.as_str()),
        mobile: l.mobile.clone().unwrap_or_default(),
        channel: t.of("lead_channel", l.channel.as_str()),
        stage: t.of("lead_stage", l.stage.as_str()),
        stage_code: l.stage.as_str(),
        days: t
            .get("lead.days_n")
            .replace("{n}", &l.stage_days.to_string()),
        score: l.score.map(|s| s.to_string()).unwrap_or_default(),
        owner: l.owner.clone().unwrap_or_default(),
        created: t.datetime(&s.app.tz, &l.created_at),
    }
}

#[derive(Template)]
#[template(path = "leads.html")]
struct ListPage {
    c: Chrome,
    title: String,
    rows: Vec<LeadLine>,
    stages: Vec<(&'static str, String)>,
    channels: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    f: ListForm,
    total: String,
    next: Option<String>,
    prev: Option<String>,
    can_write: bool,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ListForm {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    open: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    campaign_id: String,
    #[serde(default)]
    entered_from: String,
    #[serde(default)]
    entered_to: String,
    #[serde(default)]
    cursor: String,
    trail: Option<String>,
}

const PER_PAGE: u64 = 50;

async fn list_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ListForm>,
) -> Result<Response, PageError> {
    let q = LeadQuery {
        stage: LeadStage::parse(p.stage.trim()),
        channel: LeadChannel::parse(p.channel.trim()),
        kind: LeadKind::parse(p.kind.trim()),
        mine: Some(!p.mine.is_empty()),
        open: Some(!p.open.is_empty()),
        q: blank(&p.q),
        partner_id: p.partner_id.trim().parse().ok(),
        campaign_id: p.campaign_id.trim().parse().ok(),
        entered_from: blank(&p.entered_from),
        entered_to: blank(&p.entered_to),
        cursor: blank(&p.cursor),
        limit: Some(PER_PAGE),
        ..LeadQuery::default()
    };
    let (rows, next, total, error) = match uc::list(&s.app, &sess.actor, q).await {
        Ok(page) => (
            page.items.iter().map(|l| line(&s, t, l)).collect(),
            page.next_cursor,
            Some(page.total),
            None,
        ),
        Err(AppError::Validation(e)) => (Vec::new(), None, None, Some(field_errors_text(t, &e))),
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    let mut u = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("stage", &p.stage),
        ("channel", &p.channel),
        ("kind", &p.kind),
        ("mine", &p.mine),
        ("open", &p.open),
        ("q", &p.q),
        ("partner_id", &p.partner_id),
        ("campaign_id", &p.campaign_id),
        ("entered_from", &p.entered_from),
        ("entered_to", &p.entered_to),
    ] {
        if !v.is_empty() {
            u.append_pair(k, v);
        }
    }
    let (next, prev) = paging::pages(
        "/leads",
        &u.finish(),
        blank(&p.cursor).as_deref(),
        p.trail.as_deref(),
        next.as_deref(),
    );
    let page_no = paging::trail_len(p.trail.as_deref()) + 1;
    let total = total
        .map(|n| {
            paging::total_line_of(
                t,
                ("lead.count", "lead.count_more"),
                n.count,
                n.more,
                page_no,
                PER_PAGE,
            )
        })
        .unwrap_or_default();
    let mut all_stages = LeadStage::BOARD.to_vec();
    all_stages.extend([LeadStage::Rejected, LeadStage::Lost]);
    Ok(page(ListPage {
        title: t.get("lead.list").to_owned(),
        c: chrome(t, Some(&sess), "/leads"),
        rows,
        stages: options(t, "lead_stage", &all_stages, LeadStage::as_str),
        channels: options(t, "lead_channel", LeadChannel::ALL, LeadChannel::as_str),
        kinds: options(t, "lead_kind", LeadKind::ALL, LeadKind::as_str),
        f: p,
        total,
        next,
        prev,
        can_write: sess.actor.offers().lead_write,
        error,
    }))
}
