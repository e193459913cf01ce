//! The pipeline's board (a column per stage: its count, how long its leads have waited, the longest-waiting
//! ones) and the partner institutions with what their leads became.

use super::{LeadLine, line, options};
use crate::AppState;
use crate::ui::forms::{form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::access::Session;
use banyan_app::acquisition::{BoardQuery, PartnerInput, board as uc};
use banyan_domain::acquisition::{LeadChannel, LeadKind, PartnerKind};

struct Column {
    stage: &'static str,
    label: String,
    count: i64,
    ageing: String,
    cards: Vec<LeadLine>,
}

#[derive(Template)]
#[template(path = "lead_board.html")]
struct BoardPage {
    c: Chrome,
    title: String,
    columns: Vec<Column>,
    closed: String,
    kinds: Vec<(&'static str, String)>,
    channels: Vec<(&'static str, String)>,
    f: BoardForm,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct BoardForm {
    #[serde(default)]
    mine: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
}

pub(super) async fn board_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<BoardForm>,
) -> Result<Response, PageError> {
    let q = BoardQuery {
        mine: Some(!p.mine.is_empty()),
        kind: LeadKind::parse(p.kind.trim()),
        channel: LeadChannel::parse(p.channel.trim()),
        ..BoardQuery::default()
    };
    let b = uc::board(&s.app, &sess.actor, q)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let columns = b
        .columns
        .iter()
        .map(|c| Column {
            stage: c.stage.as_str(),
            label: t.of("lead_stage", c.stage.as_str()),
            count: c.count,
            ageing: if c.count > 0 {
                format!(
                    "{} · {}",
                    t.get("lead.avg_days")
                        .replace("{n}", &c.avg_days.to_string()),
                    t.get("lead.max_days")
                        .replace("{n}", &c.max_days.to_string())
                )
            } else {
                String::new()
            },
            cards: c.cards.iter().map(|l| line(&s, t, l)).collect(),
        })
        .collect();
    Ok(page(BoardPage {
        title: t.get("lead.board").to_owned(),
        c: chrome(t, Some(&sess), "/leads/board"),
        columns,
        closed: format!(
            "{} {} · {} {}",
            t.get("lead.rejected"),
            b.rejected,
            t.get("lead.lost"),
            b.lost
        ),
        kinds: options(t, "lead_kind", LeadKind::ALL, LeadKind::as_str),
        channels: options(t, "lead_channel", LeadChannel::ALL, LeadChannel::as_str),
        f: p,
    }))
}

struct PartnerLine {
    id: String,
    name: String,
    kind: String,
    branch: String,
    leads: i64,
    won: i64,
    rejected: i64,
    rate: String,
}

#[derive(Template)]
#[template(path = "partners.html")]
struct PartnersPage {
    c: Chrome,
    title: String,
    rows: Vec<PartnerLine>,
    kinds: Vec<(&'static str, String)>,
    can_manage: bool,
    name: String,
    error: Option<String>,
}

async fn partners_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    name: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    let rows = uc::partners(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
        .into_iter()
        .map(|p| PartnerLine {
            id: p.id.to_string(),
            name: p.name,
            kind: t.of("partner_kind", p.kind.as_str()),
            branch: p
                .branch_code
                .unwrap_or_else(|| t.get("lead.bank_wide").to_owned()),
            leads: p.leads,
            won: p.won,
            rejected: p.rejected,
            rate: format!(
                "{}.{} %",
                p.rejected_permille / 10,
                p.rejected_permille % 10
            ),
        })
        .collect();
    let failed = error.is_some();
    Ok(page_status(
        PartnersPage {
            title: t.get("lead.partners").to_owned(),
            c: chrome(t, Some(&sess), "/leads/partners"),
            rows,
            kinds: options(t, "partner_kind", PartnerKind::ALL, PartnerKind::as_str),
            can_manage: sess.actor.offers().partners,
            name,
            error,
        },
        failed,
    ))
}

pub(super) async fn partners_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    partners_view(&s, sess, t, String::new(), None).await
}

pub(super) async fn create_partner(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let input = PartnerInput {
        name: form_text(&f, "name"),
        kind: f.get("kind").and_then(|k| PartnerKind::parse(k)),
        branch_code: form_text(&f, "branch_code"),
        note: form_text(&f, "note"),
    };
    match uc::create_partner(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to("/leads/partners").into_response()),
        Err(Ok(msg)) => {
            let name = form_text(&f, "name").unwrap_or_default();
            partners_view(&s, sess, t, name, Some(msg)).await
        }
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
