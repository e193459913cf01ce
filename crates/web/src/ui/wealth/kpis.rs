//! The wealth managers' KPIs on the workbench (理财经理考核指标, `/wealth/kpis`): a quarter or a year picked
//! from a list, each manager's and each team's figures against their targets, every figure a link to the
//! records it counts (`/wealth/kpis/{measure}`).

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use banyan_app::wealth::kpis::{self as uc, DrillQuery, KpiFigure, KpiQuery};
use banyan_domain::ids::StaffId;
use banyan_domain::wealth::kpi::{KpiMeasure, Period};
use std::collections::HashMap;

/// A figure in words: the value on its scale, the target, whether it is met; the drill-down's link.
pub(super) struct Cell {
    value: String,
    target: String,
    met: Option<bool>,
    href: Option<String>,
}

struct Row {
    who: String,
    clients: u64,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "wealth_kpis.html")]
struct KpisPage {
    c: Chrome,
    title: String,
    periods: Vec<(String, String, bool)>,
    heads: Vec<String>,
    managers: Vec<Row>,
    teams: Vec<Row>,
    range: String,
}

pub(super) fn shown(t: Tr, measure: KpiMeasure, v: Option<f64>) -> String {
    match v {
        None => t.get("kpi.none").to_owned(),
        Some(v) if measure.is_score() => t.get("kpi.score").replace("{v}", &format!("{v:.2}")),
        Some(v) => format!("{v:.1}%"),
    }
}

fn cell(t: Tr, f: &KpiFigure, href: Option<String>) -> Cell {
    Cell {
        value: shown(t, f.measure, f.value),
        target: shown(t, f.measure, Some(f.target)),
        met: f.met,
        href,
    }
}

/// The last eight quarters and the last two years, the chosen one marked.
fn periods(t: Tr, today: jiff::civil::Date, chosen: &str) -> Vec<(String, String, bool)> {
    let mut p = Period::quarter_of(today);
    let mut out = Vec::new();
    for _ in 0..8 {
        let code = p.code();
        out.push((code.clone(), period_words(t, &code), code == chosen));
        p = p.previous();
    }
    for y in [today.year(), today.year() - 1] {
        let code = y.to_string();
        out.push((code.clone(), period_words(t, &code), code == chosen));
    }
    out
}

pub(super) fn period_words(t: Tr, code: &str) -> String {
    match code.split_once("-Q") {
        Some((y, q)) => t.get("kpi.quarter").replace("{y}", y).replace("{q}", q),
        None => t.get("kpi.year").replace("{y}", code),
    }
}

pub(super) async fn page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let r = uc::report(
        &s.app,
        &sess.actor,
        KpiQuery {
            period: q.get("period").cloned(),
        },
    )
    .await
    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let drill = |m: KpiMeasure, staff: StaffId| {
        format!(
            "/wealth/kpis/{}?period={}&staff={staff}",
            m.as_str(),
            r.period
        )
    };
    let heads = r.measures.iter().map(|m| t.of("kpi", m.as_str())).collect();
    let managers = r
        .managers
        .iter()
        .map(|m| Row {
            who: format!(
                "{}{}",
                m.name,
                m.team
                    .as_ref()
                    .map(|x| format!("（{x}）"))
                    .unwrap_or_default()
            ),
            clients: m.clients,
            cells: m
                .figures
                .iter()
                .map(|f| cell(t, f, Some(drill(f.measure, m.staff_id))))
                .collect(),
        })
        .collect();
    let teams = r
        .teams
        .iter()
        .map(|x| Row {
            who: format!(
                "{} {}（{}）",
                x.branch_code.clone().unwrap_or_default(),
                x.team
                    .clone()
                    .unwrap_or_else(|| t.get("kpi.no_team").to_owned()),
                t.get("kpi.managers")
                    .replace("{n}", &x.managers.to_string())
            ),
            clients: x.clients,
            cells: x.figures.iter().map(|f| cell(t, f, None)).collect(),
        })
        .collect();
    Ok(page_status(
        KpisPage {
            title: t.get("kpi.title").to_owned(),
            c: chrome(t, Some(&sess), "/wealth/kpis"),
            periods: periods(t, s.app.today(), &r.period),
            range: format!(
                "{} – {}",
                t.date(&r.from.to_string()),
                t.date(&r.to.to_string())
            ),
            heads,
            managers,
            teams,
        },
        false,
    ))
}

struct Line {
    customer: String,
    href: String,
    at: String,
    score: String,
    what: String,
    start: String,
    end: String,
    counted: bool,
}

#[derive(Template)]
#[template(path = "wealth_kpi_drill.html")]
struct DrillPage {
    c: Chrome,
    title: String,
    back: String,
    figure: String,
    formula: String,
    heads: Vec<String>,
    lines: Vec<Line>,
    /// Which columns the records have: `scores`, `repeat`, `referral`, `growth`.
    kind: &'static str,
}

pub(super) async fn drill(
    State(s): State<AppState>,
    Path(measure): Path<String>,
    Signed { sess, t }: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let fail = |e| PageError::App(e, t, Some(sess.clone()));
    let measure =
        KpiMeasure::parse(&measure).ok_or_else(|| fail(banyan_app::AppError::NotFound))?;
    let staff = q
        .get("staff")
        .and_then(|v| v.parse::<uuid::Uuid>().ok())
        .map(StaffId::from)
        .ok_or_else(|| fail(banyan_app::AppError::NotFound))?;
    let d = uc::drill(
        &s.app,
        &sess.actor,
        measure,
        DrillQuery {
            period: q.get("period").cloned(),
            staff,
        },
    )
    .await
    .map_err(fail)?;
    let f = &d.figure;
    let money = |m: i64| t.money(m, "CNY");
    let (n, den) = if measure == KpiMeasure::AssetGrowth {
        (money(f.numerator), money(f.denominator))
    } else {
        (f.numerator.to_string(), f.denominator.to_string())
    };
    let lines = d
        .lines
        .iter()
        .map(|l| Line {
            customer: l.customer_no.clone(),
            href: format!("/customers/{}", l.customer_id),
            at: l
                .at
                .as_ref()
                .map(|a| t.datetime(&s.app.tz, a))
                .unwrap_or_default(),
            score: l.score.map(|x| x.to_string()).unwrap_or_default(),
            what: match (measure, &l.what) {
                (KpiMeasure::ClientSatisfaction, Some(m)) => t.of("method", m),
                (_, Some(w)) => w.clone(),
                (_, None) => String::new(),
            },
            start: l.start.map(money).unwrap_or_default(),
            end: l.end.map(money).unwrap_or_default(),
            counted: l.counted,
        })
        .collect();
    Ok(page_status(
        DrillPage {
            title: format!(
                "{} · {} · {}",
                d.name,
                t.of("kpi", measure.as_str()),
                period_words(t, &d.period)
            ),
            c: chrome(t, Some(&sess), "/wealth/kpis"),
            back: format!("/wealth/kpis?period={}", d.period),
            figure: t
                .get("kpi.figure")
                .replace("{value}", &shown(t, measure, f.value))
                .replace("{target}", &shown(t, measure, Some(f.target)))
                .replace("{n}", &n)
                .replace("{d}", &den),
            formula: t
                .get(&format!("kpi.formula.{}", measure.as_str()))
                .to_owned(),
            heads: t
                .get(&format!("kpi.heads.{}", measure.as_str()))
                .split('|')
                .map(str::to_owned)
                .collect(),
            lines,
            kind: match measure {
                KpiMeasure::AssetGrowth => "growth",
                KpiMeasure::RepeatPurchase => "repeat",
                KpiMeasure::Referral => "referral",
                KpiMeasure::ClientSatisfaction | KpiMeasure::ComplaintSatisfaction => "scores",
            },
        },
        false,
    ))
}
