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
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::acquisition::work::{BoardDrop, drop_on_board, drop_target};
use banyan_app::acquisition::{BoardQuery, PartnerInput, board as uc};
use banyan_domain::acquisition::{LeadChannel, LeadKind, LeadStage, PartnerKind};
use banyan_domain::ids::LeadId;

struct Column {
    stage: &'static str,
    label: String,
    count: i64,
    ageing: String,
    cards: Vec<LeadLine>,
    /// The column its cards may be dropped on (the next one), and its name.
    next: Option<(&'static str, String)>,
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
    /// The teams whose boards the reader may open: (value, name).
    teams: Vec<(String, String)>,
    f: BoardForm,
    /// Whether the reader works leads: cards can be dragged to the next column.
    can_move: bool,
    /// A drop the rules refused, in words.
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct BoardForm {
    #[serde(default)]
    mine: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
    /// A team's board: `BR0001/零售一组`.
    #[serde(default)]
    team: String,
}

pub(super) async fn board_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<BoardForm>,
) -> Result<Response, PageError> {
    board_view(&s, sess, t, p, None).await
}

async fn board_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    p: BoardForm,
    error: Option<String>,
) -> Result<Response, PageError> {
    let (team_branch, team) = match p.team.split_once('/') {
        Some((b, t)) => (Some(b.trim().to_owned()), Some(t.trim().to_owned())),
        None => (None, None),
    };
    let q = BoardQuery {
        mine: Some(!p.mine.is_empty()),
        kind: LeadKind::parse(p.kind.trim()),
        channel: LeadChannel::parse(p.channel.trim()),
        branch_code: team_branch,
        team,
        ..BoardQuery::default()
    };
    let teams = uc::teams(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
        .into_iter()
        .map(|(b, team)| (format!("{b}/{team}"), format!("{b} {team}")))
        .collect();
    let b = uc::board(&s.app, &sess.actor, q)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let columns: Vec<Column> = b
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
            cards: c.cards.iter().map(|l| line(s, t, l)).collect(),
            next: drop_target(&sess.actor, c.stage)
                .map(|n| (n.as_str(), t.of("lead_stage", n.as_str()))),
        })
        .collect();
    let columns_movable = columns.iter().any(|c| c.next.is_some());
    let failed = error.is_some();
    Ok(page_status(
        BoardPage {
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
            teams,
            f: p,
            can_move: columns_movable,
            error,
        },
        failed,
    ))
}

/// A card dropped on the next column: the lead moves by the move that leads there (every rule of it as on
/// the lead's page); a win opens the lead's page at its form; a refusal is said on the board in words.
pub(super) async fn board_move(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let back = BoardForm {
        mine: form_text(&f, "mine").unwrap_or_default(),
        kind: form_text(&f, "kind").unwrap_or_default(),
        channel: form_text(&f, "channel").unwrap_or_default(),
        team: form_text(&f, "team").unwrap_or_default(),
    };
    let stage = |k: &str| f.get(k).and_then(|v| LeadStage::parse(v.trim()));
    let lead = f.get("lead").and_then(|v| v.trim().parse::<LeadId>().ok());
    let (Some(lead), Some(from), Some(to)) = (lead, stage("from"), stage("to")) else {
        return Err(PageError::App(AppError::NotFound, t, Some(sess)));
    };
    match drop_on_board(&s.app, &sess.actor, lead, from, to)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(BoardDrop::Moved(_)) => {
            let q = serde_urlencoded::to_string([
                ("mine", back.mine.as_str()),
                ("kind", back.kind.as_str()),
                ("channel", back.channel.as_str()),
                ("team", back.team.as_str()),
            ])
            .map_err(|e| {
                PageError::App(
                    AppError::internal_from("the board's filters as a query", e),
                    t,
                    Some(sess.clone()),
                )
            })?;
            Ok(Redirect::to(&format!("/leads/board?{q}#col-{}", to.as_str())).into_response())
        }
        Ok(BoardDrop::OpenToWin) => {
            Ok(Redirect::to(&format!("/leads/{lead}#lead-win")).into_response())
        }
        Err(Ok(msg)) => board_view(&s, sess, t, back, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
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

/// One row of the funnel as the page shows it.
struct FunnelRow {
    label: String,
    /// Where the row's leads are listed (channels and partners).
    href: Option<String>,
    captured: i64,
    reached: Vec<i64>,
    rejected: i64,
    lost: i64,
    conversion: String,
}

#[derive(Template)]
#[template(path = "lead_funnel.html")]
struct FunnelPage {
    c: Chrome,
    title: String,
    from: String,
    to: String,
    by: String,
    bys: Vec<(&'static str, String)>,
    stages: Vec<String>,
    rows: Vec<FunnelRow>,
    total: FunnelRow,
    chart: crate::ui::forms::Chart,
    /// Against the period before: "与上一期（…）相比：登记线索 +12.5 %，成为客户 -3.0 %".
    growth: Option<String>,
    /// The same funnel as an XLSX workbook.
    export: Option<String>,
    /// What the period's new customers brought, and the open leads' ageing.
    ef: Option<super::effectiveness::EffectSection>,
    /// The same figures over the last periods.
    tr: Option<super::trend::TrendSection>,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct FunnelForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    by: String,
    /// The series' period kind (`month`, `quarter`, `half_year`, `year`).
    #[serde(default)]
    trend: String,
}

fn funnel_row(t: Tr, by: &str, l: &banyan_app::acquisition::FunnelLine) -> FunnelRow {
    let (label, href) = match (by, &l.key) {
        (_, None) => (t.get("lead.funnel_none").to_owned(), None),
        ("channel", Some(k)) => (t.of("lead_channel", k), Some(format!("/leads?channel={k}"))),
        ("partner", Some(k)) => (
            l.name
                .clone()
                .unwrap_or_else(|| t.get("lead.funnel_none").to_owned()),
            Some(format!("/leads?partner_id={k}")),
        ),
        (_, Some(k)) => (l.name.clone().unwrap_or_else(|| k.clone()), None),
    };
    FunnelRow {
        label,
        href,
        captured: l.captured,
        reached: l.reached.clone(),
        rejected: l.rejected,
        lost: l.lost,
        conversion: format!(
            "{}.{} %",
            l.conversion_permille / 10,
            l.conversion_permille % 10
        ),
    }
}

/// The funnel's query as its form sent it (an empty field: the default).
fn funnel_query(p: &FunnelForm) -> banyan_app::acquisition::FunnelQuery {
    let blank = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    banyan_app::acquisition::FunnelQuery {
        from: blank(&p.from),
        to: blank(&p.to),
        by: blank(&p.by),
    }
}

/// The funnel as the reader's XLSX workbook (headings and codes in their language).
pub(super) async fn funnel_export(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<FunnelForm>,
) -> Result<Response, PageError> {
    let q = funnel_query(&p);
    let words = crate::ui::labels::ReaderWords(t);
    match banyan_app::acquisition::funnel::export_xlsx(&s.app, &sess.actor, q, &words).await {
        Ok(bytes) => Ok(crate::api::cases::xlsx_named(
            bytes,
            "attachment; filename=\"funnel.xlsx\"",
        )),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(super) async fn funnel_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<FunnelForm>,
) -> Result<Response, PageError> {
    let q = funnel_query(&p);
    let (f, error) = match banyan_app::acquisition::funnel::funnel(&s.app, &sess.actor, q).await {
        Ok(f) => (Some(f), None),
        Err(e) => match refusal(t, e) {
            Ok(msg) => (None, Some(msg)),
            Err(e) => return Err(PageError::App(e, t, Some(sess))),
        },
    };
    let by = f
        .as_ref()
        .map_or_else(|| "channel".to_owned(), |f| f.by.clone());
    let rows: Vec<FunnelRow> = f
        .as_ref()
        .map(|f| f.lines.iter().map(|l| funnel_row(t, &by, l)).collect())
        .unwrap_or_default();
    let mut total = f
        .as_ref()
        .map(|f| funnel_row(t, &by, &f.total))
        .unwrap_or_else(|| funnel_row(t, &by, &Default::default()));
    total.label = t.get("lead.funnel_total").to_owned();
    total.href = None;
    // The whole funnel as bars: captured, then each stage reached.
    let stage_labels: Vec<String> = banyan_domain::acquisition::LeadStage::BOARD[1..]
        .iter()
        .map(|s| t.of("lead_stage", s.as_str()))
        .collect();
    let max = total.captured.max(1);
    let pct = |n: i64| u32::try_from(n * 300 / max).unwrap_or(0);
    let mut bars = vec![(
        t.get("lead.funnel_captured").to_owned(),
        pct(total.captured),
        total.captured.to_string(),
    )];
    for (label, n) in stage_labels.iter().zip(&total.reached) {
        bars.push((label.clone(), pct(*n), n.to_string()));
    }
    let growth_pct = |g: Option<i64>| super::effectiveness::growth_text(t, g);
    // Against the period before, and the same funnel as a workbook: none when the query was refused.
    let (growth, export) = match &f {
        Some(f) => {
            let mut u = form_urlencoded::Serializer::new(String::new());
            u.append_pair("from", &f.from)
                .append_pair("to", &f.to)
                .append_pair("by", &f.by);
            let growth = t
                .get("funnel.growth_line")
                .replace("{from}", &t.date(&f.previous_from))
                .replace("{to}", &t.date(&f.previous_to))
                .replace("{captured}", &growth_pct(f.growth_captured_permille))
                .replace("{won}", &growth_pct(f.growth_won_permille));
            (
                Some(growth),
                Some(format!("/leads/funnel.xlsx?{}", u.finish())),
            )
        }
        None => (None, None),
    };
    let ef = match &f {
        Some(f) => super::effectiveness::section(&s.app, &sess, t, &f.from, &f.to)
            .await
            .map_err(|e| PageError::App(e, t, Some(sess.clone())))?,
        None => None,
    };
    let tr = match &f {
        Some(f) => Some(
            super::trend::section(
                &s.app,
                &sess,
                t,
                &p.trend,
                &[("from", &f.from), ("to", &f.to), ("by", &f.by)],
            )
            .await
            .map_err(|e| PageError::App(e, t, Some(sess.clone())))?,
        ),
        None => None,
    };
    Ok(page(FunnelPage {
        title: t.get("lead.funnel").to_owned(),
        c: chrome(t, Some(&sess), "/leads/funnel"),
        from: f.as_ref().map(|f| f.from.clone()).unwrap_or(p.from),
        to: f.as_ref().map(|f| f.to.clone()).unwrap_or(p.to),
        bys: ["channel", "partner", "owner", "branch", "campaign"]
            .iter()
            .map(|b| (*b, t.of("funnel_by", b)))
            .collect(),
        by,
        stages: stage_labels,
        rows,
        total,
        chart: crate::ui::forms::Chart::new(bars),
        growth,
        export,
        ef,
        tr,
        error,
    }))
}

/// The effectiveness series as an XLSX file in the reader's words (`trend`: the period kind).
pub(super) async fn effectiveness_export(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<FunnelForm>,
) -> Result<Response, PageError> {
    let q = banyan_app::acquisition::trend::TrendQuery {
        period: Some(p.trend).filter(|x| !x.is_empty()),
        count: None,
    };
    let words = crate::ui::labels::ReaderWords(t);
    match banyan_app::acquisition::trend::export_xlsx(&s.app, &sess.actor, q, &words).await {
        Ok(bytes) => Ok(crate::api::cases::xlsx_named(
            bytes,
            "attachment; filename=\"effectiveness.xlsx\"",
        )),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}
