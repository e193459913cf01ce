//! Relationship maintenance: tasks, the task calendar, contacts and visits, coverage and client events.

use crate::AppState;
use crate::ui::forms::{Chart, field_errors_text, form_text, local_instant, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::customers::{self as uc};
use serde::Deserialize;
use uuid::Uuid;

mod calendar;
use calendar::{calendar_page, calendar_with_error};

/// A task as listed.
#[derive(Debug)]
pub(crate) struct TaskRow {
    pub(crate) customer_id: Uuid,
    pub(crate) customer_no: String,
    pub(crate) customer_name: String,
    pub(crate) method: String,
    pub(crate) plan: String,
    pub(crate) due: String,
    pub(crate) overdue: bool,
    pub(crate) status: String,
}

/// A task's state in words: done on time or late, overdue, or its status (待办, 已取消, ...).
pub(crate) fn task_state(t: Tr, x: &banyan_app::engagement::TaskView) -> String {
    match (x.status.as_str(), x.on_time) {
        ("done", Some(true)) => t.get("task.on_time").to_owned(),
        ("done", _) => t.get("task.late").to_owned(),
        ("open", _) if x.overdue => t.get("task.overdue").to_owned(),
        (other, _) => t.of("task", other),
    }
}

/// What a task is for, in words: a visit's purpose, a contact plan's name, the insight it follows up, or a
/// new customer's onboarding step.
pub(crate) fn task_what(t: Tr, x: &banyan_app::engagement::TaskView) -> String {
    match (&x.purpose, &x.plan_key) {
        (Some(p), _) => p.clone(),
        (None, Some(k)) if x.kind == banyan_app::engagement::ONBOARDING => {
            crate::ui::labels::onboarding_step(t, k).unwrap_or_else(|| t.of("plan", k))
        }
        (None, Some(k)) if x.kind == "insight" => {
            format!("{}：{}", t.get("insight.title"), t.of("insight", k))
        }
        (None, Some(k)) => t.of("plan", k),
        (None, None) => String::new(),
    }
}

pub(crate) fn task_rows(t: Tr, tasks: Vec<banyan_app::engagement::TaskView>) -> Vec<TaskRow> {
    tasks
        .into_iter()
        .map(|x| TaskRow {
            plan: match (&x.plan_key, &x.purpose) {
                (Some(_), _) => task_what(t, &x),
                // A visit: its purpose, preparation and the key-customer mark.
                (None, Some(purpose)) => {
                    let mut s = purpose.clone();
                    if let Some(p) = &x.preparation {
                        s.push_str(&format!(" · {}: {p}", t.get("visit.preparation")));
                    }
                    if x.key_customer {
                        s.push_str(&format!(" · {}", t.get("visit.key")));
                    }
                    s
                }
                (None, None) => String::new(),
            },
            customer_id: x.customer_id,
            customer_no: x.customer_no,
            customer_name: x.customer_name,
            method: t.of("method", &x.method),
            due: t.date(&x.due_on),
            overdue: x.overdue,
            status: match (x.status.as_str(), x.on_time) {
                ("done", Some(true)) => t.get("task.on_time").to_owned(),
                ("done", _) => t.get("task.late").to_owned(),
                (other, _) => t.of("task", other),
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "coverage.html")]
pub(crate) struct CoveragePage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) from: String,
    pub(crate) to: String,
    /// `manager`, `team` or `branch`.
    pub(crate) by: &'static str,
    pub(crate) rows: Vec<banyan_app::engagement::CoverageRow>,
    /// The bar chart, drawn on the server (no script, no external asset).
    pub(crate) chart: Chart,
    pub(crate) error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct CoverageForm {
    #[serde(default)]
    pub(crate) from: String,
    #[serde(default)]
    pub(crate) to: String,
    #[serde(default)]
    pub(crate) by: String,
}

pub(crate) async fn coverage_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<CoverageForm>,
) -> Result<Response, PageError> {
    let today = s.app.today();
    let from = p
        .from
        .parse::<jiff::civil::Date>()
        .unwrap_or_else(|_| today.first_of_month());
    let to =
        p.to.parse::<jiff::civil::Date>()
            .unwrap_or_else(|_| today.last_of_month());
    let by = match p.by.as_str() {
        "branch" => banyan_app::engagement::CoverageBy::Branch,
        "team" => banyan_app::engagement::CoverageBy::Team,
        _ => banyan_app::engagement::CoverageBy::Manager,
    };
    let by_key = match by {
        banyan_app::engagement::CoverageBy::Branch => "branch",
        banyan_app::engagement::CoverageBy::Team => "team",
        banyan_app::engagement::CoverageBy::Manager => "manager",
    };
    let (rows, error) =
        match banyan_app::engagement::coverage(&s.app, &sess.actor, from, to, by).await {
            Ok(r) => (r, None),
            Err(AppError::Validation(e)) => {
                (Vec::new(), Some(crate::ui::forms::field_errors_text(t, &e)))
            }
            Err(e) => return Err(PageError::App(e, t, Some(sess))),
        };
    let chart = Chart::new(rows.iter().map(|r| {
        let pct = r.coverage_pct.unwrap_or(0.0);
        (
            r.label.clone(),
            (pct * 3.0).round() as u32,
            r.coverage_pct
                .map(|p| format!("{p:.1}%"))
                .unwrap_or_else(|| "—".into()),
        )
    }));
    Ok(page(CoveragePage {
        title: t.get("cov.title").to_owned(),
        c: chrome(t, Some(&sess), "/coverage"),
        from: from.to_string(),
        to: to.to_string(),
        by: by_key,
        rows,
        chart,
        error,
    }))
}

/// After a write from the event page: back to it, or the page again with the refusal.
pub(crate) async fn after_event_write<T>(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    r: Result<T, AppError>,
) -> Result<Response, PageError> {
    match r.map_err(|e| refusal(t, e)) {
        Ok(_) => Ok(Redirect::to(&format!("/events/{id}")).into_response()),
        Err(Ok(msg)) => event_view(s, sess, t, id, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(crate) async fn create_event(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = banyan_app::events::EventInput {
        title: get("title"),
        kind: get("kind"),
        description: None,
        location: get("location"),
        starts_at: local_instant(&s, &get("starts_at")),
        capacity: get("capacity").trim().parse().unwrap_or(0),
        branch_code: None,
    };
    match banyan_app::events::create_event(&s.app, &sess.actor, input).await {
        Ok(e) => Ok(Redirect::to(&format!("/events/{}", e.id)).into_response()),
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            calendar_with_error(&s, sess, t, msg).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// An invitation as shown: (customer id, number, name, status key, status label, feedback).
pub(crate) type Invitation = (Uuid, String, String, String, String, String);

#[derive(Template)]
#[template(path = "event.html")]
pub(crate) struct EventPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) e: banyan_app::events::EventView,
    pub(crate) when: String,
    pub(crate) kind: String,
    /// (customer id, number, name, status key, status label, feedback shown: "4/5 · comment").
    pub(crate) invitations: Vec<Invitation>,
    pub(crate) tiers: Vec<(String, String)>,
    pub(crate) can_edit: bool,
    pub(crate) error: Option<String>,
}

pub(crate) async fn event_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    error: Option<String>,
) -> Result<Response, PageError> {
    let e = banyan_app::events::get_event(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let failed = error.is_some();
    Ok(page_status(
        EventPage {
            title: e.title.clone(),
            when: t.datetime(&s.app.tz, &e.starts_at),
            kind: t.of("event.kind", &e.kind),
            invitations: e
                .invitations
                .iter()
                .map(|i| {
                    (
                        i.customer_id,
                        i.customer_no.clone(),
                        i.name.clone(),
                        i.status.clone(),
                        t.of("inv", &i.status),
                        match (i.rating, &i.feedback) {
                            (Some(r), Some(f)) => format!("{r}/5 · {f}"),
                            (Some(r), None) => format!("{r}/5"),
                            _ => String::new(),
                        },
                    )
                })
                .collect(),
            tiers: banyan_app::segments::wealth_tiers(&s.app)
                .into_iter()
                .map(|x| {
                    let label = t.of("seg.wealth_tier", &x);
                    (x, label)
                })
                .collect(),
            can_edit: sess.actor.offers().update,
            c: chrome(t, Some(&sess), &format!("/events/{id}")),
            e,
            error,
        },
        failed,
    ))
}

pub(crate) async fn event_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    event_view(&s, sess, t, id, None).await
}

pub(crate) async fn invite_event(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let mut input = banyan_app::events::InviteInput {
        customers: Vec::new(),
        segments: Default::default(),
    };
    if let Some(tier) = form_text(&f, "wealth_tier") {
        input.segments.insert("wealth_tier".into(), tier);
    }
    if let Some(no) = form_text(&f, "customer_no") {
        let found = uc::id_by_number(&s.app, &sess.actor, &no)
            .await
            .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
        match found {
            Some(c) => input.customers.push(c),
            None => {
                let msg = t.get("form.not_found_no").to_owned();
                return event_view(&s, sess, t, id, Some(msg)).await;
            }
        }
    }
    let r = banyan_app::events::invite(&s.app, &sess.actor, id, input).await;
    after_event_write(&s, sess, t, id, r).await
}

pub(crate) async fn respond_event(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let Some(customer) = f.get("customer").and_then(|c| c.parse().ok()) else {
        return Err(PageError::App(AppError::NotFound, t, Some(sess)));
    };
    let input = banyan_app::events::ResponseInput {
        customer,
        response: f.get("response").cloned().unwrap_or_default(),
    };
    let r = banyan_app::events::respond(&s.app, &sess.actor, id, input).await;
    after_event_write(&s, sess, t, id, r).await
}

/// Records an attendee's rating and comment from the event page.
pub(crate) async fn event_feedback(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let Some(customer) = f.get("customer").and_then(|c| c.parse().ok()) else {
        return Err(PageError::App(AppError::NotFound, t, Some(sess)));
    };
    let input = banyan_app::events::FeedbackInput {
        customer,
        rating: f
            .get("rating")
            .and_then(|r| r.trim().parse().ok())
            .unwrap_or(0),
        comment: form_text(&f, "comment"),
    };
    let r = banyan_app::events::feedback(&s.app, &sess.actor, id, input).await;
    after_event_write(&s, sess, t, id, r).await
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PickQuery {
    #[serde(default)]
    q: String,
}

/// The visit form's staff picker: who may go to this customer (active, with the customer in scope).
pub(crate) async fn visit_owners(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Signed { sess, t }: Signed,
    Query(p): Query<PickQuery>,
) -> Result<Response, PageError> {
    let staff = banyan_app::engagement::visit_owners(&s.app, &sess.actor, id, &p.q)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(crate::ui::page::fresh_page(
        crate::ui::forms::staff_suggestions(t, staff),
    ))
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/coverage", get(coverage_page))
        .route("/calendar", get(calendar_page))
        .route("/customers/{id}/visit-owners", get(visit_owners))
        .route("/events", post(create_event))
        .route("/events/{id}", get(event_page))
        .route("/events/{id}/invite", post(invite_event))
        .route("/events/{id}/respond", post(respond_event))
        .route("/events/{id}/feedback", post(event_feedback))
}
