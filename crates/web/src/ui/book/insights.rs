//! Insights on the customer's page (需求洞察): what a rule found, in words, with the records behind it; the
//! manager marks one acted on or sets it aside with a reason (those writes are in `ui/customers/writes`).

use crate::AppState;
use crate::ui::i18n::Tr;
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::book::insights::{self as uc, InsightView};
use banyan_domain::book::insight::{InsightSource, InsightStatus};
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
}

pub(crate) fn line(s: &AppState, t: Tr, v: InsightView) -> InsightLine {
    let f = &v.facts;
    let days = f.window_days.to_string();
    let count = f.count.to_string();
    let reason = match v.source {
        Some(InsightSource::Events) => t.get("insight.reason_events"),
        Some(InsightSource::Holdings) => t.get("insight.reason_holdings"),
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
            let what = crate::ui::labels::code_label(
                t,
                &["tx_category", "direction", "event_kind"],
                &e.what,
            );
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
    InsightLine {
        id: v.id,
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
    id: Uuid,
) -> Result<Vec<InsightLine>, AppError> {
    Ok(uc::customer_insights(&s.app, &sess.actor, id)
        .await?
        .into_iter()
        .map(|v| line(s, t, v))
        .collect())
}
