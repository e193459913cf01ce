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
use banyan_domain::acquisition::targets::{MarketMeasure, TargetLevel, TargetMetric, TargetPeriod};

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
    /// A share target: the bank's own figure and the market's, in words ("12 / 369"), or that the market's
    /// figure is not recorded yet.
    market: Option<String>,
}

/// A recorded figure of the market.
struct MarketView {
    region: String,
    measure: String,
    value: String,
    source: String,
    by: String,
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
    market: Vec<MarketView>,
    measures: Vec<(&'static str, String)>,
    /// Whether the reader may record the bank's whole market (a bank-wide role), beside the branches'.
    bank_market: bool,
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
                    market: l.metric.share_of().map(|m| match (l.own, l.market) {
                        (Some(own), Some(whole)) => t
                            .get("market.of")
                            .replace("{own}", &market_figure(t, m, own))
                            .replace("{market}", &market_figure(t, m, whole)),
                        _ => t.get("market.not_recorded").to_owned(),
                    }),
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
    let market = match &report {
        Some(r) => match TargetPeriod::parse(r.period.as_str()) {
            Some(period) => {
                banyan_app::acquisition::market::market(&s.app, &sess.actor, period, &r.starts_on)
                    .await
                    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
            }
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let market = market
        .into_iter()
        .map(|m| MarketView {
            region: m
                .branch_code
                .clone()
                .unwrap_or_else(|| t.get("lead.bank_wide").to_owned()),
            measure: t.of("market_measure", m.measure.as_str()),
            value: market_figure(t, m.measure, m.value),
            source: m.source,
            by: m.set_by,
        })
        .collect();
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
            market,
            measures: options(
                t,
                "market_measure",
                MarketMeasure::ALL,
                MarketMeasure::as_str,
            ),
            bank_market: banyan_app::acquisition::market::may_record_bank_market(&sess.actor),
        },
        failed,
    ))
}

/// The period a targets-page form was posted for (the quarter when it names none), its first day, and the
/// page to show again on a refusal.
fn posted_period(
    f: &std::collections::HashMap<String, String>,
) -> (TargetPeriod, String, PeriodForm) {
    let period = f
        .get("period")
        .and_then(|v| TargetPeriod::parse(v))
        .unwrap_or(TargetPeriod::Quarter);
    let starts_on = form_text(f, "starts_on").unwrap_or_default();
    let back = PeriodForm {
        period: period.as_str().to_owned(),
        starts_on: starts_on.clone(),
    };
    (period, starts_on, back)
}

/// A target's figure as the page shows it: a count, an amount in CNY, or a share in percent.
fn figure(t: Tr, metric: TargetMetric, v: i64) -> String {
    if metric.is_money() {
        t.money(v, "CNY")
    } else if metric.share_of().is_some() {
        format!("{}.{:02} %", v / 100, v % 100)
    } else {
        v.to_string()
    }
}

/// A figure of the market as the page shows it: a count of customers or an amount in CNY.
fn market_figure(t: Tr, m: MarketMeasure, v: i64) -> String {
    if m.is_money() {
        t.money(v, "CNY")
    } else {
        v.to_string()
    }
}

/// A typed share in percent with at most two decimals (`3.25`, `3.25%`) in basis points.
fn percent_bp(v: &str) -> Option<i64> {
    let v = v.trim().trim_end_matches(['%', '％']).trim();
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !(whole.chars().chain(frac.chars())).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()?.checked_mul(100)? + frac.parse::<i64>().ok()?)
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
    let (period, starts_on, back) = posted_period(&f);
    let level = f.get("level").and_then(|v| TargetLevel::parse(v));
    let metric = f.get("metric").and_then(|v| TargetMetric::parse(v));
    // An amount target is typed in yuan (5,000,000.00), a share in percent (3.25), a count as a whole number.
    let value = form_text(&f, "value").and_then(|v| match metric {
        Some(m) if m.is_money() => banyan_domain::money::parse_major(&v, 2).ok(),
        Some(m) if m.share_of().is_some() => percent_bp(&v),
        _ => v.replace(',', "").parse::<i64>().ok(),
    });
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

/// Records the market's figure of the shown period for the bank or a branch's area.
pub(super) async fn set_market(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let (period, starts_on, back) = posted_period(&f);
    let measure = f.get("measure").and_then(|v| MarketMeasure::parse(v));
    // An amount is typed in yuan, a count of customers as a whole number.
    let value = form_text(&f, "value").and_then(|v| match measure {
        Some(m) if m.is_money() => banyan_domain::money::parse_major(&v, 2).ok(),
        _ => v.replace(',', "").parse::<i64>().ok(),
    });
    let (Some(measure), Some(value)) = (measure, value) else {
        let msg = crate::ui::forms::rule_text(t, "value", "format", "", None);
        return view(&s, sess, t, back, Some(msg)).await;
    };
    let input = banyan_app::acquisition::market::MarketInput {
        period,
        starts_on: starts_on.clone(),
        branch_code: form_text(&f, "branch_code"),
        measure,
        value,
        source: form_text(&f, "source").unwrap_or_default(),
    };
    match banyan_app::acquisition::market::set_market(&s.app, &sess.actor, input)
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/leads/targets?period={}&starts_on={}#market",
            period.as_str(),
            starts_on
        ))
        .into_response()),
        Err(Ok(msg)) => view(&s, sess, t, back, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_share_is_typed_in_percent() {
        assert_eq!(super::percent_bp("3.25"), Some(325));
        assert_eq!(super::percent_bp("3.5 %"), Some(350));
        assert_eq!(super::percent_bp("12"), Some(1200));
        assert_eq!(super::percent_bp("3.255"), None);
        assert_eq!(super::percent_bp("-1"), None);
        assert_eq!(super::percent_bp(""), None);
    }
}
