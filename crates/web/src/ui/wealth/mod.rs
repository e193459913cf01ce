//! Wealth advisory on the workbench: a senior reviewer's decision on a sale that waits for one and the
//! client's cancellation during a cooling-off (from the customer's sales list, asked first), and the
//! suitability report (适当性报告) with its counts by outcome and every sale's checks in words, paged; a
//! client's wealth page (`client`, its forms in `forms`).

mod client;
mod forms;
mod kpis;

use crate::AppState;
use crate::ui::forms::{form_raw, form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use banyan_app::AppError;
use banyan_app::wealth::suitability::{self as uc, ReportQuery};
use banyan_app::wealth::{CancelInput, SaleReview};
use uuid::Uuid;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/sales/{id}/review", post(review))
        .route("/sales/{id}/cancel", post(cancel))
        .route("/wealth/suitability", get(report_page))
        .route("/wealth/suitability.csv", get(report_csv))
        .route("/wealth/kpis", get(kpis::page))
        .route("/wealth/kpis/{measure}", get(kpis::drill))
        .route("/customers/{id}/wealth", get(forms::page))
        .route(
            "/customers/{id}/wealth/referrals",
            post(forms::add_referral),
        )
        .route("/customers/{id}/wealth/picture", post(forms::save_picture))
        .route("/customers/{id}/wealth/goals", post(forms::add_goal))
        .route(
            "/customers/{id}/wealth/goals/{goal}",
            post(forms::change_goal),
        )
        .route("/customers/{id}/wealth/reviews", post(forms::add_review))
        .route("/customers/{id}/wealth/plans", post(forms::make_plan))
        .route("/customers/{id}/wealth/actions", post(forms::recommend))
        .route(
            "/customers/{id}/wealth/actions/{action}/answer",
            post(forms::answer),
        )
        .route("/customers/{id}/wealth/team", post(forms::add_member))
        .route(
            "/customers/{id}/wealth/team/{staff}/remove",
            post(forms::remove_member),
        )
        .route("/customers/{id}/wealth/entries", post(forms::add_entry))
        .route(
            "/customers/{id}/wealth/entries/{entry}/done",
            post(forms::finish_task),
        )
}

/// Back to the customer's sales, or the customer's page with the refusal in words.
async fn back(
    s: &AppState,
    sess: banyan_app::access::Session,
    t: Tr,
    f: &std::collections::HashMap<String, String>,
    r: Result<(), AppError>,
) -> Result<Response, PageError> {
    let Some(customer) = f.get("customer").and_then(|c| c.parse::<Uuid>().ok()) else {
        return Err(PageError::App(AppError::NotFound, t, Some(sess)));
    };
    match r.map_err(|e| refusal(t, e)) {
        Ok(()) => Ok(Redirect::to(&format!("/customers/{customer}#sales")).into_response()),
        Err(Ok(msg)) => {
            let mut page = crate::ui::customers::view::customer_page(
                s,
                sess,
                t,
                customer,
                false,
                None,
                Some(msg),
            )
            .await?;
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

async fn review(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let i = SaleReview {
        decision: form_raw(&f, "decision"),
        note: form_text(&f, "note"),
        version: None,
    };
    let r = uc::review(&s.app, &sess.actor, id, i).await.map(|_| ());
    back(&s, sess, t, &f, r).await
}

async fn cancel(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let i = CancelInput {
        reason: form_raw(&f, "reason"),
        version: None,
    };
    let r = uc::cancel(&s.app, &sess.actor, id, i).await.map(|_| ());
    back(&s, sess, t, &f, r).await
}

struct Line {
    href: String,
    customer: String,
    product: String,
    at: String,
    seller: String,
    outcome: String,
    refused: bool,
    /// (rule in words, passed)
    checks: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "wealth_suitability.html")]
struct ReportPage {
    c: Chrome,
    title: String,
    from: String,
    to: String,
    total: String,
    counts: Vec<(String, u64)>,
    lines: Vec<Line>,
    prev: Option<String>,
    next: Option<String>,
}

async fn report_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let day = |k: &str| q.get(k).and_then(|v| v.trim().parse().ok());
    let page = q
        .get("page")
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0);
    let r = uc::report(
        &s.app,
        &sess.actor,
        ReportQuery {
            from: day("from"),
            to: day("to"),
            page: Some(page),
            per_page: Some(50),
        },
    )
    .await
    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let outcome = |rule: Option<&str>, step: Option<&str>| outcome_words(t, rule, step);
    let href = |p: u64| format!("/wealth/suitability?from={}&to={}&page={p}", r.from, r.to);
    let pages = r.total.div_ceil(r.per_page.max(1));
    Ok(page_status(
        ReportPage {
            title: t.get("wealth.report").to_owned(),
            c: chrome(t, Some(&sess), "/wealth/suitability"),
            from: r.from.to_string(),
            to: r.to.to_string(),
            total: t.get("wealth.total").replace("{n}", &r.total.to_string()),
            counts: r
                .counts
                .iter()
                .map(|x| {
                    (
                        outcome(
                            x.refused_rule.map(|v| v.as_str()),
                            x.step.map(|v| v.as_str()),
                        ),
                        x.count,
                    )
                })
                .collect(),
            lines: r
                .sales
                .iter()
                .map(|l| {
                    let v = &l.suitability;
                    Line {
                        href: format!("/customers/{}#sales", l.customer_id),
                        customer: l.customer_no.clone(),
                        product: format!(
                            "{} {}",
                            l.product,
                            crate::ui::book::name_in(t, &l.product_names)
                        ),
                        at: t.datetime(&s.app.tz, &v.sold_at),
                        seller: v.sold_by.clone(),
                        outcome: outcome(
                            v.verdict.refused.map(|x| x.as_str()),
                            v.step.map(|x| x.as_str()),
                        ),
                        refused: v.verdict.refused.is_some(),
                        checks: v
                            .verdict
                            .checks
                            .iter()
                            .filter(|c| c.applies)
                            .map(|c| (t.of("suitability_rule", c.rule.as_str()), c.passed))
                            .collect(),
                    }
                })
                .collect(),
            prev: (r.page > 0).then(|| href(r.page - 1)),
            next: (r.page + 1 < pages).then(|| href(r.page + 1)),
        },
        false,
    ))
}

/// A sale's outcome in words: the rule that refused it, or the step it stands at.
fn outcome_words(t: Tr, rule: Option<&str>, step: Option<&str>) -> String {
    match (rule, step) {
        (Some(rule), _) => t
            .get("sale.unsuitable")
            .replace("{rule}", &t.of("suitability_rule", rule)),
        (None, Some(step)) => t.of("sale_step", step),
        (None, None) => String::new(),
    }
}

/// The report's sales of the period as a CSV file in the reader's words (every cell neutralised): when,
/// customer, product, seller, channel, outcome, each check passed or not, the recording's reference.
async fn report_csv(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let day = |k: &str| q.get(k).and_then(|v| v.trim().parse().ok());
    let (from, to, lines) = uc::export(&s.app, &sess.actor, day("from"), day("to"))
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let header: Vec<String> = [
        "field.time",
        "care.customer",
        "book.product",
        "sale.by",
        "field.sale_channel",
        "sale.decision",
        "sale.checks",
        "field.recording_ref",
    ]
    .iter()
    .map(|k| t.get(k).to_owned())
    .collect();
    let rows = lines.iter().map(|l| {
        let v = &l.suitability;
        vec![
            t.datetime(&s.app.tz, &v.sold_at),
            l.customer_no.clone(),
            format!(
                "{} {}",
                l.product,
                crate::ui::book::name_in(t, &l.product_names)
            ),
            v.sold_by.clone(),
            t.of("sale_channel", v.channel.as_str()),
            outcome_words(
                t,
                v.verdict.refused.map(|x| x.as_str()),
                v.step.map(|x| x.as_str()),
            ),
            v.verdict
                .checks
                .iter()
                .filter(|c| c.applies)
                .map(|c| {
                    format!(
                        "{} {}",
                        t.get(if c.passed {
                            "sale.check_passed"
                        } else {
                            "sale.check_failed"
                        }),
                        t.of("suitability_rule", c.rule.as_str())
                    )
                })
                .collect::<Vec<_>>()
                .join("；"),
            v.recording_ref.clone().unwrap_or_default(),
        ]
    });
    let file = banyan_app::tabular::write_csv(&header, rows)
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let name = format!("attachment; filename=\"suitability-{from}-{to}.csv\"");
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        [b"\xEF\xBB\xBF".as_slice(), &file].concat(),
    )
        .into_response())
}
