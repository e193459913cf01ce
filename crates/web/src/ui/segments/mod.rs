//! The policy engine's pages: a customer's segments, measures and alerts, the questionnaire, the policy;
//! the alert queue in `alerts`.

pub(crate) mod alerts;

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
}

/// A change of segment: when, which dimension, old → new, and why.
#[derive(Debug)]
pub(crate) struct SegmentChange {
    pub(crate) at: String,
    pub(crate) dimension: String,
    pub(crate) change: String,
}

/// An alert (early warning or monitoring) as the customer's page shows it.
#[derive(Debug)]
pub(crate) struct AlertRow {
    pub(crate) id: Uuid,
    pub(crate) indicator: String,
    /// A monitoring alert's day, or empty.
    pub(crate) day: String,
    pub(crate) due: String,
    pub(crate) open: bool,
    /// Closed from its own page, where the disposition is chosen and the transactions are shown.
    pub(crate) monitoring: bool,
    pub(crate) status: String,
}

/// A check of a decision in words: `管理资产 ¥3,200,000.00 ≥ ¥2,000,000.00`.
pub(crate) fn check_text(t: Tr, c: &banyan_domain::segments::Check) -> String {
    let f = |v: f64| match c.unit.as_str() {
        "money" => t.money(v.round() as i64, "CNY"),
        "ratio" => format!("{:.1}%", v * 100.0),
        "times" => format!("{v:.1}"),
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
                day: if a.subject.is_empty() {
                    String::new()
                } else {
                    t.date(&a.subject)
                },
                due: t.date(&a.due_on),
                open: a.status == banyan_domain::book::monitoring::AlertStatus::Open,
                monitoring: a.criterion.is_some(),
                status: t.of("alert", a.status.as_str()),
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
    /// The rules in force in words: (section heading, lines).
    pub(crate) sections: Vec<(String, Vec<String>)>,
    /// The policy file itself, for administrators who compare it with the one they deployed.
    pub(crate) policy: String,
}

/// The policy's review periods and complaint rules as sentences.
fn policy_sections(t: Tr, p: &banyan_domain::policy::Policy) -> Vec<(String, Vec<String>)> {
    let span = |s: &banyan_domain::calendar::Span| {
        t.get(&format!("unit.{}", s.unit.as_str()))
            .replace("{n}", &s.amount.to_string())
    };
    let months = |kind: &str, n: u8| {
        t.get("policy.review_every")
            .replace("{kind}", t.get(kind))
            .replace("{n}", &n.to_string())
    };
    let review = vec![
        months("kind.individual", p.review.individual_months),
        months("kind.corporate", p.review.corporate_months),
        months("kind.institution", p.review.institution_months),
    ];
    let f = &p.feedback;
    let when = |conds: Vec<String>| match conds.is_empty() {
        true => t.get("policy.any_case").to_owned(),
        false => conds.join("，"),
    };
    let of = |family: &str, v: &Option<String>| v.as_ref().map(|v| t.of(family, v));
    let sla = f
        .sla
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut c: Vec<String> = [
                of("fb.kind", &r.kind),
                of("party", &r.party),
                of("fb.severity", &r.severity),
            ]
            .into_iter()
            .flatten()
            .collect();
            if r.complex == Some(true) {
                c.push(t.get("case.complex").to_owned());
            }
            format!(
                "{}：{} → {}",
                crate::ui::labels::rule_ref(t, &format!("sla[{i}]")),
                when(c),
                span(&r.within)
            )
        })
        .collect();
    let mut routing: Vec<String> = f
        .routing
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let seg = match (&r.dimension, &r.value) {
                (Some(d), Some(v)) => Some(format!(
                    "{} {}",
                    t.of("dim", d),
                    t.of(&format!("seg.{d}"), v)
                )),
                _ => None,
            };
            let c: Vec<String> = [
                of("fb.kind", &r.kind),
                of("fb.product", &r.product),
                r.branch.clone(),
                of("fb.severity", &r.severity),
                of("party", &r.party),
                seg,
            ]
            .into_iter()
            .flatten()
            .collect();
            format!(
                "{}：{} → {}",
                crate::ui::labels::rule_ref(t, &format!("routing[{i}]")),
                when(c),
                crate::ui::labels::department(t, &r.department)
            )
        })
        .collect();
    routing.push(format!(
        "{}：{}",
        t.get("route.default"),
        crate::ui::labels::department(t, &f.default_department)
    ));
    let regulatory = vec![
        t.get("policy.regulatory")
            .replace("{base}", &span(&f.regulatory.base))
            .replace("{first}", &f.regulatory.first_extension_to.to_string())
            .replace("{second}", &f.regulatory.second_extension_to.to_string()),
        t.get("policy.escalate")
            .replace("{pct}", &f.escalate_at_pct.to_string()),
        t.get("policy.reopen")
            .replace("{n}", &f.reopen_days.to_string()),
    ];
    vec![
        (t.get("policy.review").to_owned(), review),
        (t.get("policy.sla").to_owned(), sla),
        (t.get("policy.routing").to_owned(), routing),
        (t.get("policy.regulatory_title").to_owned(), regulatory),
    ]
}

pub(crate) async fn policy_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let (policy_in_force, hash) = match banyan_app::segments::policy_in_force(&s.app, &sess.actor) {
        Ok(p) => p,
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    // Shown as it is in force: a policy that cannot be written as TOML is a fault, never a blank page.
    let policy = match toml::to_string_pretty(&policy_in_force.policy) {
        Ok(p) => p,
        Err(e) => {
            let e = banyan_app::AppError::internal_from("the policy in force as TOML", e);
            return Err(PageError::App(e, t, Some(sess)));
        }
    };
    Ok(page(PolicyPage {
        title: t.get("admin.policy").to_owned(),
        c: chrome(t, Some(&sess), "/admin/policy"),
        version: format!("{} ({hash})", policy_in_force.version),
        sections: policy_sections(t, &policy_in_force),
        policy,
    }))
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admin/policy", get(policy_page))
        .route("/alerts", get(alerts::alerts_page))
        .route("/alerts/large-value.csv", get(alerts::large_value_csv))
        .route("/alerts/{id}", get(alerts::alert_page))
        .route("/alerts/{id}/close", post(alerts::close))
}
