//! The partner hospitals on the workbench (合作医院): the list everyone who works care reads, with the count;
//! care supervisors add a hospital and change one or set it inactive (asked first). A referral picks from the
//! active ones on the record's page.

use crate::AppState;
use crate::ui::forms::{form_raw, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::care::hospitals::{self as uc, HospitalInput, HospitalView};
use std::collections::HashMap;
use uuid::Uuid;

struct Row {
    id: String,
    name: String,
    city: String,
    channel: String,
    active: bool,
    state: String,
    updated: String,
    version: i32,
}

#[derive(Template)]
#[template(path = "care_hospitals.html")]
struct HospitalsPage {
    c: Chrome,
    title: String,
    total: String,
    rows: Vec<Row>,
    can_manage: bool,
    error: Option<String>,
}

fn view(
    s: &AppState,
    sess: &Session,
    t: Tr,
    list: Vec<HospitalView>,
    error: Option<String>,
) -> Response {
    let failed = error.is_some();
    page_status(
        HospitalsPage {
            title: t.get("care.hospitals").to_owned(),
            c: chrome(t, Some(sess), "/care/hospitals"),
            total: t
                .get("care.hospitals_total")
                .replace("{n}", &list.len().to_string()),
            rows: list
                .into_iter()
                .map(|h| Row {
                    id: h.id.to_string(),
                    state: t
                        .get(if h.active {
                            "care.partner_active"
                        } else {
                            "care.partner_inactive"
                        })
                        .to_owned(),
                    updated: format!(
                        "{} · {}",
                        h.updated_by,
                        t.datetime(&s.app.tz, &h.updated_at)
                    ),
                    name: h.name,
                    city: h.city,
                    channel: h.green_channel,
                    active: h.active,
                    version: h.version,
                })
                .collect(),
            can_manage: sess.actor.offers().care_manage,
            error,
        },
        failed,
    )
}

pub(super) async fn page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    match uc::list(&s.app, &sess.actor).await {
        Ok(list) => Ok(view(&s, &sess, t, list, None)),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

fn input(f: &HashMap<String, String>) -> HospitalInput {
    HospitalInput {
        name: form_raw(f, "name"),
        city: form_raw(f, "city"),
        green_channel: form_raw(f, "green_channel"),
        active: Some(f.contains_key("active")),
        version: f.get("version").and_then(|v| v.trim().parse().ok()),
    }
}

/// Back to the list, or the list with the refusal in words.
async fn after(
    s: &AppState,
    sess: Session,
    t: Tr,
    r: Result<(), AppError>,
) -> Result<Response, PageError> {
    match r.map_err(|e| refusal(t, e)) {
        Ok(()) => Ok(Redirect::to("/care/hospitals").into_response()),
        Err(Ok(msg)) => match uc::list(&s.app, &sess.actor).await {
            Ok(list) => Ok(view(s, &sess, t, list, Some(msg))),
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(super) async fn add(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = uc::add(&s.app, &sess.actor, input(&f)).await.map(|_| ());
    after(&s, sess, t, r).await
}

pub(super) async fn update(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = uc::update(&s.app, &sess.actor, id, input(&f))
        .await
        .map(|_| ());
    after(&s, sess, t, r).await
}
