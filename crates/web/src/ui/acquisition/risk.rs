//! Acquisition risk on the workbench: the lead page's section (风险评估与应对) — each risk's level and what it
//! was rated from in words, the latest response, the form that records one (picked, not typed; asks first)
//! — and the acquisition risk page (拓户风险监测): the partners' warnings with their count and pages, each
//! disposed of with a reason, the links to the new customers' warnings in the alert queue, and the button
//! that runs the watch now. The use cases decide who may; the page offers what the reader may do.

use super::lead::redirect_or_refusal;
use crate::AppState;
use crate::ui::forms::{form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::acquisition::LeadView;
use banyan_app::acquisition::risk::{self as uc, PartnerAlertQuery, RiskInput};
use banyan_app::segments::alerts::AlertClose;
use banyan_domain::acquisition::risk::{DealRiskLevel, Rating, RiskBasis, RiskKind, RiskResponse};
use banyan_domain::book::monitoring::{AlertStatus, Disposition};
use banyan_domain::ids::LeadId;

/// A risk as its row shows it.
pub(crate) struct RiskRow {
    pub(crate) kind: &'static str,
    pub(crate) label: String,
    /// Rated high: shown as a warning.
    pub(crate) high: bool,
    pub(crate) level_label: String,
    pub(crate) why: String,
    pub(crate) response: Option<String>,
}

/// The risks' part of the lead's page.
#[derive(Default)]
pub(crate) struct RiskSection {
    pub(crate) rows: Vec<RiskRow>,
    /// What keeps the deal from review, in words.
    pub(crate) blocked: Option<String>,
    pub(crate) can_respond: bool,
    pub(crate) kinds: Vec<(&'static str, String)>,
    pub(crate) responses: Vec<(&'static str, String)>,
}

/// A rating's figure in words, against the cut-off it reached (or fell below).
fn why(t: Tr, r: &Rating) -> String {
    let basis = t.of("risk_basis", r.basis.as_str());
    let shown = |n: i64| match r.basis {
        RiskBasis::CreditPoints | RiskBasis::Industry => {
            t.get("risk.points").replace("{n}", &n.to_string())
        }
        RiskBasis::DebtRatio | RiskBasis::PartnerRejects => format!("{n}%"),
        RiskBasis::ExpectedReturn => format!("{}.{:02}%", n / 100, n % 100),
        RiskBasis::PapersReturned => t.get("risk.times").replace("{n}", &n.to_string()),
        _ => n.to_string(),
    };
    match (r.figure, r.threshold) {
        (Some(f), Some(th)) => {
            let key = if r.basis == RiskBasis::CreditPoints {
                "risk.below"
            } else {
                "risk.vs"
            };
            let figure = t
                .get(key)
                .replace("{figure}", &shown(f))
                .replace("{threshold}", &shown(th));
            format!("{basis}：{figure}")
        }
        (Some(f), None) => format!("{basis}：{}", shown(f)),
        _ => basis,
    }
}

pub(super) fn section(s: &AppState, sess: &Session, t: Tr, v: &LeadView) -> RiskSection {
    let rows = v
        .risks
        .lines
        .iter()
        .map(|l| RiskRow {
            kind: l.rating.kind.as_str(),
            label: t.of("risk_kind", l.rating.kind.as_str()),
            high: l.rating.level == DealRiskLevel::High,
            level_label: t.of("risk_level", l.rating.level.as_str()),
            why: why(t, &l.rating),
            response: l.response.as_ref().map(|x| {
                t.get("risk.response_line")
                    .replace("{response}", &t.of("risk_response", x.response.as_str()))
                    .replace("{level}", &t.of("risk_level", x.level.as_str()))
                    .replace("{note}", &x.note)
                    .replace("{by}", &x.by)
                    .replace("{at}", &t.datetime(&s.app.tz, &x.at))
            }),
        })
        .collect();
    RiskSection {
        rows,
        // A closed lead goes nowhere: what would keep it from review is not news.
        blocked: v
            .risks
            .blocked
            .as_ref()
            .filter(|_| v.stage.is_open())
            .map(|b| {
                t.get(&format!("risk.blocked.{}", b.code))
                    .replace("{risk}", &t.of("risk_kind", b.kind.as_str()))
            }),
        can_respond: sess.actor.offers().lead_write && v.stage.is_open(),
        kinds: RiskKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.of("risk_kind", k.as_str())))
            .collect(),
        responses: RiskResponse::ALL
            .iter()
            .map(|r| (r.as_str(), t.of("risk_response", r.as_str())))
            .collect(),
    }
}

/// Records a response from the lead page's form.
pub(super) async fn respond(
    State(s): State<AppState>,
    Path(id): Path<LeadId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let kind = f.get("kind").and_then(|k| RiskKind::parse(k));
    let response = f.get("response").and_then(|r| RiskResponse::parse(r));
    let (Some(kind), Some(response)) = (kind, response) else {
        let field = if kind.is_none() { "kind" } else { "response" };
        let e = AppError::field(field, "one_of", "pick one of the list");
        return redirect_or_refusal(&s, sess, t, id, Err(e)).await;
    };
    let input = RiskInput {
        kind,
        response,
        note: f.get("note").cloned().unwrap_or_default(),
    };
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    match uc::respond(&s.app, &sess.actor, id, input, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/leads/{id}#lead-risk")).into_response()),
        Err(e) => redirect_or_refusal(&s, sess, t, id, Err(e)).await,
    }
}

const PER_PAGE: u64 = 20;

/// A partner's warning as its row shows it.
struct WarningLine {
    id: uuid::Uuid,
    partner: String,
    figures: String,
    raised: String,
    due: String,
    state: String,
    overdue: bool,
    open: bool,
}

#[derive(Template)]
#[template(path = "lead_risk_page.html")]
struct RiskPage {
    c: Chrome,
    title: String,
    total: String,
    items: Vec<WarningLine>,
    prev: Option<String>,
    next: Option<String>,
    /// The status filter's options (code, words, chosen).
    statuses: Vec<(&'static str, String, bool)>,
    may_handle: bool,
    dispositions: Vec<(&'static str, String)>,
    /// The customers' indicators and their queue links.
    queues: Vec<(String, String)>,
    ran: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct RiskPageQuery {
    #[serde(default)]
    page: u64,
    #[serde(default)]
    status: Option<String>,
    /// What the watch just raised (`customers,partners`).
    #[serde(default)]
    ran: Option<String>,
}

fn warning_line(s: &AppState, t: Tr, a: &uc::PartnerAlertView) -> WarningLine {
    // The use case answers a closed warning with all four, an open one with none.
    let state = match (&a.disposition, &a.resolution, &a.closed_by, &a.closed_at) {
        (Some(d), Some(r), Some(by), Some(at)) => t
            .get("riskpage.closed_line")
            .replace("{disposition}", &t.of("partner_disposition", d.as_str()))
            .replace("{resolution}", r)
            .replace("{by}", by)
            .replace("{at}", &t.datetime(&s.app.tz, at)),
        _ => t.of("alert", a.status.as_str()),
    };
    WarningLine {
        id: a.id,
        partner: a.partner.clone(),
        figures: a
            .checks
            .iter()
            .map(|c| crate::ui::segments::check_text(t, c))
            .collect::<Vec<_>>()
            .join("；"),
        raised: t.datetime(&s.app.tz, &a.created_at),
        due: t.date(&a.due_on),
        state,
        overdue: a.overdue,
        open: a.status == AlertStatus::Open,
    }
}

async fn view(
    s: &AppState,
    sess: Session,
    t: Tr,
    q: RiskPageQuery,
    error: Option<String>,
) -> Result<Response, PageError> {
    let status = q.status.as_deref().and_then(AlertStatus::parse);
    let p = uc::partner_alerts(
        &s.app,
        &sess.actor,
        PartnerAlertQuery {
            status,
            offset: Some(q.page.saturating_mul(PER_PAGE)),
            limit: Some(PER_PAGE),
        },
    )
    .await
    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let pages = p.total.div_ceil(PER_PAGE).max(1);
    let total = t
        .get("riskpage.total")
        .replace("{n}", &p.total.to_string())
        .replace("{k}", &q.page.saturating_add(1).to_string())
        .replace("{p}", &pages.to_string());
    let filter = status.map_or(String::new(), |s| format!("&status={}", s.as_str()));
    let ran = q.ran.as_deref().and_then(|r| {
        let (c, p) = r.split_once(',')?;
        Some(
            t.get("riskpage.ran")
                .replace("{c}", &c.parse::<u64>().ok()?.to_string())
                .replace("{p}", &p.parse::<u64>().ok()?.to_string()),
        )
    });
    let failed = error.is_some();
    let mut statuses = vec![("", t.get("riskpage.all").to_owned(), status.is_none())];
    statuses.extend(
        AlertStatus::ALL
            .iter()
            .map(|x| (x.as_str(), t.of("alert", x.as_str()), status == Some(*x))),
    );
    Ok(page_status(
        RiskPage {
            title: t.get("riskpage.title").to_owned(),
            c: chrome(t, Some(&sess), "/leads/risk"),
            total,
            items: p.items.iter().map(|a| warning_line(s, t, a)).collect(),
            prev: (q.page > 0).then(|| format!("/leads/risk?page={}{filter}", q.page - 1)),
            next: (q.page.saturating_add(1) < pages)
                .then(|| format!("/leads/risk?page={}{filter}", q.page + 1)),
            statuses,
            may_handle: p.may_handle,
            dispositions: [
                Disposition::FollowedUp,
                Disposition::Explained,
                Disposition::FalsePositive,
            ]
            .iter()
            .map(|d| (d.as_str(), t.of("partner_disposition", d.as_str())))
            .collect(),
            queues: [uc::EARLY_OVERDUE, uc::EARLY_COMPLAINT]
                .iter()
                .map(|i| {
                    (
                        t.of("indicator", i),
                        format!("/alerts?kind=warning&indicator={i}"),
                    )
                })
                .collect(),
            ran,
            error,
        },
        failed,
    ))
}

pub(super) async fn risk_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<RiskPageQuery>,
) -> Result<Response, PageError> {
    view(&s, sess, t, q, None).await
}

/// Runs the watch now and shows what it raised.
pub(super) async fn run_watch(
    State(s): State<AppState>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    match uc::run_watch(&s.app, &sess.actor)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(r) => Ok(Redirect::to(&format!(
            "/leads/risk?ran={},{}",
            r.customer_alerts, r.partner_alerts
        ))
        .into_response()),
        Err(Ok(msg)) => view(&s, sess, t, RiskPageQuery::default(), Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// Disposes of a partner's warning from its row.
pub(super) async fn close(
    State(s): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let input = AlertClose {
        resolution: form_text(&f, "resolution").unwrap_or_default(),
        disposition: f.get("disposition").and_then(|d| Disposition::parse(d)),
    };
    match uc::close_partner_alert(&s.app, &sess.actor, id, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(()) => Ok(Redirect::to("/leads/risk").into_response()),
        Err(Ok(msg)) => view(&s, sess, t, RiskPageQuery::default(), Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
