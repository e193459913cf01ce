//! One's own account's security: the second factor (TOTP) — its state, the enrolment with the secret for
//! the authenticator app, and its confirmation by a first code; and an administrator's reset of another's.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::access::{Session, totp};

/// The recovery codes, shown once when the second factor is turned on.
#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub(crate) struct RecoveryPage {
    c: Chrome,
    title: String,
    codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "security.html")]
pub(crate) struct SecurityPage {
    c: Chrome,
    title: String,
    enabled: bool,
    /// Unused recovery codes left.
    recovery_left: u64,
    /// The policy asks this account for a second factor before anything else.
    must: bool,
    /// A first code was refused: the confirmation form is shown again.
    confirming: bool,
    /// An enrolment just begun: (the secret in groups of four, the otpauth address).
    enrolment: Option<(String, String)>,
    error: Option<String>,
}

async fn view(
    s: &AppState,
    sess: Session,
    t: Tr,
    enrolment: Option<totp::Enrolment>,
    error: Option<String>,
) -> Result<Response, PageError> {
    view_as(s, sess, t, enrolment, error, false).await
}

async fn view_as(
    s: &AppState,
    sess: Session,
    t: Tr,
    enrolment: Option<totp::Enrolment>,
    error: Option<String>,
    confirming: bool,
) -> Result<Response, PageError> {
    let st = totp::status(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let failed = error.is_some();
    let p = SecurityPage {
        title: t.get("sec.title").to_owned(),
        c: chrome(t, Some(&sess), "/account/security"),
        enabled: st.enabled,
        recovery_left: st.recovery_left,
        must: sess.must_enrol,
        confirming,
        enrolment: enrolment.map(|e| {
            let grouped = e
                .secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            (grouped, e.uri)
        }),
        error,
    };
    Ok(if failed {
        page_status(p, true)
    } else {
        page(p)
    })
}

pub(crate) async fn security_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    view(&s, sess, t, None, None).await
}

pub(crate) async fn begin(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let password = f.get("password").cloned().unwrap_or_default();
    let current = f
        .get("current_code")
        .map(String::as_str)
        .filter(|c| !c.trim().is_empty());
    match totp::begin(&s.app, &sess.actor, "Banyan", &password, current).await {
        Ok(e) => view(&s, sess, t, Some(e), None).await,
        Err(banyan_app::AppError::Validation(v)) => {
            let key = if v.0.iter().any(|e| e.field == "password") {
                "sec.wrong_password"
            } else {
                "sec.wrong_current"
            };
            let msg = t.get(key).to_owned();
            view(&s, sess, t, None, Some(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(crate) async fn confirm(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let code = f.get("code").cloned().unwrap_or_default();
    match totp::confirm(&s.app, &sess.actor, &code).await {
        // Every session of the account ended with it, this one too: the recovery codes are shown once,
        // then one signs in again, with a code.
        Ok(f) => Ok(page(RecoveryPage {
            title: t.get("sec.recovery_title").to_owned(),
            c: chrome(t, None, "/login"),
            codes: f.recovery_codes,
        })),
        // The one field of the form: its refusal in the page's own words, the form shown again.
        Err(banyan_app::AppError::Validation(_)) => {
            let msg = t.get("sec.wrong_code").to_owned();
            view_as(&s, sess, t, None, Some(msg), true).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

pub(crate) async fn reset(
    State(s): State<AppState>,
    Path(username): Path<String>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    totp::reset(&s.app, &sess.actor, &username)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess)))?;
    Ok(Redirect::to("/admin/staff").into_response())
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/account/security", get(security_page))
        .route("/account/security/totp", post(begin))
        .route("/account/security/totp/confirm", post(confirm))
        .route("/admin/staff/{username}/totp/reset", post(reset))
}
