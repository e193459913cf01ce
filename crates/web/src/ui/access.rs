//! Sign in and out, the language switch, and staff administration (service accounts in `service`).

use crate::AppState;
use crate::extract::ClientAddr;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing};
use crate::ui::page::constant_eq;
use crate::ui::page::{
    Chrome, LANG_COOKIE, LOGIN_CSRF_COOKIE, PageError, SESSION_COOKIE, Signed, SignedForm, chrome,
    cookie, lang_of, page, page_status, secure, session,
};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::{Session, StaffView};
use banyan_domain::access::Role;
use serde::Deserialize;

pub(crate) mod security;
pub(crate) mod service;
pub(crate) mod sso;

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) csrf: String,
    pub(crate) username: String,
    pub(crate) error: Option<String>,
    /// A demonstration's accounts: (username, role) and the shared password.
    pub(crate) demo: Option<crate::DemoLogin>,
    /// Staff may sign in through the bank's identity provider (its button first, local accounts below).
    pub(crate) sso: bool,
}

pub(crate) async fn login_form(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let t = Tr::new(lang_of(&headers, None));
    login_page(&s, &headers, t, None, String::new(), None)
}

/// The sign-in page, with `error` in words; `csrf`: the form's token when the browser already holds it,
/// else a new one set in its cookie.
pub(crate) fn login_page(
    s: &AppState,
    headers: &HeaderMap,
    t: Tr,
    csrf: Option<String>,
    username: String,
    error: Option<String>,
) -> Response {
    let fresh = csrf.is_none();
    let csrf = match csrf {
        Some(c) => c,
        None => match banyan_app::crypto::random_bytes::<24>() {
            Ok(b) => b.iter().map(|x| format!("{x:02x}")).collect::<String>(),
            Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "no randomness").into_response(),
        },
    };
    let mut r = page(LoginPage {
        title: t.get("login.title").to_owned(),
        c: chrome(t, None, "/login"),
        csrf: csrf.clone(),
        username,
        error,
        demo: s.demo.clone(),
        sso: banyan_app::access::sso::enabled(&s.app),
    });
    if fresh
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LOGIN_CSRF_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/login{}",
            secure(s, headers)
        ))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    pub(crate) username: String,
    pub(crate) password: String,
    /// The authenticator app's code (accounts with a second factor).
    #[serde(default)]
    pub(crate) totp: String,
    #[serde(rename = "_csrf", default)]
    pub(crate) csrf: String,
}

pub(crate) async fn login(
    State(s): State<AppState>,
    ClientAddr(source): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let t = Tr::new(lang_of(&headers, None));
    // Before a session exists the form is protected by a double-submit cookie.
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !constant_eq(cookie_token.as_bytes(), f.csrf.as_bytes()) {
        return PageError::Csrf(t, None).into_response();
    }
    let code = Some(f.totp.as_str()).filter(|c| !c.trim().is_empty());
    match banyan_app::access::web_login(&s.app, &f.username, &f.password, code, t.code(), &source)
        .await
    {
        Ok((token, _)) => {
            let mut r = Redirect::to("/").into_response();
            // A new session id at every sign-in (no fixation).
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{}",
                secure(&s, &headers)
            )) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => {
            let key = match e {
                AppError::Throttled { .. } => "login.throttled",
                _ => "login.bad",
            };
            let error = Some(t.get(key).to_owned());
            let mut r = login_page(
                &s,
                &headers,
                t,
                Some(f.csrf.clone()),
                f.username.clone(),
                error,
            );
            *r.status_mut() = if matches!(e, AppError::Throttled { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            r
        }
    }
}

pub(crate) async fn logout(
    State(s): State<AppState>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    banyan_app::access::web_logout(&s.app, &sess)
        .await
        .map_err(|e| PageError::App(e, t, None))?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("banyan_session=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/"),
    );
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub(crate) struct LangQuery {
    pub(crate) l: String,
    pub(crate) back: Option<String>,
}

pub(crate) async fn set_lang(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = Lang::parse(&q.l).unwrap_or(Lang::ZhCn);
    if let Ok((sess, _)) = session(&s, &headers).await {
        let _ = banyan_app::access::set_session_lang(&s.app, &sess, lang.code()).await;
    }
    // Only local paths: the language switch must not become an open redirect.
    let back = q
        .back
        // A browser reads `/\host` as `//host`: no backslashes or control characters either.
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && !b.chars().any(|c| c == '\\' || c.is_control())
        })
        .unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; SameSite=Strict; Path=/; Max-Age=31536000{}",
        lang.code(),
        secure(&s, &headers)
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "staff.html")]
pub(crate) struct StaffPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) list: Listing<banyan_app::access::StaffView>,
    pub(crate) roles: Vec<&'static str>,
    pub(crate) error: Option<String>,
}

/// The staff list's columns: each sorts by what it shows (roles in their registry order).
fn staff_columns() -> Vec<Column<StaffView>> {
    fn role_rank(v: &StaffView) -> Option<usize> {
        Role::ALL.iter().position(|r| *r == v.role)
    }
    vec![
        Column::sorted("login.username", "username", |a, b| {
            a.username.cmp(&b.username)
        }),
        Column::sorted("admin.role", "role", |a, b| role_rank(a).cmp(&role_rank(b))),
        Column::sorted("field.branch", "branch", |a, b| {
            a.branch_code.cmp(&b.branch_code)
        }),
        Column::sorted("field.team", "team", |a, b| a.team.cmp(&b.team)),
        Column::sorted("field.department", "department", |a, b| {
            a.department.cmp(&b.department)
        }),
        Column::sorted("field.status", "status", |a, b| a.disabled.cmp(&b.disabled)),
    ]
}

const STAFF_LIST: ListSpec = ListSpec {
    path: "/admin/staff",
    total_key: "staff.count",
    default_sort: "username",
    per_page: 50,
};

pub(crate) async fn staff_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    params: &ListParams,
    error: Option<String>,
) -> Result<Response, PageError> {
    let staff = banyan_app::access::list_staff(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let list = listing(t, &STAFF_LIST, params, staff, &staff_columns());
    let failed = error.is_some();
    Ok(page_status(
        StaffPage {
            title: t.get("admin.staff").to_owned(),
            c: chrome(t, Some(&sess), "/admin/staff"),
            list,
            roles: banyan_domain::access::Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect(),
            error,
        },
        failed,
    ))
}

pub(crate) async fn staff_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    staff_view(&s, sess, t, &p, None).await
}

pub(crate) async fn add_staff(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| {
        f.get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let Some(role) = get("role").and_then(|r| banyan_domain::access::Role::parse(&r)) else {
        return staff_view(
            &s,
            sess,
            t,
            &ListParams::default(),
            Some(t.rule("required", "role is required").into_owned()),
        )
        .await;
    };
    let n = banyan_app::access::NewStaff {
        username: get("username").unwrap_or_default(),
        display_name: None,
        role,
        branch_code: get("branch_code"),
        team: get("team"),
        department: get("department"),
        password: f.get("password").cloned().unwrap_or_default(),
    };
    match banyan_app::access::add_staff(&s.app, &sess.actor, n).await {
        Ok(_) => Ok(Redirect::to("/admin/staff").into_response()),
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => staff_view(&s, sess, t, &ListParams::default(), Some(msg)).await,
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

pub(crate) async fn disable_staff(
    State(s): State<AppState>,
    Path(username): Path<String>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    banyan_app::access::disable_staff(&s.app, &sess.actor, &username)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(Redirect::to("/admin/staff").into_response())
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang", get(set_lang))
        .route("/admin/staff", get(staff_page).post(add_staff))
        .route("/admin/staff/{username}/disable", post(disable_staff))
        .merge(service::routes())
        .merge(security::routes())
        .merge(sso::routes())
}
