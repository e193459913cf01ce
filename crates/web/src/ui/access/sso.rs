//! Sign-in through the bank's identity provider: `/sso/start` sends the browser there, `/sso/callback`
//! receives it back. What is checked and who may sign in is decided in `banyan_app::access::sso`.

use super::login_page;
use crate::AppState;
use crate::extract::ClientAddr;
use crate::ui::i18n::Tr;
use crate::ui::page::{SESSION_COOKIE, cookie, lang_of, secure};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::sso::{self, Callback};

/// Holds the sign-in's state in the browser between leaving for the provider and coming back. `Lax`, not
/// `Strict`: the browser comes back from the provider's site, and must still send it then.
const SSO_COOKIE: &str = "banyan_sso";

fn set_cookie(r: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

async fn start(
    State(s): State<AppState>,
    ClientAddr(source): ClientAddr,
    headers: HeaderMap,
) -> Response {
    let t = Tr::new(lang_of(&headers, None));
    match sso::begin(&s.app, t.code(), &source).await {
        Ok(b) => {
            let mut r = Redirect::to(&b.url).into_response();
            set_cookie(
                &mut r,
                format!(
                    "{SSO_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/sso; Max-Age=600{}",
                    b.state,
                    secure(&s, &headers)
                ),
            );
            r
        }
        Err(e) => refused(&s, &headers, t, &e),
    }
}

/// Leaves the provider's site for Banyan's own before the workbench opens: the session cookie is
/// `SameSite=Strict`, and a browser does not send it on a redirect that began at another site.
#[derive(Template)]
#[template(path = "sso_done.html")]
struct Done {
    title: String,
}

async fn callback(
    State(s): State<AppState>,
    ClientAddr(source): ClientAddr,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Response {
    let t = Tr::new(lang_of(&headers, None));
    let kept = cookie(&headers, SSO_COOKIE);
    let mut r = match sso::finish(&s.app, &cb, kept, &source).await {
        Ok((token, _)) => {
            let body = Done {
                title: t.get("sso.done").to_owned(),
            }
            .render();
            let mut r = match body {
                Ok(b) => Html(b).into_response(),
                Err(_) => Redirect::to("/").into_response(),
            };
            // A new session id at every sign-in (no fixation).
            set_cookie(
                &mut r,
                format!(
                    "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{}",
                    secure(&s, &headers)
                ),
            );
            r
        }
        Err(e) => refused(&s, &headers, t, &e),
    };
    set_cookie(
        &mut r,
        format!("{SSO_COOKIE}=; Max-Age=0; HttpOnly; SameSite=Lax; Path=/sso"),
    );
    r
}

/// The sign-in page with the refusal in words (single sign-on not configured: not found).
fn refused(s: &AppState, headers: &HeaderMap, t: Tr, e: &AppError) -> Response {
    let (key, status) = match e {
        AppError::NotFound => return StatusCode::NOT_FOUND.into_response(),
        AppError::Throttled { .. } => ("sso.throttled".to_owned(), StatusCode::TOO_MANY_REQUESTS),
        AppError::Forbidden { code, .. } if code.starts_with("sso_") => {
            (format!("sso.{code}"), StatusCode::FORBIDDEN)
        }
        other => {
            tracing::error!(error = %other, "single sign-on failed");
            ("sso.sso_provider".to_owned(), StatusCode::BAD_GATEWAY)
        }
    };
    let mut r = login_page(
        s,
        headers,
        t,
        None,
        String::new(),
        Some(t.get(&key).to_owned()),
    );
    *r.status_mut() = status;
    r
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/sso/start", get(start))
        .route("/sso/callback", get(callback))
}
