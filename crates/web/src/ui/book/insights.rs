//! Insights on the customer's page (需求洞察): what a rule found, in words, with the records behind it; the
//! manager marks one acted on or sets it aside with a reason (those writes are in `ui/customers/writes`).

use crate::AppState;
use crate::ui::i18n::Tr;
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::book::insights::{self as uc, InsightView};
use banyan_domain::book::insight::{InsightSource, InsightStatus};
use banyan_domain::engagement::METHODS;
use std::collections::HashMap;
use uuid::Uuid;

/// An insight as the customer's page shows it.
pub(crate) struct InsightLine {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    /// "近 30 天 4 次" / "近 90 天 2 笔，合计 ¥36,000.00".
    pub(crate) reason: String,
    /// The records behind it, in words.
    pub(crate) evidence: Vec<String>,
    pub(crate) status: String,
    pub(crate) open: bool,
    pub(crate) version: i32,
    /// Who acted on it or set it aside, when, and the note.
    pub(crate) decided: String,
    pub(crate) made: String,
    /// The follow-up task it opened, in words (empty when none).
    pub(crate) follow_up: String,
    /// The follow-up form's picks: (method code, label), and the due day it proposes (in three days).
    pub(crate) methods: Vec<(&'static str, String)>,
    pub(crate) due_default: String,
    pub(crate) due_min: String,
    pub(crate) due_max: String,
    /// A possible care lead (the book's `care_lead` rule, seed 003's data-analysis channel): the page offers to
    /// report it for a supervisor to verify.
    pub(crate) care_lead: bool,
}

/// The products a holdings insight's evidence names, by code, in the reader's language (the evidence keeps
/// the code the catalogue knows the product by).
pub(crate) async fn product_words(
    s: &AppState,
    actor: &banyan_app::actor::Actor,
    t: Tr,
    views: &[&InsightView],
) -> Result<HashMap<String, String>, AppError> {
    let codes: Vec<String> = views
        .iter()
        .filter(|v| v.source == Some(InsightSource::Holdings))
        .flat_map(|v| v.evidence.iter().map(|e| e.what.clone()))
        .collect();
    Ok(banyan_app::book::product_names(&s.app, actor, &codes)
        .await?
        .into_iter()
        .map(|(code, names)| (code, super::name_in(t, &names)))
        .collect())
}

pub(crate) fn line(
    s: &AppState,
    t: Tr,
    v: InsightView,
    products: &HashMap<String, String>,
) -> InsightLine {
    let f = &v.facts;
    let days = f.window_days.to_string();
    let count = f.count.to_string();
    let reason = match v.source {
        Some(InsightSource::Holdings) if v.above_risk_appetite => {
            t.get("insight.reason_above_appetite")
        }
        Some(InsightSource::Events) => t.get("insight.reason_events"),
        Some(InsightSource::Holdings) => t.get("insight.reason_holdings"),
        Some(InsightSource::Interactions) => t.get("insight.reason_interactions"),
        _ => t.get("insight.reason_transactions"),
    }
    .replace("{days}", &days)
    .replace("{n}", &count)
    .replace("{total}", &t.money(f.total_cny.abs(), "CNY"));
    let evidence = v
        .evidence
        .iter()
        .map(|e| {
            let when = if e.at.len() == 10 {
                t.date(&e.at)
            } else {
                t.datetime(&s.app.tz, &e.at)
            };
            // Only a holdings rule's evidence names products (a code of another kind could match one).
            let product = (v.source == Some(InsightSource::Holdings))
                .then(|| products.get(&e.what))
                .flatten();
            let what = match product {
                Some(name) => name.clone(),
                None => crate::ui::labels::code_label(
                    t,
                    &["tx_category", "direction", "event_kind", "method"],
                    &e.what,
                ),
            };
            match e.amount_cny {
                Some(a) => format!("{when} {what} {}", t.money(a, "CNY")),
                None => format!("{when} {what}"),
            }
        })
        .collect();
    let status = if v.expired {
        t.get("insight.expired").to_owned()
    } else {
        t.of("insight_status", v.status.as_str())
    };
    let decided = match (&v.decided_by, &v.decided_at) {
        (Some(by), Some(at)) => {
            let note = v.note.clone().unwrap_or_default();
            format!("{by} {} {note}", t.datetime(&s.app.tz, at))
        }
        _ => String::new(),
    };
    let follow_up = v.task.as_ref().map_or_else(String::new, |task| {
        t.get("insight.task")
            .replace("{method}", &t.of("method", &task.method))
            .replace("{due}", &t.date(&task.due_on))
            .replace("{status}", &t.of("task", &task.status))
    });
    let today = s.app.today();
    let in_days = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .map_or_else(|_| today.to_string(), |d| d.to_string())
    };
    InsightLine {
        follow_up,
        methods: METHODS.iter().map(|m| (*m, t.of("method", m))).collect(),
        due_default: in_days(3),
        due_min: in_days(0),
        due_max: in_days(uc::FOLLOW_UP_DAYS),
        id: v.id,
        care_lead: v.key == "care_lead",
        title: t.of("insight", &v.key),
        reason,
        evidence,
        status,
        open: v.status == InsightStatus::Open && !v.expired,
        version: v.version,
        decided,
        made: t.datetime(&s.app.tz, &v.created_at),
    }
}

/// The customer's insights for their page.
pub(crate) async fn insight_lines(
    s: &AppState,
    sess: &Session,
    t: Tr,
    seen: &banyan_app::scope::Seen,
) -> Result<Vec<InsightLine>, AppError> {
    let views = uc::customer_insights(&s.app, &sess.actor, seen).await?;
    let products = product_words(s, &sess.actor, t, &views.iter().collect::<Vec<_>>()).await?;
    Ok(views
        .into_iter()
        .map(|v| line(s, t, v, &products))
        .collect())
}

/// One row of the insight report in words.
pub(crate) struct ReportRow {
    pub(crate) title: String,
    pub(crate) cells: Vec<String>,
}

fn report_row(t: Tr, l: &uc::InsightReportLine) -> ReportRow {
    let pct = |p: Option<f64>| p.map_or_else(|| "—".to_owned(), |p| format!("{p:.1}%"));
    ReportRow {
        title: if l.key == "total" {
            t.get("insight.total").to_owned()
        } else {
            t.of("insight", &l.key)
        },
        cells: vec![
            l.made.to_string(),
            l.open.to_string(),
            l.acted.to_string(),
            l.dismissed.to_string(),
            l.expired.to_string(),
            l.tasks.to_string(),
            l.tasks_done.to_string(),
            // Not a sales opportunity: no conversion to count.
            l.converted
                .map_or_else(|| "—".to_owned(), |c| c.to_string()),
            pct(l.acted_pct),
            pct(l.converted_pct),
        ],
    }
}

/// The report's columns after the rule's name.
const REPORT_COLUMNS: [&str; 10] = [
    "insight.col.made",
    "insight.col.open",
    "insight.col.acted",
    "insight.col.dismissed",
    "insight.col.expired",
    "insight.col.tasks",
    "insight.col.tasks_done",
    "insight.col.converted",
    "insight.col.acted_pct",
    "insight.col.converted_pct",
];

#[derive(askama::Template)]
#[template(path = "insight_report.html")]
pub(crate) struct ReportPage {
    pub(crate) c: crate::ui::page::Chrome,
    pub(crate) title: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) intro: String,
    pub(crate) heads: Vec<String>,
    pub(crate) rows: Vec<ReportRow>,
    pub(crate) total: Option<ReportRow>,
    /// The gate's refusals in the same days: (blocked action, rating, count), in words.
    pub(crate) refusals: Vec<(String, String, i64)>,
    /// The conversion chart: one bar per rule, converted of made.
    pub(crate) chart: crate::ui::forms::Chart,
    pub(crate) error: Option<String>,
}

#[derive(Debug, serde::Deserialize, Default)]
pub(crate) struct ReportForm {
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
}

/// 需求洞察与转化: the insights made in a period and what became of them, with the gate's refusals beside.
pub(crate) async fn report_page(
    axum::extract::State(s): axum::extract::State<AppState>,
    crate::ui::page::Signed { sess, t }: crate::ui::page::Signed,
    axum::extract::Query(p): axum::extract::Query<ReportForm>,
) -> Result<axum::response::Response, crate::ui::page::PageError> {
    use crate::ui::page::PageError;
    let today = s.app.today();
    let from = p
        .from
        .parse::<jiff::civil::Date>()
        .unwrap_or_else(|_| today.first_of_month());
    let to = p.to.parse::<jiff::civil::Date>().unwrap_or(today);
    let refused = banyan_app::book::sales::refusal_counts(&s.app, &sess.actor, from, to);
    let (report, refusals) = match (
        uc::report(&s.app, &sess.actor, from, to).await,
        refused.await,
    ) {
        (Ok(r), Ok(f)) => (r, f),
        (Err(AppError::Validation(e)), _) | (_, Err(AppError::Validation(e))) => {
            let msg = crate::ui::forms::field_errors_text(t, &e);
            return Ok(crate::ui::page::page(ReportPage {
                title: t.get("insight.report").to_owned(),
                c: crate::ui::page::chrome(t, Some(&sess), "/insights/report"),
                from: from.to_string(),
                to: to.to_string(),
                intro: String::new(),
                heads: Vec::new(),
                rows: Vec::new(),
                total: None,
                refusals: Vec::new(),
                chart: Default::default(),
                error: Some(msg),
            }));
        }
        (Err(e), _) | (_, Err(e)) => return Err(PageError::App(e, t, Some(sess))),
    };
    // Only the sales opportunities have a conversion to draw.
    let chart = crate::ui::forms::Chart::new(report.lines.iter().filter_map(|l| {
        let converted = l.converted?;
        let pct = l.converted_pct.unwrap_or(0.0);
        Some((
            t.of("insight", &l.key),
            (pct * 3.0).round() as u32,
            format!("{converted} / {}", l.made),
        ))
    }));
    Ok(crate::ui::page::page(ReportPage {
        title: t.get("insight.report").to_owned(),
        c: crate::ui::page::chrome(t, Some(&sess), "/insights/report"),
        from: from.to_string(),
        to: to.to_string(),
        intro: t
            .get("insight.report_intro")
            .replace("{days}", &report.conversion_days.to_string()),
        heads: REPORT_COLUMNS.iter().map(|k| t.get(k).to_owned()).collect(),
        rows: report.lines.iter().map(|l| report_row(t, l)).collect(),
        total: (report.total.made > 0).then(|| report_row(t, &report.total)),
        refusals: refusals
            .into_iter()
            .map(|r| {
                (
                    t.of("action", &r.action),
                    crate::ui::labels::code_label(
                        t,
                        &["seg.risk_rating", "seg.credit_grade", "seg.risk_appetite"],
                        &r.rating,
                    ),
                    r.count,
                )
            })
            .collect(),
        chart,
        error: None,
    }))
}
