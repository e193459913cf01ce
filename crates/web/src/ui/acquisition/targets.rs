//! Acquisition targets on the workbench: a period's targets beside their actuals, and the form that sets one
//! (supervisors for their branch, senior managers for the bank).

use super::options;
use crate::AppState;
use crate::ui::forms::{form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::access::Session;
use banyan_app::acquisition::targets::{self as uc, TargetInput, TargetQuery};
use banyan_domain::acquisition::targets::{TargetLevel, TargetMetric, TargetPeriod};

struct Line {
    level: String,
    owner: String,
    metric: String,
    /// A count, or an amount in yuan for what the new customers brought.
    target: String,
    actual: String,
    gap: String,
    attainment: String,
    reached: bool,
}

#[derive(Template)]
#[template(path = "lead_targets.html")]
struct TargetsPage {
    c: Chrome,
    title: String,
    period: String,
    starts_on: String,
    ends_on: String,
    periods: Vec<(&'static str, String)>,
    levels: Vec<(&'static str, String)>,
    metrics: Vec<(&'static str, String)>,
    lines: Vec<Line>,
    can_set: bool,
    branches: Vec<String>,
    teams: Vec<String>,
    staff: Vec<(String, String)>,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct PeriodForm {
    #[serde(default)]
    period: String,
    #[serde(default)]
    starts_on: String,
}

async fn view(
    s: &AppState,
    sess: Session,
    t: Tr,
    p: PeriodForm,
    error: Option<String>,
) -> Result<Response, PageError> {
    let q = TargetQuery {
        period: TargetPeriod::parse(p.period.trim()),
        starts_on: Some(p.starts_on.trim().to_owned()).filter(|v| !v.is_empty()),
    };
    let (report, error) = match uc::report(&s.app, &sess.actor, q).await {
        Ok(r) => (Some(r), error),
        Err(e) => match refusal(t, e) {
            Ok(msg) => (None, Some(msg)),
            Err(e) => return Err(PageError::App(e, t, Some(sess))),
        },
    };
    let lines = report
        .as_ref()
        .map(|r| {
            r.lines
                .iter()
                .map(|l| Line {
                    level: t.of("target_level", l.level.as_str()),
                    owner: match l.level {
                        TargetLevel::Bank => t.get("lead.bank_wide").to_owned(),
                        TargetLevel::Branch => l.branch_code.clone().unwrap_or_default(),
                        TargetLevel::Team => format!(
                            "{} {}",
                            l.branch_code.clone().unwrap_or_default(),
                            l.team.clone().unwrap_or_default()
                        ),
                        TargetLevel::Person => l.staff_name.clone().unwrap_or_default(),
                    },
                    metric: t.of("target_metric", l.metric.as_str()),
                    target: figure(t, l.metric, l.target),
                    actual: figure(t, l.metric, l.actual),
                    gap: figure(t, l.metric, l.gap),
                    attainment: format!(
                        "{}.{} %",
                        l.attainment_permille / 10,
                        l.attainment_permille % 10
                    ),
                    reached: l.target > 0 && l.actual >= l.target,
                })
                .collect()
        })
        .unwrap_or_default();
    let can_set = sess.actor.offers().targets;
    let choices = if can_set {
        uc::staff_choices(&s.app, &sess.actor)
            .await
            .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
    } else {
        Vec::new()
    };
    let mut branches: Vec<String> = choices.iter().filter_map(|c| c.2.clone()).collect();
    branches.sort();
    branches.dedup();
    let mut teams: Vec<String> = choices.iter().filter_map(|c| c.3.clone()).collect();
    teams.sort();
    teams.dedup();
    let failed = error.is_some();
    Ok(page_status(
        TargetsPage {
            title: t.get("lead.targets").to_owned(),
            c: chrome(t, Some(&sess), "/leads/targets"),
            period: report
                .as_ref()
                .map(|r| r.period.as_str().to_owned())
                .unwrap_or(p.period),
            starts_on: report
                .as_ref()
                .map(|r| r.starts_on.clone())
                .unwrap_or(p.starts_on),
            ends_on: report
                .as_ref()
                .map(|r| r.ends_on.clone())
                .unwrap_or_default(),
            periods: options(t, "target_period", TargetPeriod::ALL, TargetPeriod::as_str),
            levels: options(t, "target_level", TargetLevel::ALL, TargetLevel::as_str),
            metrics: options(t, "target_metric", TargetMetric::ALL, TargetMetric::as_str),
            lines,
            can_set,
            branches,
            teams,
            staff: choices
                .into_iter()
                .map(|(id, name, b, _)| {
                    (
                        id.to_string(),
                        format!("{name}（{}）", b.unwrap_or_default()),
                    )
                })
                .collect(),
            error,
        },
        failed,
    ))
}

/// A target's figure as the page shows it: a count, or an amount in CNY.
fn figure(t: Tr, metric: TargetMetric, v: i64) -> String {
    if metric.is_money() {
        t.money(v, "CNY")
    } else {
        v.to_string()
    }
}

pub(super) async fn targets_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<PeriodForm>,
) -> Result<Response, PageError> {
    view(&s, sess, t, p, None).await
}

pub(super) async fn set_target(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let period = f
        .get("period")
        .and_then(|v| TargetPeriod::parse(v))
        .unwrap_or(TargetPeriod::Quarter);
    let starts_on = form_text(&f, "starts_on").unwrap_or_default();
    let level = f.get("level").and_then(|v| TargetLevel::parse(v));
    let metric = f.get("metric").and_then(|v| TargetMetric::parse(v));
    // An amount target is typed in yuan (5,000,000.00), a count as a whole number.
    let value = form_text(&f, "value").and_then(|v| match metric {
        Some(m) if m.is_money() => banyan_domain::money::parse_major(&v, 2).ok(),
        _ => v.replace(',', "").parse::<i64>().ok(),
    });
    let back = PeriodForm {
        period: period.as_str().to_owned(),
        starts_on: starts_on.clone(),
    };
    let (Some(level), Some(metric), Some(value)) = (level, metric, value) else {
        let msg = crate::ui::forms::rule_text(t, "value", "format", "", None);
        return view(&s, sess, t, back, Some(msg)).await;
    };
    let input = TargetInput {
        period,
        starts_on: starts_on.clone(),
        level,
        branch_code: form_text(&f, "branch_code"),
        team: form_text(&f, "team").filter(|_| level == TargetLevel::Team),
        staff: form_text(&f, "staff")
            .filter(|_| level == TargetLevel::Person)
            .and_then(|v| v.parse().ok()),
        metric,
        value,
    };
    let input = TargetInput {
        branch_code: input
            .branch_code
            .filter(|_| matches!(level, TargetLevel::Branch | TargetLevel::Team)),
        ..input
    };
    match uc::set_target(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/leads/targets?period={}&starts_on={}",
            period.as_str(),
            starts_on
        ))
        .into_response()),
        Err(Ok(msg)) => view(&s, sess, t, back, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
