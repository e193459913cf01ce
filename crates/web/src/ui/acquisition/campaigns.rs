//! Acquisition campaigns on the workbench (拓户活动): each with its strategy, target segment, channels,
//! partners and period beside its own targets and what it brought (leads captured, qualified, won), and the
//! form that creates one (those who set targets) — everything picked, not typed as codes.

use super::options;
use crate::AppState;
use crate::ui::forms::{form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::access::Session;
use banyan_app::acquisition::campaigns::{self as uc, CampaignInput, CampaignView};
use banyan_domain::acquisition::campaigns::Strategy;
use banyan_domain::acquisition::{LeadChannel, LeadKind};

struct Line {
    /// The campaign's leads on the lead list.
    href: String,
    name: String,
    strategy: String,
    segment: String,
    channels: String,
    partners: String,
    period: String,
    state: String,
    leads: String,
    qualified: String,
    won: String,
}

#[derive(Template)]
#[template(path = "lead_campaigns.html")]
struct CampaignsPage {
    c: Chrome,
    title: String,
    total: String,
    lines: Vec<Line>,
    can_create: bool,
    strategies: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    channels: Vec<(&'static str, String)>,
    partners: Vec<(String, String)>,
    error: Option<String>,
}

fn line(t: Tr, today: &str, v: &CampaignView) -> Line {
    let of_target = |n: i64, target: i64| {
        if target > 0 {
            format!("{n} / {target}")
        } else {
            n.to_string()
        }
    };
    let state = if v.running {
        "running"
    } else if v.starts_on.as_str() > today {
        "upcoming"
    } else {
        "ended"
    };
    let segment = match (v.kind, &v.segment) {
        (Some(k), Some(s)) => format!("{}：{s}", t.of("lead_kind", k.as_str())),
        (Some(k), None) => t.of("lead_kind", k.as_str()),
        (None, Some(s)) => s.clone(),
        (None, None) => String::new(),
    };
    Line {
        href: format!("/leads?campaign_id={}", v.id),
        name: v.name.clone(),
        strategy: t.of("strategy", v.strategy.as_str()),
        segment,
        channels: v
            .channels
            .iter()
            .map(|c| t.of("lead_channel", c.as_str()))
            .collect::<Vec<_>>()
            .join("、"),
        partners: v.partners.join("、"),
        period: format!("{} — {}", t.date(&v.starts_on), t.date(&v.ends_on)),
        state: t.of("campaign_state", state),
        leads: of_target(v.captured, v.leads_target),
        qualified: v.qualified.to_string(),
        won: of_target(v.won, v.won_target),
    }
}

async fn view(
    s: &AppState,
    sess: Session,
    t: Tr,
    error: Option<String>,
) -> Result<Response, PageError> {
    let fail = |e| PageError::App(e, t, Some(sess.clone()));
    let list = uc::list(&s.app, &sess.actor).await.map_err(fail)?;
    let can_create = sess.actor.offers().targets;
    let partners = if can_create {
        banyan_app::acquisition::board::partners(&s.app, &sess.actor)
            .await
            .map_err(fail)?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| (p.id.to_string(), p.name))
            .collect()
    } else {
        Vec::new()
    };
    let today = s.app.today().to_string();
    let failed = error.is_some();
    Ok(page_status(
        CampaignsPage {
            title: t.get("campaign.title").to_owned(),
            c: chrome(t, Some(&sess), "/leads/campaigns"),
            total: t
                .get("campaign.total")
                .replace("{n}", &list.len().to_string()),
            lines: list.iter().map(|v| line(t, &today, v)).collect(),
            can_create,
            strategies: options(t, "strategy", Strategy::ALL, Strategy::as_str),
            kinds: options(t, "lead_kind", LeadKind::ALL, LeadKind::as_str),
            channels: options(t, "lead_channel", LeadChannel::ALL, LeadChannel::as_str),
            partners,
            error,
        },
        failed,
    ))
}

pub(super) async fn campaigns_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    view(&s, sess, t, None).await
}

/// Creates a campaign from the page's form: ticked channels and partners, targets as whole numbers.
pub(super) async fn create(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let count = |k: &str| {
        form_text(&f, k)
            .map(|v| v.replace(',', "").parse::<i64>().unwrap_or(-1))
            .unwrap_or(0)
    };
    let input = CampaignInput {
        name: f.get("name").cloned().unwrap_or_default(),
        strategy: f.get("strategy").and_then(|v| Strategy::parse(v)),
        kind: f.get("kind").and_then(|v| LeadKind::parse(v)),
        segment: form_text(&f, "segment"),
        channels: LeadChannel::ALL
            .iter()
            .copied()
            .filter(|c| f.contains_key(&format!("channel.{}", c.as_str())))
            .collect(),
        partners: f
            .keys()
            .filter_map(|k| k.strip_prefix("partner."))
            .filter_map(|id| id.parse().ok())
            .collect(),
        starts_on: form_text(&f, "starts_on").unwrap_or_default(),
        ends_on: form_text(&f, "ends_on").unwrap_or_default(),
        leads_target: count("leads_target"),
        won_target: count("won_target"),
    };
    match uc::create(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to("/leads/campaigns").into_response()),
        Err(Ok(msg)) => view(&s, sess, t, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
