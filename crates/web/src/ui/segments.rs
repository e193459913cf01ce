//! The policy engine's pages: a customer's segments, measures and alerts, the questionnaire, the policy.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, chrome, page};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

/// The segments section of the 360 page, in the user's language.
#[derive(Debug, Default)]
pub(crate) struct Segs {
    pub(crate) policy: String,
    pub(crate) rows: Vec<SegmentLine>,
    pub(crate) measures: Vec<String>,
    pub(crate) blocked: Vec<String>,
    pub(crate) alerts: Vec<AlertRow>,
    pub(crate) history: Vec<SegmentChange>,
}

/// A segment the customer is in: the dimension, the value, the checks behind it and the rule's own words.
#[derive(Debug)]
pub(crate) struct SegmentLine {
    pub(crate) dimension: String,
    pub(crate) value: String,
    pub(crate) checks: Vec<String>,
    pub(crate) reason: String,
}

/// A change of segment: when, which dimension, old → new, and why.
#[derive(Debug)]
pub(crate) struct SegmentChange {
    pub(crate) at: String,
    pub(crate) dimension: String,
    pub(crate) change: String,
    pub(crate) reason: String,
}

/// An early-warning alert as shown.
#[derive(Debug)]
pub(crate) struct AlertRow {
    pub(crate) id: Uuid,
    pub(crate) indicator: String,
    pub(crate) reason: String,
    pub(crate) due: String,
    pub(crate) open: bool,
    pub(crate) status: String,
}

/// A check of a decision in words: `管理资产 ¥3,200,000.00 ≥ ¥2,000,000.00`.
pub(crate) fn check_text(t: Tr, c: &banyan_domain::segments::Check) -> String {
    let f = |v: f64| match c.unit.as_str() {
        "money" => t.money(v.round() as i64, "CNY"),
        "ratio" => format!("{:.1}%", v * 100.0),
        _ => format!("{}", v.round() as i64),
    };
    let op = match c.op.as_str() {
        ">=" => "≥",
        "<=" => "≤",
        other => other,
    };
    format!(
        "{} {} {op} {}",
        t.of("fact", &c.fact),
        f(c.value),
        f(c.threshold)
    )
}

pub(crate) fn segs(t: Tr, tz: &jiff::tz::TimeZone, v: banyan_app::segments::SegmentsView) -> Segs {
    let value = |dim: &str, val: &str| t.of(&format!("seg.{dim}"), val);
    Segs {
        policy: format!("{} ({})", v.policy_version, v.policy_hash),
        rows: v
            .assignments
            .iter()
            .map(|a| SegmentLine {
                dimension: t.of("dim", &a.dimension),
                value: value(&a.dimension, &a.value),
                checks: a.checks.iter().map(|c| check_text(t, c)).collect(),
                reason: a.reason.clone(),
            })
            .collect(),
        measures: v
            .measures
            .measures
            .iter()
            .map(|m| t.of("measure", m))
            .collect(),
        blocked: v
            .measures
            .blocked
            .iter()
            .map(|m| t.of("action", m))
            .collect(),
        alerts: v
            .alerts
            .iter()
            .map(|a| AlertRow {
                id: a.id,
                indicator: t.of("indicator", &a.indicator),
                reason: a.reason.clone(),
                due: t.date(&a.due_on),
                open: a.status == "open",
                status: t.of("alert", &a.status),
            })
            .collect(),
        history: v
            .history
            .iter()
            .map(|h| {
                let show = |x: &Option<String>| {
                    x.as_deref()
                        .map(|x| value(&h.dimension, x))
                        .unwrap_or_else(|| "—".into())
                };
                SegmentChange {
                    at: t.datetime(tz, &h.at),
                    dimension: t.of("dim", &h.dimension),
                    change: format!("{} → {}", show(&h.old), show(&h.new)),
                    reason: h.reason.clone(),
                }
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "policy.html")]
pub(crate) struct PolicyPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    /// Version label and content hash.
    pub(crate) version: String,
    pub(crate) policy: String,
}

pub(crate) async fn policy_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let (policy_in_force, hash) = match banyan_app::segments::policy_in_force(&s.app, &sess.actor) {
        Ok(p) => p,
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    let policy = toml::to_string_pretty(policy_in_force.as_ref()).unwrap_or_default();
    Ok(page(PolicyPage {
        title: t.get("admin.policy").to_owned(),
        c: chrome(t, Some(&sess), "/admin/policy"),
        version: format!("{} ({hash})", policy_in_force.version),
        policy,
    }))
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/admin/policy", get(policy_page))
}
