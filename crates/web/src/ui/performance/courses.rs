//! Signing oneself up for a training session from one's own record (`…/sessions/{id}/sign-up`), and a
//! training course changed on the workbench (`/performance/training/courses/{code}`): the catalogue's
//! form filled with the course as it stands, its version kept so two supervisors changing it at once do not
//! overwrite each other, retiring it (no new sessions) by unticking 在用; saving asks first and is audited
//! with the fields that changed.

use super::app_err;
use super::training::{CourseForm, course_draft, course_title, refusal_named};
use crate::AppState;
use crate::ui::forms::form_text;
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use banyan_app::access::Session;
use banyan_app::performance::training::{self as uc, CourseChange, CourseView};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/performance/training/courses/{code}",
            get(course_page).post(save_course),
        )
        .route(
            "/performance/training/sessions/{id}/sign-up",
            axum::routing::post(sign_up),
        )
        .route(
            "/performance/training/sessions/{id}/withdraw",
            axum::routing::post(withdraw),
        )
}

/// Signing oneself up for a session ahead (asked first).
async fn sign_up(
    State(s): State<AppState>,
    Path(id): Path<String>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    own_place(&s, &id, sess, t, true).await
}

/// Taking one's own sign-up back (asked first).
async fn withdraw(
    State(s): State<AppState>,
    Path(id): Path<String>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    own_place(&s, &id, sess, t, false).await
}

/// Signs up (`join`) or withdraws: back to one's record, or the record again with the refusal in words.
async fn own_place(
    s: &AppState,
    id: &str,
    sess: Session,
    t: Tr,
    join: bool,
) -> Result<Response, PageError> {
    use banyan_app::performance::training::signup;
    let id = super::uuid_of(id, t, &sess)?;
    let me = sess.actor.id();
    let result = if join {
        signup::sign_up(&s.app, &sess.actor, id).await
    } else {
        signup::withdraw(&s.app, &sess.actor, id).await
    };
    match result.map_err(|e| crate::ui::forms::refusal(t, e)) {
        Ok(_) => Ok(
            Redirect::to(&format!("/performance/training/people/{me}#train-open-h"))
                .into_response(),
        ),
        Err(Ok(msg)) => super::training::render_person(s, sess, t, me, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

#[derive(Template)]
#[template(path = "training_course.html")]
struct CoursePage {
    c: Chrome,
    title: String,
    form: CourseForm,
    version: i32,
    version_words: String,
    active: bool,
    confirm: String,
    failed: Option<String>,
}

fn view(t: Tr, sess: &Session, k: &CourseView, version: i32, failed: Option<String>) -> Response {
    let name = course_title(t, k);
    let page = CoursePage {
        title: format!("{} · {name}", t.get("train.edit_course")),
        c: chrome(t, Some(sess), "/performance"),
        form: CourseForm::of(t, Some(k)),
        version,
        version_words: t
            .get("train.course_version")
            .replace("{v}", &version.to_string()),
        active: k.active,
        confirm: t.get("train.save_confirm").replace("{name}", &name),
        failed: failed.clone(),
    };
    page_status(page, failed.is_some())
}

async fn course_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let k = uc::course_to_change(&s.app, &sess.actor, &code)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    Ok(view(t, &sess, &k, k.version, None))
}

async fn save_course(
    State(s): State<AppState>,
    Path(code): Path<String>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let stored = uc::course_to_change(&s.app, &sess.actor, &code)
        .await
        .map_err(|e| app_err(e, t, &sess))?;
    // The version the form was read at: a form without one reads as the oldest (a conflict, not a blind
    // overwrite).
    let version = form_text(&f, "version")
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(0);
    let mut f = f;
    // The code is the path's: a course's code does not change.
    f.insert("code".into(), stored.code.clone());
    let draft = match course_draft(t, &f, f.contains_key("active")) {
        Ok(d) => d,
        Err(msg) => return Ok(view(t, &sess, &stored, version, Some(msg))),
    };
    // What was typed stays on the page when it is refused.
    let typed = CourseView {
        code: stored.code.clone(),
        title: draft.title.clone(),
        title_tw: draft.title_tw.clone(),
        title_en: draft.title_en.clone(),
        kind: draft.kind,
        topic: draft.topic,
        hours: draft.hours,
        provider: draft.provider.clone(),
        pass_score: draft.pass_score.map(i32::from),
        valid_months: draft.valid_months.map(i32::from),
        mandatory_for: draft.mandatory_for.clone(),
        refresh_months: draft.refresh_months.map(i32::from),
        mandatory_since: stored.mandatory_since,
        active: draft.active,
        version,
    };
    let result = uc::update_course(
        &s.app,
        &sess.actor,
        &stored.code,
        CourseChange {
            version,
            course: draft,
        },
    )
    .await;
    match result.map_err(|e| refusal_named(t, e, "train.course_name")) {
        Ok(_) => Ok(Redirect::to("/performance/training#train-courses").into_response()),
        Err(Ok(msg)) => Ok(view(t, &sess, &typed, version, Some(msg))),
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}
