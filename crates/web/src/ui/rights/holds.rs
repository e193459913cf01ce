//! Legal holds on the workbench (PIPL Art. 47: what the law obliges the bank to keep is kept): a customer's
//! holds with who placed them and why, the form a checker places one with, and lifting one with the reason,
//! asked first. Reached from the customer's page and from a deletion that a hold restricted.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::access::Session;
use banyan_app::rights::holds::{self, HoldInput, HoldView, LiftInput};
use banyan_domain::customer::CustomerStatus;
use uuid::Uuid;

/// One hold as a line of the page.
pub(crate) struct Line {
    id: Uuid,
    reason: String,
    until: String,
    placed: String,
    state: String,
    standing: bool,
    /// Who lifted it, when, and why.
    lifted: Option<String>,
}

#[derive(Template)]
#[template(path = "legal_holds.html")]
pub(crate) struct HoldsPage {
    c: Chrome,
    title: String,
    customer_href: String,
    customer: String,
    holds: Vec<Line>,
    standing: usize,
    can_act: bool,
    today: String,
    error: Option<String>,
}

async fn view(
    s: &AppState,
    sess: Session,
    t: Tr,
    customer: Uuid,
    error: Option<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let c = banyan_app::customers::get(&s.app, &sess.actor, customer, false)
        .await
        .map_err(err)?;
    let list: Vec<HoldView> = holds::list(&s.app, &sess.actor, customer)
        .await
        .map_err(err)?;
    let people: Vec<Uuid> = list
        .iter()
        .flat_map(|h| [Some(h.placed_by), h.lifted_by])
        .flatten()
        .collect();
    let names = crate::ui::page::StaffNames::of(&s.app, &sess.actor, t, &people)
        .await
        .map_err(err)?;
    let who = |id: Uuid| names.name(id);
    let tz = &s.app.tz;
    let holds: Vec<Line> = list
        .into_iter()
        .map(|h| Line {
            id: h.id,
            until: h
                .until
                .as_deref()
                .map(|d| t.date(d))
                .unwrap_or_else(|| t.get("hold.until_lifted").to_owned()),
            placed: t.by_at(&who(h.placed_by), &t.datetime(tz, &h.placed_at)),
            state: t
                .get(match (h.standing, h.lifted_at.is_some()) {
                    (true, _) => "hold.standing",
                    (false, true) => "hold.lifted",
                    (false, false) => "hold.expired",
                })
                .to_owned(),
            standing: h.standing,
            lifted: h.lifted_by.zip(h.lifted_at.as_deref()).map(|(id, at)| {
                let by = t.by_at(&who(id), &t.datetime(tz, at));
                match &h.lift_note {
                    Some(n) => t.get("said").replace("{head}", &by).replace("{words}", n),
                    None => by,
                }
            }),
            reason: h.reason,
        })
        .collect();
    let failed = error.is_some();
    Ok(page_status(
        HoldsPage {
            title: t.get("hold.title").to_owned(),
            c: chrome(t, Some(&sess), "/rights"),
            customer_href: format!("/customers/{customer}"),
            customer: format!("{} {}", c.customer_no, c.display_name),
            standing: holds.iter().filter(|h| h.standing).count(),
            holds,
            can_act: sess.actor.offers().verify
                && !matches!(c.status, CustomerStatus::Merged | CustomerStatus::Erased),
            today: s.app.today().to_string(),
            error,
        },
        failed,
    ))
}

pub(crate) async fn page(
    State(s): State<AppState>,
    Path(customer): Path<Uuid>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    view(&s, sess, t, customer, None).await
}

pub(crate) async fn place(
    State(s): State<AppState>,
    Path(customer): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let input = HoldInput {
        reason: f.get("reason").cloned().unwrap_or_default(),
        until: f.get("until").cloned(),
    };
    let done = holds::place(&s.app, &sess.actor, customer, input).await;
    let back = format!("/customers/{customer}/legal-holds");
    crate::ui::page::after_step(t, sess, done, back, |sess, msg| async move {
        view(&s, sess, t, customer, Some(msg)).await
    })
    .await
}

pub(crate) async fn lift(
    State(s): State<AppState>,
    Path((customer, id)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let input = LiftInput {
        note: f.get("note").cloned().unwrap_or_default(),
    };
    match holds::lift(&s.app, &sess.actor, id, Some(customer), input).await {
        // The page of the hold's own customer, whatever the address said.
        Ok(h) => {
            Ok(Redirect::to(&format!("/customers/{}/legal-holds", h.customer_id)).into_response())
        }
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => view(&s, sess, t, customer, Some(msg)).await,
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/customers/{id}/legal-holds", get(page).post(place))
        .route("/customers/{id}/legal-holds/{hold}/lift", post(lift))
}
