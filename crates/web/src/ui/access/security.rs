//! One's own account's security: the second factor (TOTP) — its state, the enrolment with the secret for
//! the authenticator app, and its confirmation by a first code; and an administrator's reset of another's.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::access::{Session, totp};

#[derive(Template)]
#[template(path = "security.html")]
pub(crate) struct SecurityPage {
    c: Chrome,
    title: String,
    enabled: bool,
    /// An enrolment just begun: (the secret in groups of four, the otpauth address).
    enrolment: Option<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn view(
    s: &AppState,
    sess: Session,
    t: Tr,
    enrolment: Option<totp::Enrolment>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let st = totp::status(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let failed = error.is_some();
    let p = SecurityPage {
        title: t.get("sec.title").to_owned(),
        c: chrome(t, Some(&sess), "/account/security"),
        enabled: st.enabled,
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
        notice,
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
    view(&s, sess, t, None, None, None).await
}

pub(crate) async fn begin(
    State(s): State<AppState>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    let e = totp::begin(&s.app, &sess.actor, "Banyan")
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    view(&s, sess, t, Some(e), None, None).await
}

pub(crate) async fn confirm(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let code = f.get("code").cloned().unwrap_or_default();
    match totp::confirm(&s.app, &sess.actor, &code).await {
        Ok(_) => {
            view(
                &s,
                sess,
                t,
                None,
                Some(t.get("sec.enabled_now").to_owned()),
                None,
            )
            .await
        }
        // The one field of the form: its refusal in the page's own words.
        Err(banyan_app::AppError::Validation(_)) => {
            let msg = t.get("sec.wrong_code").to_owned();
            view(&s, sess, t, None, None, Some(msg)).await
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
