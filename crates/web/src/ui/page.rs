//! The page kernel: the chrome around every page, rendering with the page's security policy, the error
//! page, sessions from the cookie, and the CSRF-checked extractors (`Signed`, `SignedForm`).

use crate::ui::i18n::{Lang, Tr};
use crate::{AppState, SecureCookies};
use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use std::collections::HashMap;

pub(crate) const SESSION_COOKIE: &str = "banyan_session";

pub(crate) const LANG_COOKIE: &str = "banyan_lang";

pub(crate) const LOGIN_CSRF_COOKIE: &str = "banyan_login_csrf";

pub(crate) const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Secure` attribute for a session cookie, as configured (`cookie_secure`): always when Banyan is
/// reachable beyond this machine; on loopback, when the proxy in front says the request came over HTTPS.
pub(crate) fn secure(state: &AppState, headers: &HeaderMap) -> &'static str {
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    let on = match state.secure_cookies {
        SecureCookies::Always => true,
        SecureCookies::BehindHttps => tls,
        SecureCookies::Never => false,
    };
    if on { "; Secure" } else { "" }
}

pub(crate) fn lang_of(headers: &HeaderMap, session: Option<&Session>) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| session.and_then(|s| Lang::parse(&s.lang)))
        .unwrap_or(Lang::ZhCn)
}

/// What every page shows around its content.
#[derive(Debug)]
pub struct Chrome {
    pub t: Tr,
    pub user: Option<String>,
    pub role: String,
    pub csrf: String,
    pub can_create: bool,
    pub can_review: bool,
    /// The actor may edit customers (and so work the duplicate queue).
    pub can_edit_customers: bool,
    pub can_import: bool,
    pub can_audit: bool,
    pub can_admin: bool,
    pub can_read: bool,
    pub can_cases: bool,
    /// The product catalogue (read by staff who read customers, changed by administrators).
    pub can_products: bool,
    /// The core system's feeds.
    pub can_book_load: bool,
    /// Leads and the acquisition pipeline.
    pub can_leads: bool,
    /// Care records (reporting, the team's work, supervision).
    pub can_care: bool,
    pub can_wealth_report: bool,
    /// Reads wealth managers' KPIs (reports in scope, or one's own).
    pub can_wealth_kpis: bool,
    pub can_performance: bool,
    pub langs: Vec<(&'static str, &'static str)>,
    /// The current path, URL-encoded, for the language links.
    pub back: String,
    /// Unread notices ("3 条未读通知"), when there are any.
    pub unread: Option<(u64, String)>,
}

pub(crate) fn chrome(t: Tr, session: Option<&Session>, path: &str) -> Chrome {
    Chrome {
        t,
        user: session.map(|s| s.actor.username().to_owned()),
        role: session
            .map(|s| t.of("role", s.actor.role().as_str()))
            .unwrap_or_default(),
        csrf: session.map(|s| s.csrf.clone()).unwrap_or_default(),
        can_create: session.is_some_and(|s| s.actor.offers().create),
        can_review: session.is_some_and(|s| s.actor.offers().verify),
        can_edit_customers: session.is_some_and(|s| s.actor.offers().update),
        can_import: session.is_some_and(|s| s.actor.offers().import),
        can_audit: session.is_some_and(|s| s.actor.offers().audit),
        can_admin: session.is_some_and(|s| s.actor.offers().staff),
        can_read: session.is_some_and(|s| s.actor.offers().read),
        unread: session
            .map(|s| s.unread_notices)
            .filter(|n| *n > 0)
            .map(|n| (n, t.get("notice.unread").replace("{n}", &n.to_string()))),
        can_cases: session.is_some_and(|s| s.actor.offers().cases),
        can_products: session.is_some_and(|s| s.actor.offers().read || s.actor.offers().products),
        can_book_load: session.is_some_and(|s| s.actor.offers().book_load),
        can_leads: session.is_some_and(|s| s.actor.offers().leads),
        can_wealth_report: session.is_some_and(|s| s.actor.offers().wealth_report),
        can_wealth_kpis: session.is_some_and(|s| {
            let o = s.actor.offers();
            o.wealth_report || o.wealth_plan
        }),
        can_performance: session.is_some_and(|s| s.actor.offers().performance),
        can_care: session.is_some_and(|s| {
            let o = s.actor.offers();
            o.care_report || o.care_work || o.care_manage
        }),
        langs: Lang::ALL.iter().map(|l| (l.code(), l.name())).collect(),
        back: form_urlencoded::byte_serialize(path.as_bytes()).collect(),
    }
}

/// A page answered 422 when it shows the errors of a refused form (so tests and tools see the refusal).
pub(crate) fn page_status(t: impl Template, failed: bool) -> Response {
    let mut r = page(t);
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// A page never kept by a cache (suggestions that change with who may be picked).
pub(crate) fn fresh_page(t: impl Template) -> Response {
    let mut r = page(t);
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    r
}

pub(crate) fn page(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => {
            let mut r = (StatusCode::OK, axum::response::Html(html)).into_response();
            r.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_CSP),
            );
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) message: String,
}

/// A page's failure: sign-in needed (redirect), or an error page in the user's language.
#[derive(Debug)]
pub enum PageError {
    SignIn,
    /// The account must set up its second factor first (the policy's `second_factor_roles`).
    Enrol,
    App(AppError, Tr, Option<Session>),
    Csrf(Tr, Option<Session>),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key, t, s) = match self {
            PageError::SignIn => return Redirect::to("/login").into_response(),
            PageError::Enrol => return Redirect::to("/account/security").into_response(),
            PageError::Csrf(t, s) => (StatusCode::FORBIDDEN, "error.csrf", t, s),
            PageError::App(AppError::Unauthenticated, _, _) => {
                return Redirect::to("/login").into_response();
            }
            PageError::App(AppError::NotFound, t, s) => {
                (StatusCode::NOT_FOUND, "error.not_found", t, s)
            }
            PageError::App(
                AppError::Forbidden {
                    code: "four_eyes", ..
                },
                t,
                s,
            ) => (StatusCode::FORBIDDEN, "form.four_eyes", t, s),
            PageError::App(AppError::Forbidden { .. }, t, s) => {
                (StatusCode::FORBIDDEN, "error.forbidden", t, s)
            }
            PageError::App(e @ (AppError::Store(_) | AppError::Internal { .. }), t, s) => {
                tracing::error!(error = %e.chain(), "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "error.internal", t, s)
            }
            PageError::App(e, t, s) => {
                let msg = match &e {
                    AppError::Validation(v) => crate::ui::forms::field_errors_text(t, v),
                    e => crate::ui::labels::refusal_text(t, e)
                        .unwrap_or_else(|| t.get("error.unprocessable").to_owned()),
                };
                let mut r = page(ErrorPage {
                    title: t.get("error.title").to_owned(),
                    c: chrome(t, s.as_ref(), "/"),
                    message: msg,
                });
                *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return r;
            }
        };
        let mut r = page(ErrorPage {
            title: t.get("error.title").to_owned(),
            message: t.get(key).to_owned(),
            c: chrome(t, s.as_ref(), "/"),
        });
        *r.status_mut() = status;
        r
    }
}

/// The signed-in session of a page request; an account that must first set up its second factor is sent
/// to the page where it does.
pub(crate) async fn session(s: &AppState, headers: &HeaderMap) -> Result<(Session, Tr), PageError> {
    let (sess, t) = any_session(s, headers).await?;
    if sess.must_enrol {
        return Err(PageError::Enrol);
    }
    Ok((sess, t))
}

/// The pages an account that must set up its second factor may open: that page, signing out, the language.
fn open_before_enrolment(path: &str) -> bool {
    path.starts_with("/account/security") || path == "/logout" || path == "/lang"
}

/// The session of `path`'s request: for most pages [`session`], for the enrolment's own pages any.
async fn session_for(
    s: &AppState,
    headers: &HeaderMap,
    path: &str,
) -> Result<(Session, Tr), PageError> {
    if open_before_enrolment(path) {
        any_session(s, headers).await
    } else {
        session(s, headers).await
    }
}

async fn any_session(s: &AppState, headers: &HeaderMap) -> Result<(Session, Tr), PageError> {
    let token = cookie(headers, SESSION_COOKIE).ok_or(PageError::SignIn)?;
    let sess = banyan_app::access::web_session(&s.app, token)
        .await
        .map_err(|_| PageError::SignIn)?;
    crate::trace::record_actor(sess.actor.id().uuid());
    let t = Tr::new(lang_of(headers, Some(&sess)));
    Ok((sess, t))
}

/// Every state-changing form carries the session's token; anything else is refused.
pub(crate) fn check_csrf(sess: &Session, t: Tr, sent: Option<&str>) -> Result<(), PageError> {
    match sent {
        Some(v) if constant_eq(v.as_bytes(), sess.csrf.as_bytes()) => Ok(()),
        _ => Err(PageError::Csrf(t, Some(sess.clone()))),
    }
}

/// A signed-in page request: the session and the user's language.
#[derive(Debug)]
pub struct Signed {
    pub(crate) sess: Session,
    pub(crate) t: Tr,
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, PageError> {
        let (sess, t) = session_for(s, &parts.headers, parts.uri.path()).await?;
        Ok(Signed { sess, t })
    }
}

/// A signed-in form post whose CSRF token matched the session's: the session, the language and the
/// fields. Every state-changing page handler takes one, so none can forget the check.
#[derive(Debug)]
pub struct SignedForm {
    pub(crate) sess: Session,
    pub(crate) t: Tr,
    pub(crate) f: HashMap<String, String>,
}

impl FromRequest<AppState> for SignedForm {
    type Rejection = PageError;
    async fn from_request(req: axum::extract::Request, s: &AppState) -> Result<Self, PageError> {
        let (sess, t) = session_for(s, req.headers(), req.uri().path()).await?;
        let Form(f) = Form::<HashMap<String, String>>::from_request(req, s)
            .await
            .map_err(|_| {
                PageError::App(
                    AppError::field("form", "format", "is not a form submission"),
                    t,
                    Some(sess.clone()),
                )
            })?;
        check_csrf(&sess, t, f.get("_csrf").map(String::as_str))?;
        Ok(SignedForm { sess, t, f })
    }
}

pub(crate) fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// After a step posted from a record's page: back to `back`; when refused for a rule the user can read, the
/// page again (`again`) with the refusal in words; anything else, the error page.
pub(crate) async fn after_step<T, F, Fut>(
    t: Tr,
    sess: banyan_app::access::Session,
    done: Result<T, AppError>,
    back: String,
    again: F,
) -> Result<axum::response::Response, PageError>
where
    F: FnOnce(banyan_app::access::Session, String) -> Fut,
    Fut: std::future::Future<Output = Result<axum::response::Response, PageError>>,
{
    use axum::response::IntoResponse;
    match done {
        Ok(_) => Ok(axum::response::Redirect::to(&back).into_response()),
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => again(sess, msg).await,
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

/// The staff a page names, read in one go, and how the page says one of them: by name, or as someone no
/// longer listed.
pub(crate) struct StaffNames {
    names: std::collections::HashMap<uuid::Uuid, String>,
    t: Tr,
}

impl StaffNames {
    pub(crate) async fn of(
        app: &banyan_app::App,
        actor: &banyan_app::access::Actor,
        t: Tr,
        ids: &[uuid::Uuid],
    ) -> Result<StaffNames, AppError> {
        Ok(StaffNames {
            names: banyan_app::access::staff_names(app, actor, ids).await?,
            t,
        })
    }

    pub(crate) fn name(&self, id: uuid::Uuid) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| self.t.get("history.unknown_staff").to_owned())
    }
}
