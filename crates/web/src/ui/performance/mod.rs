//! Staff performance on the workbench (绩效考核, `/performance`): the scorecards of a quarter — one's own,
//! or a supervisor's people ranked within their teams — and one person's scorecard
//! (`/performance/{staff}`): each KPI's figure against its target with its attainment bar, the composite
//! and rank, the quarters closed before, the records behind every figure; for supervisors, a person's own
//! target and the closing of an ended quarter with a rating and a comment (asked first).

use crate::AppState;
use crate::ui::forms::{form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use banyan_app::access::Session;
use banyan_app::performance::{
    self as uc, CardDetail, CloseInput, PerfTargetInput, ScorecardQuery, StaffCard,
};
use banyan_domain::ids::StaffId;
use banyan_domain::performance::{
    KpiLine, KpiUnit, PerfRating, PromotionAdvice, StaffKpi, TargetSource,
};
use banyan_domain::wealth::kpi::Period;
use std::collections::HashMap;

mod courses;
mod rewards;
mod training;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(training::routes())
        .merge(courses::routes())
        .merge(rewards::routes())
        .route("/performance", get(list_page))
        .route("/performance.xlsx", get(export))
        .route("/performance/group-target", post(set_group_target))
        .route("/performance/{staff}", get(card_page))
        .route("/performance/{staff}/target", post(set_target))
        .route("/performance/{staff}/close", post(close))
        .route("/performance/{staff}/decision", post(decide))
}

/// A figure on its unit: a count, a percent, a score out of 5; a dash-worded "no data" without one.
fn shown(t: Tr, kpi: StaffKpi, v: Option<f64>) -> String {
    match (v, kpi.unit()) {
        (None, _) => t.get("perf.none").to_owned(),
        (Some(v), KpiUnit::Count) => format!("{v:.0}"),
        (Some(v), KpiUnit::Percent) => format!("{v:.1}%"),
        (Some(v), KpiUnit::Score) => t.get("kpi.score").replace("{v}", &format!("{v:.2}")),
        (Some(v), KpiUnit::Growth) => format!("{v:+.1}%"),
        (Some(v), KpiUnit::Amount) => t.money(fen(v * 100.0), "CNY"),
        (Some(v), KpiUnit::Days) => t.get("perf.days").replace("{v}", &format!("{v:.1}")),
        (Some(v), KpiUnit::Hours) => t.get("train.hours_v").replace("{v}", &format!("{v:.1}")),
        (Some(v), KpiUnit::Points) => t.get("perf.points").replace("{v}", &format!("{v:.1}")),
    }
}

#[allow(clippy::cast_possible_truncation)]
fn fen(v: f64) -> i64 {
    v.round() as i64
}

/// The last eight quarters and two years, the chosen one marked.
fn quarters(t: Tr, today: jiff::civil::Date, chosen: &str) -> Vec<(String, String, bool)> {
    let mut p = Period::quarter_of(today);
    let mut out = Vec::new();
    for _ in 0..8 {
        let code = p.code();
        out.push((code.clone(), quarter_words(t, &code), code == chosen));
        p = p.previous();
    }
    // The yearly scorecards (seed 000 §7: 按季度和年度): this year and the last.
    for y in [today.year(), today.year() - 1] {
        let code = y.to_string();
        out.push((code.clone(), quarter_words(t, &code), code == chosen));
    }
    out
}

pub(super) fn quarter_words(t: Tr, code: &str) -> String {
    match code.split_once("-Q") {
        Some((y, q)) => t.get("kpi.quarter").replace("{y}", y).replace("{q}", q),
        None => t.get("kpi.year").replace("{y}", code),
    }
}

fn status_words(t: Tr, c: &StaffCard) -> String {
    match &c.closed {
        Some(k) => t
            .get("perf.closed_v")
            .replace("{v}", &k.version.to_string())
            .replace("{rating}", &t.of("perf_rating", k.rating.as_str())),
        None => t.get("perf.open").to_owned(),
    }
}

struct ListRow {
    href: String,
    name: String,
    role: String,
    team: String,
    composite: String,
    rank: String,
    status: String,
}

#[derive(Template)]
#[template(path = "performance.html")]
struct ListPage {
    c: Chrome,
    title: String,
    quarters: Vec<(String, String, bool)>,
    teams: Vec<(String, bool)>,
    range: String,
    rows: Vec<ListRow>,
    may_manage: bool,
    export: String,
    period: String,
    /// The team and branch targets set for the period: (where, KPI, target).
    /// (group, KPI, target, for whom: each person or the group as a whole).
    group_targets: Vec<(String, String, String, String)>,
    /// Where a team or branch target may be set: (`branch|team`, words).
    groups: Vec<(String, String)>,
    /// Every KPI on a card shown: (code, words).
    kpis: Vec<(String, String)>,
    /// The team, branch and bank summaries.
    groups_summed: Vec<GroupRow>,
    failed: Option<String>,
}

/// A team's, branch's or the bank's scorecards summed, in words.
struct GroupRow {
    title: String,
    composite: String,
    bar: u32,
    /// (KPI, figure, target, attainment, bar)
    lines: Vec<(String, String, String, String, u32)>,
    /// (band, people in it, people in all)
    bands: Vec<(String, u32, u32)>,
}

fn group_row(t: Tr, g: &uc::groups::GroupCard) -> GroupRow {
    let level = t.of("group_level", g.level.as_str());
    let place = match (&g.branch_code, &g.team) {
        (Some(b), Some(tm)) => format!("{b} {tm}"),
        (Some(b), None) => b.clone(),
        (None, _) => t.get("perf.bank").to_owned(),
    };
    let attainment =
        |a: Option<f64>| a.map_or_else(|| t.get("perf.none").to_owned(), |a| format!("{a:.1}%"));
    GroupRow {
        title: t
            .get("perf.group_title")
            .replace("{level}", &level)
            .replace("{place}", &place)
            .replace("{role}", &t.of("role", g.role.as_str()))
            .replace("{n}", &g.people.to_string()),
        composite: format!("{:.1}", g.composite),
        bar: bar(Some(g.composite)),
        lines: g
            .lines
            .iter()
            .map(|l| {
                (
                    t.of("staff_kpi", l.kpi.as_str()),
                    shown(t, l.kpi, l.figure),
                    if l.whole_target {
                        t.get("perf.whole_target_of")
                            .replace("{v}", &shown(t, l.kpi, Some(l.target)))
                    } else {
                        shown(t, l.kpi, Some(l.target))
                    },
                    attainment(l.attainment),
                    bar(l.attainment),
                )
            })
            .collect(),
        bands: g
            .distribution
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let band = if i == 5 {
                    t.get("perf.band_top").to_owned()
                } else {
                    t.get("perf.band")
                        .replace("{from}", &(i * 20).to_string())
                        .replace("{to}", &((i + 1) * 20).to_string())
                };
                (band, *n, g.people)
            })
            .collect(),
    }
}

/// A team's or a whole branch's name.
fn group_words(t: Tr, branch: &str, team: Option<&str>) -> String {
    match team {
        Some(tm) => format!("{branch} {tm}"),
        None => t.get("perf.whole_branch").replace("{b}", branch),
    }
}

/// The person's branch (none for a bank-wide post) and team.
fn team_words(t: Tr, c: &StaffCard) -> String {
    let team = c
        .team
        .clone()
        .unwrap_or_else(|| t.get("kpi.no_team").to_owned());
    match &c.branch_code {
        Some(b) => format!("{b} {team}"),
        None => team,
    }
}

async fn list_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    render_list(&s, sess, t, &q, None).await
}

async fn render_list(
    s: &AppState,
    sess: Session,
    t: Tr,
    q: &HashMap<String, String>,
    failed: Option<String>,
) -> Result<Response, PageError> {
    let team = q.get("team").cloned().filter(|v| !v.is_empty());
    let r = uc::scorecards(
        &s.app,
        &sess.actor,
        ScorecardQuery {
            period: q.get("period").cloned().filter(|v| !v.is_empty()),
            team: team.clone(),
        },
    )
    .await
    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let mut teams: Vec<String> = r.cards.iter().filter_map(|c| c.team.clone()).collect();
    teams.sort();
    teams.dedup();
    if let Some(tm) = &team
        && !teams.contains(tm)
    {
        teams.push(tm.clone());
    }
    // The export keeps the page's period and team (a team's name is Chinese: encoded).
    let mut query = vec![("period", r.period.as_str())];
    query.extend(team.as_deref().map(|tm| ("team", tm)));
    let export = serde_urlencoded::to_string(&query).map_err(|e| {
        PageError::App(
            banyan_app::AppError::internal_from("the scorecards' export link", e),
            t,
            Some(sess.clone()),
        )
    })?;
    // A supervisor's team and branch targets: those set, and where one may be set (the branches and teams
    // of the people shown).
    let group_targets = if r.may_manage {
        uc::targets::group_targets(&s.app, &sess.actor, &r.period)
            .await
            .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
            .into_iter()
            .map(|g| {
                let kpi = g.kpi;
                (
                    group_words(t, &g.branch_code, g.team.as_deref()),
                    t.of("staff_kpi", kpi.as_str()),
                    shown(t, kpi, Some(g.target)),
                    t.get(if g.whole {
                        "perf.target_whole"
                    } else {
                        "perf.target_each"
                    })
                    .to_owned(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut places: Vec<(String, Option<String>)> = Vec::new();
    for c in &r.cards {
        if let Some(b) = &c.branch_code {
            places.push((b.clone(), None));
            places.extend(c.team.clone().map(|tm| (b.clone(), Some(tm))));
        }
    }
    places.sort();
    places.dedup();
    let groups = places
        .iter()
        .map(|(b, tm)| {
            (
                format!("{b}|{}", tm.as_deref().unwrap_or("")),
                group_words(t, b, tm.as_deref()),
            )
        })
        .collect();
    let mut codes: Vec<StaffKpi> = r
        .cards
        .iter()
        .flat_map(|c| c.lines.iter().map(|l| l.kpi))
        .collect();
    codes.sort_by_key(|k| k.as_str());
    codes.dedup();
    let kpis = codes
        .iter()
        .map(|k| (k.as_str().to_owned(), t.of("staff_kpi", k.as_str())))
        .collect();
    let rows = r
        .cards
        .iter()
        .map(|c| ListRow {
            href: format!("/performance/{}?period={}", c.staff_id, r.period),
            name: c.name.clone(),
            role: t.of("role", c.role.as_str()),
            team: team_words(t, c),
            composite: format!("{:.1}", c.composite),
            rank: t
                .get("perf.rank_of")
                .replace("{rank}", &c.rank.to_string())
                .replace("{n}", &c.team_size.to_string()),
            status: status_words(t, c),
        })
        .collect();
    Ok(page_status(
        ListPage {
            title: t.get("perf.title").to_owned(),
            c: chrome(t, Some(&sess), "/performance"),
            quarters: quarters(t, s.app.today(), &r.period),
            teams: teams
                .into_iter()
                .map(|x| {
                    let sel = team.as_deref() == Some(x.as_str());
                    (x, sel)
                })
                .collect(),
            range: format!(
                "{} – {}",
                t.date(&r.from.to_string()),
                t.date(&r.to.to_string())
            ),
            rows,
            may_manage: r.may_manage,
            export: format!("/performance.xlsx?{export}"),
            period: r.period.clone(),
            groups_summed: r.groups.iter().map(|g| group_row(t, g)).collect(),
            group_targets,
            groups,
            kpis,
            failed: failed.clone(),
        },
        failed.is_some(),
    ))
}

/// The quarter's scorecards in reach as the reader's XLSX workbook.
async fn export(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let q = ScorecardQuery {
        period: q.get("period").cloned().filter(|v| !v.is_empty()),
        team: q.get("team").cloned().filter(|v| !v.is_empty()),
    };
    let words = crate::ui::labels::ReaderWords(t);
    match uc::export_xlsx(&s.app, &sess.actor, q, &words).await {
        Ok(bytes) => Ok(crate::api::cases::xlsx_named(
            bytes,
            "attachment; filename=\"scorecards.xlsx\"",
        )),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

struct LineRow {
    kpi: String,
    pillar: String,
    figure: String,
    basis: String,
    target: String,
    /// Where the target comes from, when not the policy's card: 本人目标, 团队目标, 网点目标.
    source: Option<String>,
    attainment: String,
    /// The meter's value, 0-100 (attainment over 100 drawn full).
    bar: u32,
    weight: u8,
    score: String,
}

struct DecisionText {
    bonus: String,
    promotion: String,
    note: Option<String>,
    by: String,
}

struct RecordRow {
    kpi: String,
    reference: String,
    day: String,
    counts: String,
}

#[derive(Template)]
#[template(path = "performance_card.html")]
struct CardPage {
    c: Chrome,
    title: String,
    staff: String,
    period: String,
    period_words: String,
    role: String,
    team: String,
    composite: String,
    rank: String,
    status: String,
    comment: Option<String>,
    lines: Vec<LineRow>,
    trend: Vec<(String, String, u32)>,
    /// The composites of the periods before and this one, oldest first, as a line (two or more).
    trend_line: Option<(String, String)>,
    records: Vec<RecordRow>,
    may_manage: bool,
    may_close: bool,
    kpis: Vec<(String, String)>,
    ratings: Vec<(String, String)>,
    confirm_close: String,
    /// A year: its bonus and promotion decision shows (and, once closed, a supervisor records it).
    is_year: bool,
    decision: Option<DecisionText>,
    may_decide: bool,
    promotions: Vec<(String, String)>,
    confirm_decide: String,
    failed: Option<String>,
}

fn basis(t: Tr, l: &KpiLine) -> String {
    match l.kpi.unit() {
        KpiUnit::Count => String::new(),
        KpiUnit::Percent => t
            .get("perf.basis_of")
            .replace("{n}", &l.numerator.to_string())
            .replace("{d}", &l.denominator.to_string()),
        KpiUnit::Score => t
            .get("perf.ratings")
            .replace("{d}", &l.denominator.to_string()),
        KpiUnit::Growth => t
            .get("perf.growth_of")
            .replace("{from}", &t.money(l.denominator, "CNY"))
            .replace("{to}", &t.money(l.numerator, "CNY")),
        KpiUnit::Amount => String::new(),
        KpiUnit::Days => t
            .get("perf.measures_of")
            .replace("{d}", &l.denominator.to_string()),
        KpiUnit::Hours => String::new(),
        KpiUnit::Points => t
            .get("perf.assessments_of")
            .replace("{d}", &l.denominator.to_string()),
    }
}

/// How a record counts, in words: a rating, a growth's start and end, a fee, a care measure's time, or
/// whether it counts.
fn counts_words(t: Tr, r: &uc::figures::Record) -> String {
    if let Some(v) = r.rating {
        // A case's rating out of 5, an assessment's score out of 100.
        let key = if r.kpi == StaffKpi::AssessmentScore {
            "perf.points"
        } else {
            "kpi.score"
        };
        return t.get(key).replace("{v}", &v.to_string());
    }
    if let (Some(target), Some(actual)) = (r.target, r.actual) {
        let metric = banyan_domain::acquisition::targets::TargetMetric::parse(&r.reference);
        let v = |n: i64| match metric {
            Some(m) if m.is_money() => t.money(n, "CNY"),
            #[allow(clippy::cast_precision_loss)]
            Some(m) if m.share_of().is_some() => format!("{:.2}%", n as f64 / 100.0),
            _ => n.to_string(),
        };
        let how = t
            .get(&format!(
                "perf.how.acquisition_targets.{}",
                if r.counts { "yes" } else { "no" }
            ))
            .to_owned();
        return format!(
            "{how}（{}）",
            t.get("perf.target_actual")
                .replace("{actual}", &v(actual))
                .replace("{target}", &v(target))
        );
    }
    if let Some(m) = r.minutes {
        #[allow(clippy::cast_precision_loss)]
        let h = m as f64 / 60.0;
        return t.get("train.hours_v").replace("{v}", &format!("{h:.1}"));
    }
    let how = t
        .get(&format!(
            "perf.how.{}.{}",
            r.kpi.as_str(),
            if r.counts { "yes" } else { "no" }
        ))
        .to_owned();
    match (r.amount_from, r.amount_to, r.hours) {
        (Some(a), Some(b), _) => format!(
            "{how}（{}）",
            t.get("perf.growth_of")
                .replace("{from}", &t.money(a, "CNY"))
                .replace("{to}", &t.money(b, "CNY"))
        ),
        (None, Some(b), _) => t.money(b, "CNY"),
        (_, _, Some(h)) => format!(
            "{how}（{}）",
            t.get("perf.hours").replace("{h}", &h.to_string())
        ),
        _ => how,
    }
}

/// What a record names: a number, for a care KPI the task's or measure's kind in words (the customer is
/// not named outside the care team), for a training KPI the course's title.
fn reference_words(t: Tr, r: &uc::figures::Record, titles: &HashMap<String, String>) -> String {
    let family = match r.kpi {
        StaffKpi::CustomerSatisfaction => {
            let via = r.via.as_deref().unwrap_or("survey");
            return t
                .get("perf.rated_via")
                .replace("{ref}", &r.reference)
                .replace("{via}", &t.of("rating_via", via));
        }
        StaffKpi::AcquisitionTargets => {
            return t
                .get("perf.acq_target")
                .replace("{metric}", &t.of("target_metric", &r.reference));
        }
        StaffKpi::CareOnTime => "care_task",
        StaffKpi::CareHandlingDays => "care_measure",
        StaffKpi::CareSatisfaction => {
            return t
                .get("perf.care_rated")
                .replace("{role}", &t.of("care_role", &r.reference));
        }
        StaffKpi::TrainingHours | StaffKpi::AssessmentScore => {
            return titles
                .get(&r.reference)
                .cloned()
                .unwrap_or_else(|| r.reference.clone());
        }
        _ => return r.reference.clone(),
    };
    t.get("perf.care_item")
        .replace("{kind}", &t.of(family, &r.reference))
}

/// The composite over the periods closed before and this one, oldest first: the line's points and its
/// words (from the first period's composite to this one's).
fn trend_line(t: Tr, d: &CardDetail) -> Option<(String, String)> {
    let first = d.trend.last()?;
    let mut values: Vec<f64> = d.trend.iter().rev().map(|p| p.composite).collect();
    values.push(d.card.composite);
    let hi = values.iter().copied().fold(100.0, f64::max);
    let words = t
        .get("perf.trend_line")
        .replace("{from}", &quarter_words(t, &first.period))
        .replace("{a}", &format!("{:.1}", first.composite))
        .replace("{to}", &quarter_words(t, &d.period))
        .replace("{b}", &format!("{:.1}", d.card.composite));
    Some((
        crate::ui::charts::polyline(&values, 0.0, hi, 240.0, 48.0),
        words,
    ))
}

fn bar(v: Option<f64>) -> u32 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let w = v.unwrap_or(0.0).clamp(0.0, 100.0).round() as u32;
    w
}

fn card_view(
    t: Tr,
    tz: &jiff::tz::TimeZone,
    c_: Chrome,
    d: &CardDetail,
    titles: &HashMap<String, String>,
    failed: Option<String>,
) -> CardPage {
    let c = &d.card;
    let lines = c
        .lines
        .iter()
        .map(|l| LineRow {
            kpi: t.of("staff_kpi", l.kpi.as_str()),
            pillar: t.of("kpi_pillar", l.kpi.pillar().as_str()),
            figure: shown(t, l.kpi, l.figure),
            basis: basis(t, l),
            target: shown(t, l.kpi, Some(l.target)),
            source: match l.target_source {
                TargetSource::Policy => None,
                other => Some(t.of("target_source", other.as_str())),
            },
            attainment: l
                .attainment
                .map_or_else(|| t.get("perf.none").to_owned(), |a| format!("{a:.1}%")),
            bar: bar(l.attainment),
            weight: l.weight,
            score: format!("{:.1}", l.score),
        })
        .collect();
    let records = d
        .records
        .iter()
        .map(|r| RecordRow {
            kpi: t.of("staff_kpi", r.kpi.as_str()),
            reference: reference_words(t, r, titles),
            day: t.date(&r.day),
            counts: counts_words(t, r),
        })
        .collect();
    CardPage {
        title: format!("{} · {}", t.get("perf.title"), c.name),
        c: c_,
        staff: c.staff_id.to_string(),
        period: d.period.clone(),
        period_words: quarter_words(t, &d.period),
        role: t.of("role", c.role.as_str()),
        team: team_words(t, c),
        composite: format!("{:.1}", c.composite),
        rank: t
            .get("perf.rank_of")
            .replace("{rank}", &c.rank.to_string())
            .replace("{n}", &c.team_size.to_string()),
        status: status_words(t, c),
        comment: c.closed.as_ref().and_then(|k| k.comment.clone()),
        lines,
        trend: d
            .trend
            .iter()
            .map(|p| {
                (
                    quarter_words(t, &p.period),
                    format!("{:.1}", p.composite),
                    bar(Some(p.composite)),
                )
            })
            .collect(),
        trend_line: trend_line(t, d),
        records,
        may_manage: d.may_manage,
        may_close: d.may_manage && d.ended,
        kpis: c
            .lines
            .iter()
            .map(|l| (l.kpi.as_str().to_owned(), t.of("staff_kpi", l.kpi.as_str())))
            .collect(),
        ratings: PerfRating::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), t.of("perf_rating", r.as_str())))
            .collect(),
        confirm_close: t
            .get("perf.close_confirm")
            .replace("{name}", &c.name)
            .replace("{period}", &quarter_words(t, &d.period)),
        is_year: !d.period.contains("-Q"),
        decision: d.decision.as_ref().map(|x| DecisionText {
            bonus: t
                .get("perf.bonus_of")
                .replace("{v}", &x.bonus_pct.to_string()),
            promotion: t.of("promotion_advice", x.promotion.as_str()),
            note: x.note.clone(),
            by: t
                .get("perf.decided_v")
                .replace("{v}", &x.version.to_string())
                .replace("{by}", &x.decided_by)
                .replace("{at}", &t.datetime(tz, &x.decided_at.to_string()))
                .replace("{s}", &x.scorecard_version.to_string()),
        }),
        may_decide: d.may_manage && !d.period.contains("-Q") && c.closed.is_some(),
        promotions: PromotionAdvice::ALL
            .iter()
            .map(|p| (p.as_str().to_owned(), t.of("promotion_advice", p.as_str())))
            .collect(),
        confirm_decide: t
            .get("perf.decide_confirm")
            .replace("{name}", &c.name)
            .replace("{period}", &quarter_words(t, &d.period)),
        failed,
    }
}

async fn render(
    s: &AppState,
    sess: Session,
    t: Tr,
    staff: StaffId,
    period: Option<String>,
    failed: Option<String>,
) -> Result<Response, PageError> {
    let d = uc::scorecard(&s.app, &sess.actor, staff, period.as_deref())
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let bad = failed.is_some();
    // The training records name their courses: read the catalogue for their titles when there are any.
    let titles = if d
        .records
        .iter()
        .any(|r| matches!(r.kpi, StaffKpi::TrainingHours | StaffKpi::AssessmentScore))
    {
        training::titles(s, &sess, t).await?
    } else {
        HashMap::new()
    };
    let page = card_view(
        t,
        &s.app.tz,
        chrome(t, Some(&sess), "/performance"),
        &d,
        &titles,
        failed,
    );
    Ok(page_status(page, bad))
}

/// A use case's error as the page's error, for the signed-in reader.
pub(super) fn app_err(e: banyan_app::AppError, t: Tr, sess: &Session) -> PageError {
    PageError::App(e, t, Some(sess.clone()))
}

/// The record named by the path (a session, a scheme): not found when it names none.
pub(super) fn uuid_of(raw: &str, t: Tr, sess: &Session) -> Result<uuid::Uuid, PageError> {
    raw.parse::<uuid::Uuid>()
        .map_err(|_| app_err(banyan_app::AppError::NotFound, t, sess))
}

/// The person named by the path: not found when it names no one.
fn staff_of(raw: &str, t: Tr, sess: &Session) -> Result<StaffId, PageError> {
    raw.parse::<StaffId>()
        .map_err(|_| PageError::App(banyan_app::AppError::NotFound, t, Some(sess.clone())))
}

/// After a supervisor's form: back to the card, or the card again with the refusal in words.
async fn answered<T>(
    s: &AppState,
    sess: Session,
    t: Tr,
    staff: StaffId,
    period: String,
    result: Result<T, banyan_app::AppError>,
) -> Result<Response, PageError> {
    match result.map_err(|e| refusal(t, e)) {
        Ok(_) => Ok(Redirect::to(&format!("/performance/{staff}?period={period}")).into_response()),
        Err(Ok(msg)) => render(s, sess, t, staff, Some(period), Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

async fn card_page(
    State(s): State<AppState>,
    Path(staff): Path<String>,
    Signed { sess, t }: Signed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let staff = staff_of(&staff, t, &sess)?;
    render(&s, sess, t, staff, q.get("period").cloned(), None).await
}

async fn set_target(
    State(s): State<AppState>,
    Path(staff): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let staff = staff_of(&staff, t, &sess)?;
    let period = form_text(&f, "period");
    let kpi = f.get("kpi").and_then(|v| StaffKpi::parse(v));
    let target = form_text(&f, "target_value").and_then(|v| v.replace(',', "").parse::<f64>().ok());
    let (Some(period), Some(kpi), Some(target)) = (period.clone(), kpi, target) else {
        let field = if period.is_none() {
            "period"
        } else {
            "target_value"
        };
        let msg = crate::ui::forms::rule_text(t, field, "format", "", None);
        return render(&s, sess, t, staff, period, Some(msg)).await;
    };
    let input = PerfTargetInput {
        period: period.clone(),
        staff_id: staff,
        kpi,
        target_value: target,
    };
    let result = uc::set_target(&s.app, &sess.actor, input).await;
    answered(&s, sess, t, staff, period, result).await
}

async fn close(
    State(s): State<AppState>,
    Path(staff): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let staff = staff_of(&staff, t, &sess)?;
    let period = form_text(&f, "period");
    let rating = f.get("rating").and_then(|v| PerfRating::parse(v));
    let (Some(period), Some(rating)) = (period.clone(), rating) else {
        let field = if period.is_none() { "period" } else { "rating" };
        let msg = crate::ui::forms::rule_text(t, field, "required", "", None);
        return render(&s, sess, t, staff, period, Some(msg)).await;
    };
    let input = CloseInput {
        period: period.clone(),
        rating,
        comment: form_text(&f, "comment"),
    };
    let result = uc::close(&s.app, &sess.actor, staff, input).await;
    answered(&s, sess, t, staff, period, result).await
}

async fn decide(
    State(s): State<AppState>,
    Path(staff): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let staff = staff_of(&staff, t, &sess)?;
    let period = form_text(&f, "period");
    let bonus = form_text(&f, "bonus_pct").and_then(|v| v.parse::<i32>().ok());
    let promotion = f.get("promotion").and_then(|v| PromotionAdvice::parse(v));
    let (Some(period), Some(bonus_pct), Some(promotion)) = (period.clone(), bonus, promotion)
    else {
        let (field, rule) = match (&period, bonus) {
            (None, _) => ("period", "required"),
            (_, None) => ("bonus_pct", "format"),
            _ => ("promotion", "required"),
        };
        let msg = crate::ui::forms::rule_text(t, field, rule, "", None);
        return render(&s, sess, t, staff, period, Some(msg)).await;
    };
    let input = uc::decision::DecisionInput {
        period: period.clone(),
        bonus_pct,
        promotion,
        note: form_text(&f, "note"),
    };
    let result = uc::decision::decide(&s.app, &sess.actor, staff, input).await;
    answered(&s, sess, t, staff, period, result).await
}

/// A team's or branch's target from the list page: back to the list, or the list again with the refusal.
async fn set_group_target(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let period = form_text(&f, "period");
    let group = form_text(&f, "group");
    let kpi = f.get("kpi").and_then(|v| StaffKpi::parse(v));
    let target = form_text(&f, "target_value").and_then(|v| v.replace(',', "").parse::<f64>().ok());
    let mut q = HashMap::new();
    if let Some(p) = &period {
        q.insert("period".to_owned(), p.clone());
    }
    let place = group.as_deref().and_then(|g| g.split_once('|'));
    let (Some(period), Some((branch, team)), Some(kpi), Some(target)) =
        (period.clone(), place, kpi, target)
    else {
        // A value that is not a number is of the wrong format; anything else missing is required.
        let (field, rule) = match (&period, place, kpi) {
            (None, _, _) => ("period", "required"),
            (_, None, _) => ("branch_code", "required"),
            (_, _, None) => ("kpi", "required"),
            _ => ("target_value", "format"),
        };
        let msg = crate::ui::forms::rule_text(t, field, rule, "", None);
        return render_list(&s, sess, t, &q, Some(msg)).await;
    };
    let input = uc::targets::GroupTargetInput {
        period: period.clone(),
        branch_code: branch.to_owned(),
        team: Some(team.to_owned()).filter(|x| !x.is_empty()),
        kpi,
        target_value: target,
        // The form picks 每人 or 整体; anything else is each person's, as the API's default.
        whole: form_text(&f, "applies").as_deref() == Some("whole"),
    };
    match uc::targets::set_group_target(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to(&format!("/performance?period={period}")).into_response()),
        Err(Ok(msg)) => render_list(&s, sess, t, &q, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
