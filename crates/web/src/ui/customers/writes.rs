//! Writes made from the customer page, for every context whose section is on it (status transitions,
//! contact points, consents, relationships, contacts and visits, the questionnaire, alerts): each calls
//! its context's use case and answers with the page again, showing a refusal next to what was sent.
//! The page itself (`view`) only reads, so the contexts' sections can be drawn there without a loop back.

use super::view::customer_page;
use crate::AppState;
use crate::ui::forms::local_instant;
use crate::ui::forms::{form_text, form_version};
use crate::ui::i18n::Tr;
use crate::ui::page::{PageError, SignedForm};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::customers::{self as uc};
use banyan_domain::book::insight::InsightStep;
use banyan_domain::customer::Transition;
use uuid::Uuid;

/// Submit, verify and return, from the customer page.
pub(crate) async fn act(
    State(s): State<AppState>,
    Path((id, action)): Path<(Uuid, String)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let lines = |k: &str| {
        f.get(k)
            .map(|v| v.lines().map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let (tr, note) = match action.as_str() {
        "submit" => (Transition::Submit, None),
        "verify" => (Transition::Verify, None),
        "return" => (
            Transition::Return,
            Some((lines("reasons"), lines("missing"))),
        ),
        _ => return Err(PageError::App(AppError::NotFound, t, Some(sess))),
    };
    let r = uc::transition(&s.app, &sess.actor, id, tr, note, None).await;
    after_write(&s, sess, t, id, None, r).await
}

/// After a write from the customer page: back to the page (with a notice), or the page again with the
/// refusal in the user's language next to the record as it now is. Nothing is half-written: the use case
/// either committed or changed nothing.
pub(crate) async fn after_write<T>(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    notice: Option<&str>,
    r: Result<T, AppError>,
) -> Result<Response, PageError> {
    let e = match r {
        Ok(_) => {
            let q = notice.map(|m| format!("?msg={m}")).unwrap_or_default();
            return Ok(Redirect::to(&format!("/customers/{id}{q}")).into_response());
        }
        Err(e) => e,
    };
    let (status, msg) = match e {
        AppError::Forbidden {
            code: "four_eyes", ..
        } => (StatusCode::FORBIDDEN, t.get("form.four_eyes").to_owned()),
        AppError::Validation(errs) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errs.0
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        t.of("field", e.field.rsplit('.').next().unwrap_or(&e.field)),
                        t.rule(&e.rule, &e.message)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        AppError::VersionConflict { .. } => (StatusCode::CONFLICT, t.get("form.stale").to_owned()),
        // The refusal in the user's words (the code's label with its detail), never the use case's English.
        e @ AppError::Conflict { .. } => (
            StatusCode::CONFLICT,
            crate::ui::labels::refusal_text(t, &e)
                .unwrap_or_else(|| t.get("refusal.conflict").to_owned()),
        ),
        e => return Err(PageError::App(e, t, Some(sess))),
    };
    let mut page = customer_page(s, sess, t, id, false, None, Some(msg)).await?;
    *page.status_mut() = status;
    Ok(page)
}

/// The form's `identity_check` (picked when the customer needs stronger authentication), or the field error.
fn identity_of(
    f: &std::collections::HashMap<String, String>,
) -> Result<Option<banyan_domain::care::IdentityCheck>, AppError> {
    match form_text(f, "identity_check") {
        None => Ok(None),
        Some(v) => banyan_domain::care::IdentityCheck::parse(&v)
            .map(Some)
            .ok_or_else(|| {
                AppError::field(
                    "identity_check",
                    "one_of",
                    "must be in_person, video_call or call_back",
                )
            }),
    }
}

pub(crate) async fn add_contact(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match banyan_domain::customer::ContactKind::parse(f.get("kind").map_or("", |k| k)) {
        None => Err(AppError::field(
            "kind",
            "one_of",
            "must be mobile, email or address",
        )),
        Some(kind) => {
            let c = banyan_domain::customer::ContactInput {
                kind,
                value: form_text(&f, "value").unwrap_or_default(),
                label: form_text(&f, "label"),
            };
            match identity_of(&f) {
                Ok(idc) => uc::add_contact(&s.app, &sess.actor, id, c, form_version(&f), idc).await,
                Err(e) => Err(e),
            }
        }
    };
    after_write(&s, sess, t, id, Some("saved"), r).await
}

pub(crate) async fn delete_contact(
    State(s): State<AppState>,
    Path((id, cid)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match identity_of(&f) {
        Ok(idc) => uc::delete_contact(&s.app, &sess.actor, id, cid, form_version(&f), idc).await,
        Err(e) => Err(e),
    };
    after_write(&s, sess, t, id, Some("saved"), r).await
}

/// Records a consent (or its withdrawal) for one channel, as a merge patch at the page's version.
pub(crate) async fn record_consent(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let patch = serde_json::json!({"consents": [{
        "channel": f.get("channel").cloned().unwrap_or_default(),
        "granted": f.get("granted").map(String::as_str) == Some("true"),
        "source": form_text(&f, "source").unwrap_or_default(),
    }]});
    let r = uc::update(&s.app, &sess.actor, id, patch, form_version(&f)).await;
    after_write(&s, sess, t, id, Some("saved"), r).await
}

/// Links this customer to another one, named by customer number (what staff have at hand).
pub(crate) async fn add_relationship(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let Some(kind) =
        banyan_domain::customer::RelationshipKind::parse(f.get("kind").map_or("", |k| k))
    else {
        let r: Result<(), _> = Err(AppError::field(
            "kind",
            "one_of",
            "is not a relationship kind",
        ));
        return after_write(&s, sess, t, id, None, r).await;
    };
    let no = form_text(&f, "other").unwrap_or_default();
    let found = uc::id_by_number(&s.app, &sess.actor, &no)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let r = match found {
        None => {
            let msg = t.get("form.not_found_no").to_owned();
            let mut page = customer_page(&s, sess, t, id, false, None, Some(msg)).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(page);
        }
        Some(other) => {
            uc::add_relationship(&s.app, &sess.actor, id, other, kind, form_text(&f, "note")).await
        }
    };
    after_write(&s, sess, t, id, Some("saved"), r).await
}

pub(crate) async fn delete_relationship(
    State(s): State<AppState>,
    Path((id, rid)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    let r = uc::delete_relationship(&s.app, &sess.actor, id, rid).await;
    after_write(&s, sess, t, id, Some("saved"), r).await
}

/// Logs a contact from the customer page.
pub(crate) async fn log_interaction(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let text = |k: &str| f.get(k).cloned().filter(|v| !v.trim().is_empty());
    let input = banyan_app::engagement::InteractionInput {
        method: f.get("method").cloned().unwrap_or_default(),
        // `datetime-local` gives the bank's local time without an offset.
        occurred_at: text("occurred_at").map(|v| local_instant(&s, &v)),
        outcome: f.get("outcome").cloned().unwrap_or_default(),
        needs: text("needs"),
        satisfaction: text("satisfaction").and_then(|v| v.parse().ok()),
        next_step: text("next_step"),
        task_id: text("task_id").and_then(|v| v.parse().ok()),
    };
    let r = banyan_app::engagement::log_interaction(&s.app, &sess.actor, id, input).await;
    after_write(&s, sess, t, id, Some("logged"), r).await
}

/// Plans a visit from the customer page.
pub(crate) async fn plan_visit(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    // The picker names the staff member by username; empty sends the customer's manager.
    let staff = match form_text(&f, "staff") {
        None => None,
        Some(u) => match banyan_app::access::actor_for(&s.app, &u).await {
            Ok(a) => Some(a.id().uuid()),
            Err(AppError::NotFound) => {
                let e = AppError::field("staff", "not_found", "no such staff member");
                return after_write(&s, sess, t, id, None, Err::<(), _>(e)).await;
            }
            Err(e) => return Err(PageError::App(e, t, Some(sess))),
        },
    };
    let input = banyan_app::engagement::VisitInput {
        purpose: get("purpose"),
        scheduled_at: local_instant(&s, &get("scheduled_at")),
        method: get("method"),
        preparation: form_text(&f, "preparation"),
        staff,
        key_customer: f.contains_key("key_customer"),
    };
    let r = banyan_app::engagement::plan_visit(&s.app, &sess.actor, id, input).await;
    after_write(&s, sess, t, id, Some("saved"), r).await
}

/// Records a risk-appetite questionnaire answered on the customer page.
pub(crate) async fn record_assessment(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let input = banyan_app::segments::AssessmentInput {
        answers: f
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("q.").map(|q| (q.to_owned(), v.clone())))
            .collect(),
        channel: f.get("channel").cloned().unwrap_or_default(),
    };
    let r = banyan_app::segments::record_assessment(&s.app, &sess.actor, id, input).await;
    after_write(&s, sess, t, id, Some("saved"), r).await
}

pub(crate) async fn close_alert(
    State(s): State<AppState>,
    Path((id, aid)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = match crate::ui::segments::alerts::close_input(&f) {
        Ok(input) => banyan_app::segments::alerts::close(&s.app, &sess.actor, aid, input).await,
        Err(e) => Err(e),
    };
    after_write(&s, sess, t, id, Some("saved"), r).await
}

/// A sale or application recorded from the customer's page through the gate; a refusal is recorded too
/// and the page says so.
pub(crate) async fn record_sale(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    use banyan_domain::book::sale::SaleDecision;
    let r = match crate::ui::book::sales::sale_input(&s, &sess, &f).await {
        Ok(input) => banyan_app::book::sales::record_sale(&s.app, &sess.actor, id, input).await,
        Err(e) => Err(e),
    };
    let msg = match &r {
        Ok(v) if v.decision == SaleDecision::Refused => "sale_refused",
        _ => "sale",
    };
    after_write(&s, sess, t, id, Some(msg), r).await
}

/// An insight acted on, set aside or followed up from the customer's page (需求洞察).
async fn decide_insight(
    s: AppState,
    sess: Session,
    t: Tr,
    customer: Uuid,
    id: Uuid,
    f: std::collections::HashMap<String, String>,
    step: Option<InsightStep>,
) -> Result<Response, PageError> {
    use banyan_app::book::insights as uc;
    let Some(version) = f.get("version").and_then(|v| v.trim().parse().ok()) else {
        return Err(PageError::App(AppError::VersionRequired, t, Some(sess)));
    };
    let note = form_text(&f, "note");
    let r = match step {
        Some(step) => {
            let d = uc::InsightDecision { version, note };
            uc::decide(&s.app, &sess.actor, id, step, d).await
        }
        None => {
            let input = uc::FollowUpInput {
                version,
                method: f.get("method").cloned().unwrap_or_default(),
                due_on: f.get("due_on").cloned().unwrap_or_default(),
                note,
            };
            uc::follow_up(&s.app, &sess.actor, id, input).await
        }
    };
    let msg = if step.is_some() {
        "insight"
    } else {
        "insight_task"
    };
    match r {
        Ok(_) => {
            Ok(Redirect::to(&format!("/customers/{customer}?msg={msg}#insights")).into_response())
        }
        Err(AppError::NotFound) => Err(PageError::App(AppError::NotFound, t, Some(sess))),
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => {
                crate::ui::customers::view::customer_page(
                    &s,
                    sess,
                    t,
                    customer,
                    false,
                    None,
                    Some(msg),
                )
                .await
            }
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

pub(crate) async fn act_insight(
    State(s): State<AppState>,
    Path((customer, id)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    decide_insight(s, sess, t, customer, id, f, Some(InsightStep::Act)).await
}

pub(crate) async fn dismiss_insight(
    State(s): State<AppState>,
    Path((customer, id)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    decide_insight(s, sess, t, customer, id, f, Some(InsightStep::Dismiss)).await
}

pub(crate) async fn follow_up_insight(
    State(s): State<AppState>,
    Path((customer, id)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    decide_insight(s, sess, t, customer, id, f, None).await
}
