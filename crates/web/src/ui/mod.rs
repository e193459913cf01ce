//! The workbench: server-rendered pages (askama, auto-escaped, one typed context per page) over the same
//! use cases as the API. Sessions are cookies (HttpOnly, SameSite=Strict, Secure behind TLS); every form
//! carries the session's CSRF token; no permission check or SQL lives here.

#![allow(
    clippy::result_large_err,
    reason = "a page error carries the session to render the error page; it is built once per failed request"
)]

mod cases;
pub mod i18n;

use crate::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::customers::{self as uc, ListQuery};
use banyan_app::view::{CustomerSummary, CustomerView};
use banyan_domain::access::Permission;
use banyan_domain::customer::{CustomerKind, CustomerStatus, Transition};
use banyan_domain::fields::{FieldDefinition, FieldType};
use i18n::{Lang, Tr};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

const SESSION_COOKIE: &str = "banyan_session";
const LANG_COOKIE: &str = "banyan_lang";
const LOGIN_CSRF_COOKIE: &str = "banyan_login_csrf";
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang", get(set_lang))
        .route("/customers", get(search))
        .route("/customers/new", get(new_form).post(create))
        .route("/customers/{id}", get(show))
        .route("/customers/{id}/edit", get(edit_form).post(edit_post))
        .route("/customers/{id}/{action}", post(act))
        .route("/customers/{id}/contacts", post(add_contact))
        .route(
            "/customers/{id}/contacts/{cid}/delete",
            post(delete_contact),
        )
        .route("/customers/{id}/consents", post(record_consent))
        .route("/customers/{id}/risk-assessment", post(record_assessment))
        .route("/customers/{id}/alerts/{aid}/close", post(close_alert))
        .route("/customers/{id}/interactions", post(log_interaction))
        .route("/coverage", get(coverage_page))
        .route("/campaigns", get(campaigns_page).post(send_campaign))
        .route("/calendar", get(calendar_page))
        .route("/events", post(create_event))
        .route("/events/{id}", get(event_page))
        .route("/events/{id}/invite", post(invite_event))
        .route("/events/{id}/respond", post(respond_event))
        .route("/events/{id}/feedback", post(event_feedback))
        .route("/customers/{id}/visits", post(plan_visit))
        .route("/customers/{id}/relationships", post(add_relationship))
        .route(
            "/customers/{id}/relationships/{rid}/delete",
            post(delete_relationship),
        )
        .route("/review", get(review))
        .route("/import", get(import_form).post(import))
        .route("/import/rejected", post(import_rejected))
        .route("/customers/export", get(export))
        .route("/audit", get(audit_page))
        .route("/admin/staff", get(staff_page).post(add_staff))
        .route("/admin/staff/{username}/disable", post(disable_staff))
        .route("/admin/policy", get(policy_page))
        .merge(cases::routes())
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}
async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../static/app.js"),
    )
        .into_response()
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn secure(headers: &HeaderMap) -> &'static str {
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    if tls { "; Secure" } else { "" }
}

fn lang_of(headers: &HeaderMap, session: Option<&Session>) -> Lang {
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
    pub can_import: bool,
    pub can_audit: bool,
    pub can_admin: bool,
    pub can_read: bool,
    pub can_cases: bool,
    pub langs: Vec<(&'static str, &'static str)>,
    /// The current path, URL-encoded, for the language links.
    pub back: String,
}

fn chrome(t: Tr, session: Option<&Session>, path: &str) -> Chrome {
    Chrome {
        t,
        user: session.map(|s| s.actor.username.clone()),
        role: session
            .map(|s| s.actor.role.as_str().to_owned())
            .unwrap_or_default(),
        csrf: session.map(|s| s.csrf.clone()).unwrap_or_default(),
        can_create: session.is_some_and(|s| s.actor.role.has(Permission::CustomerCreate)),
        can_review: session.is_some_and(|s| s.actor.role.has(Permission::CustomerVerify)),
        can_import: session.is_some_and(|s| s.actor.role.has(Permission::CustomerImport)),
        can_audit: session.is_some_and(|s| s.actor.role.has(Permission::AuditRead)),
        can_admin: session.is_some_and(|s| s.actor.role.has(Permission::StaffManage)),
        can_read: session.is_some_and(|s| s.actor.role.has(Permission::CustomerRead)),
        can_cases: session.is_some_and(|s| s.actor.role.has(Permission::CaseRead)),
        langs: Lang::ALL.iter().map(|l| (l.code(), l.name())).collect(),
        back: form_urlencoded::byte_serialize(path.as_bytes()).collect(),
    }
}

/// A page answered 422 when it shows the errors of a refused form (so tests and tools see the refusal).
fn page_status(t: impl Template, failed: bool) -> Response {
    let mut r = page(t);
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

fn page(t: impl Template) -> Response {
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
struct ErrorPage {
    c: Chrome,
    title: String,
    message: String,
}

/// A page's failure: sign-in needed (redirect), or an error page in the user's language.
#[derive(Debug)]
pub enum PageError {
    SignIn,
    App(AppError, Tr, Option<Session>),
    Csrf(Tr, Option<Session>),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key, t, s) = match self {
            PageError::SignIn => return Redirect::to("/login").into_response(),
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
            PageError::App(e @ (AppError::Store(_) | AppError::Internal(_)), t, s) => {
                tracing::error!(error = %e, "page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "error.internal", t, s)
            }
            PageError::App(e, t, s) => {
                let msg = e.to_string();
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

/// The signed-in session of a page request.
async fn session(s: &AppState, headers: &HeaderMap) -> Result<(Session, Tr), PageError> {
    let token = cookie(headers, SESSION_COOKIE).ok_or(PageError::SignIn)?;
    let sess = banyan_app::access::web_session(&s.app, token)
        .await
        .map_err(|_| PageError::SignIn)?;
    let t = Tr::new(lang_of(headers, Some(&sess)));
    Ok((sess, t))
}

/// Every state-changing form carries the session's token; anything else is refused.
fn check_csrf(sess: &Session, t: Tr, sent: Option<&str>) -> Result<(), PageError> {
    match sent {
        Some(v) if constant_eq(v.as_bytes(), sess.csrf.as_bytes()) => Ok(()),
        _ => Err(PageError::Csrf(t, Some(sess.clone()))),
    }
}

/// A signed-in page request: the session and the user's language.
#[derive(Debug)]
pub struct Signed {
    sess: Session,
    t: Tr,
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, PageError> {
        let (sess, t) = session(s, &parts.headers).await?;
        Ok(Signed { sess, t })
    }
}

/// A signed-in form post whose CSRF token matched the session's: the session, the language and the
/// fields. Every state-changing page handler takes one, so none can forget the check.
#[derive(Debug)]
pub struct SignedForm {
    sess: Session,
    t: Tr,
    f: HashMap<String, String>,
}

impl FromRequest<AppState> for SignedForm {
    type Rejection = PageError;
    async fn from_request(req: axum::extract::Request, s: &AppState) -> Result<Self, PageError> {
        let (sess, t) = session(s, req.headers()).await?;
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

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------------
// Sign in and out, language
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    title: String,
    csrf: String,
    username: String,
    error: Option<String>,
}

async fn login_form(headers: HeaderMap) -> Response {
    let t = Tr::new(lang_of(&headers, None));
    let csrf = match banyan_app::crypto::random_bytes::<24>() {
        Ok(b) => b.iter().map(|x| format!("{x:02x}")).collect::<String>(),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "no randomness").into_response(),
    };
    let mut r = page(LoginPage {
        title: t.get("login.title").to_owned(),
        c: chrome(t, None, "/login"),
        csrf: csrf.clone(),
        username: String::new(),
        error: None,
    });
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/login{}",
        secure(&headers)
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let t = Tr::new(lang_of(&headers, None));
    // Before a session exists the form is protected by a double-submit cookie.
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !constant_eq(cookie_token.as_bytes(), f.csrf.as_bytes()) {
        return PageError::Csrf(t, None).into_response();
    }
    match banyan_app::access::web_login(&s.app, &f.username, &f.password, t.code()).await {
        Ok((token, _)) => {
            let mut r = Redirect::to("/").into_response();
            // A new session id at every sign-in (no fixation).
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{}",
                secure(&headers)
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
            let mut r = page(LoginPage {
                title: t.get("login.title").to_owned(),
                error: Some(t.get(key).to_owned()),
                c: chrome(t, None, "/login"),
                csrf: f.csrf.clone(),
                username: f.username.clone(),
            });
            *r.status_mut() = if matches!(e, AppError::Throttled { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            r
        }
    }
}

async fn logout(
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
struct LangQuery {
    l: String,
    back: Option<String>,
}

async fn set_lang(
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
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; SameSite=Strict; Path=/; Max-Age=31536000{}",
        lang.code(),
        secure(&headers)
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

/// A task as listed.
#[derive(Debug)]
struct TaskRow {
    customer_id: Uuid,
    customer_no: String,
    customer_name: String,
    method: String,
    plan: String,
    due: String,
    overdue: bool,
    status: String,
}

fn task_rows(t: Tr, tasks: Vec<banyan_app::engagement::TaskView>) -> Vec<TaskRow> {
    tasks
        .into_iter()
        .map(|x| TaskRow {
            customer_id: x.customer_id,
            customer_no: x.customer_no,
            customer_name: x.customer_name,
            method: t.of("method", &x.method),
            plan: match (&x.plan_key, &x.purpose) {
                (Some(p), _) => t.of("plan", p),
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

/// A row of a customer table.
#[derive(Debug)]
struct Row {
    id: Uuid,
    customer_no: String,
    display_name: String,
    kind_key: &'static str,
    status: &'static str,
    status_key: &'static str,
    branch_code: String,
    identifier: String,
    mobile: String,
    review_due: String,
    /// The relationship manager's name.
    rm: String,
}

/// A column heading of a customer table; sortable ones link to the same search in their order.
#[derive(Debug)]
struct Heading {
    label_key: &'static str,
    href: Option<String>,
    /// `aria-sort`: ascending, descending or none.
    aria_sort: &'static str,
    arrow: &'static str,
}

/// The table's headings; with a search, the sortable ones link to it sorted by that column (a second click
/// reverses the order).
fn headings(search: Option<&SearchQuery>) -> Vec<Heading> {
    [
        ("field.customer_no", Some("customer_no")),
        ("field.name", Some("name")),
        ("field.kind", None),
        ("field.status", None),
        ("field.branch", None),
        ("field.rm", None),
        ("field.identifier", None),
        ("field.mobile", None),
        ("field.review_due", Some("review_due")),
    ]
    .into_iter()
    .map(|(label_key, key)| {
        let (Some(key), Some(q)) = (key, search) else {
            return Heading {
                label_key,
                href: None,
                aria_sort: "none",
                arrow: "",
            };
        };
        let desc_key = format!("-{key}");
        let (aria_sort, arrow, next) = if q.sort == key {
            ("ascending", " ▲", desc_key.as_str())
        } else if q.sort == desc_key {
            ("descending", " ▼", key)
        } else {
            ("none", "", key)
        };
        let sorted = SearchQuery {
            sort: next.to_owned(),
            ..q.clone()
        };
        Heading {
            label_key,
            href: Some(format!("/customers?{}", sorted.link(None))),
            aria_sort,
            arrow,
        }
    })
    .collect()
}

/// Names of the relationship managers this actor can see, by id.
async fn rm_names(s: &AppState, sess: &Session) -> HashMap<Uuid, String> {
    banyan_app::access::relationship_managers(&s.app, &sess.actor)
        .await
        .map(|l| l.into_iter().map(|r| (r.id, r.display_name)).collect())
        .unwrap_or_default()
}

fn kind_key(k: CustomerKind) -> &'static str {
    match k {
        CustomerKind::Individual => "kind.individual",
        CustomerKind::Corporate => "kind.corporate",
        CustomerKind::Institution => "kind.institution",
    }
}

fn status_key(s: CustomerStatus) -> &'static str {
    match s {
        CustomerStatus::Draft => "status.draft",
        CustomerStatus::Submitted => "status.submitted",
        CustomerStatus::Verified => "status.verified",
        CustomerStatus::Returned => "status.returned",
    }
}

fn rows(t: Tr, items: Vec<CustomerSummary>, rms: &HashMap<Uuid, String>) -> Vec<Row> {
    items
        .into_iter()
        .map(|i| Row {
            rm: i
                .rm_id
                .and_then(|r| rms.get(&r).cloned())
                .unwrap_or_default(),
            id: i.id,
            customer_no: i.customer_no,
            display_name: i.display_name,
            kind_key: kind_key(i.kind),
            status: i.status.as_str(),
            status_key: status_key(i.status),
            branch_code: i.branch_code,
            identifier: i.identifier,
            mobile: i.mobile.unwrap_or_default(),
            review_due: i.review_due.map(|d| t.date(&d)).unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    title: String,
    /// My open tasks due this week (overdue first).
    tasks: Vec<TaskRow>,
    show_tasks: bool,
    headings: Vec<Heading>,
    sections: Vec<(&'static str, Vec<Row>)>,
    can_audit: bool,
    /// The (empty) audit search form for auditors.
    q: AuditForm,
    /// Case notices: (when, text, case, read).
    notices: Vec<(String, String, Option<Uuid>, bool)>,
    /// Which tasks are shown: `today`, `week` or `overdue`.
    due: &'static str,
}

#[derive(Debug, Default, Deserialize)]
struct HomeForm {
    #[serde(default)]
    due: String,
}

async fn home(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<HomeForm>,
) -> Result<Response, PageError> {
    use banyan_app::engagement::Due;
    let (due, due_key) = match p.due.as_str() {
        "today" => (Due::Today, "today"),
        "overdue" => (Due::Overdue, "overdue"),
        _ => (Due::Week, "week"),
    };
    let a = &sess.actor;
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let rms = rm_names(&s, &sess).await;
    let show_tasks = a.role.has(Permission::CustomerUpdate);
    let tasks = if show_tasks {
        task_rows(
            t,
            banyan_app::engagement::my_tasks(&s.app, a, due)
                .await
                .map_err(err)?,
        )
    } else {
        Vec::new()
    };
    let mut sections = Vec::new();
    if a.role.has(Permission::CustomerRead) {
        let overdue = uc::list(
            &s.app,
            a,
            ListQuery {
                review_overdue: true,
                sort: uc::parse_sort("review_due"),
                limit: Some(20),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
        sections.push(("home.overdue", rows(t, overdue.items, &rms)));
        let recent = uc::list(
            &s.app,
            a,
            ListQuery {
                sort: uc::parse_sort("-updated"),
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
        sections.push(("home.recent", rows(t, recent.items, &rms)));
    }
    if a.role.has(Permission::CustomerSubmit) {
        for (key, status) in [
            ("home.returned", CustomerStatus::Returned),
            ("home.drafts", CustomerStatus::Draft),
        ] {
            let l = uc::list(
                &s.app,
                a,
                ListQuery {
                    status: Some(status),
                    limit: Some(20),
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
            sections.push((key, rows(t, l.items, &rms)));
        }
    }
    if a.role.has(Permission::CustomerVerify) {
        let q = uc::review_queue(&s.app, a, None, Some(20))
            .await
            .map_err(err)?;
        sections.push(("home.queue", rows(t, q.items, &rms)));
    }
    let notices = if a.role.has(Permission::CaseRead) {
        banyan_app::cases::my_notices(&s.app, a, 10)
            .await
            .map_err(err)?
            .into_iter()
            .map(|n| {
                (
                    t.datetime(&s.app.tz, &n.created_at),
                    format!("{}: {}", t.of("notice", &n.kind), n.text),
                    n.case_id,
                    n.read,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(page(HomePage {
        title: t.get("home.title").to_owned(),
        due: due_key,
        notices,
        tasks,
        show_tasks,
        headings: headings(None),
        can_audit: a.role.has(Permission::AuditRead),
        q: AuditForm::default(),
        c: chrome(t, Some(&sess), "/"),
        sections,
    }))
}

#[derive(Template)]
#[template(path = "customers.html")]
struct SearchPage {
    c: Chrome,
    title: String,
    q: String,
    branch_code: String,
    overdue: bool,
    kinds: Vec<(&'static str, &'static str, bool)>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    /// Relationship managers for the filter: (id, name, selected).
    rms: Vec<(String, String, bool)>,
    headings: Vec<Heading>,
    sort: String,
    /// Segment filters: (dimension, label, options).
    seg_filters: Vec<(&'static str, String, Vec<Choice>)>,
    items: Vec<Row>,
    next: Option<String>,
    error: Option<String>,
    can_export: bool,
    export_query: String,
}

/// A value and its label.
type Pair = (String, String);

/// An option of a select: (value, label, selected).
type Choice = (String, String, bool);

/// The segment dimensions the search page filters by.
const SEGMENT_FILTERS: [&str; 8] = [
    "age_group",
    "asset_tier",
    "wealth_tier",
    "risk_rating",
    "credit_grade",
    "company_size",
    "lifecycle_stage",
    "value_tier",
];

#[derive(Debug, Clone, Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    /// Relationship manager id.
    #[serde(default)]
    rm: String,
    /// A sort name (`name`, `-review_due`, ...).
    #[serde(default)]
    sort: String,
    /// Segment filters: dimension -> value (`wealth_tier=platinum`).
    #[serde(flatten)]
    segments: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    branch_code: String,
    review: Option<String>,
    cursor: Option<String>,
    /// Export only: `csv` or `xlsx`.
    #[serde(default)]
    format: String,
}

impl SearchQuery {
    /// The use-case query this search form describes.
    fn list_query(&self) -> ListQuery {
        ListQuery {
            q: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            kind: CustomerKind::parse(&self.kind),
            status: CustomerStatus::parse(&self.status),
            branch_code: Some(self.branch_code.trim().to_uppercase()).filter(|b| !b.is_empty()),
            review_overdue: self.review.as_deref() == Some("overdue"),
            rm_id: self.rm.parse().ok(),
            segments: self
                .segments
                .iter()
                .filter(|(k, v)| SEGMENT_FILTERS.contains(&k.as_str()) && !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            sort: uc::parse_sort(&self.sort),
            cursor: self.cursor.clone(),
            ..Default::default()
        }
    }

    /// The filters as a query string (for the next-page and export links), with an optional cursor.
    fn link(&self, cursor: Option<&str>) -> String {
        let mut u = form_urlencoded::Serializer::new(String::new());
        u.append_pair("q", &self.q)
            .append_pair("kind", &self.kind)
            .append_pair("status", &self.status)
            .append_pair("branch_code", &self.branch_code)
            .append_pair("rm", &self.rm)
            .append_pair("sort", &self.sort);
        for (k, v) in &self.segments {
            if SEGMENT_FILTERS.contains(&k.as_str()) && !v.is_empty() {
                u.append_pair(k, v);
            }
        }
        if self.review.is_some() {
            u.append_pair("review", "overdue");
        }
        if let Some(c) = cursor {
            u.append_pair("cursor", c);
        }
        u.finish()
    }
}

async fn search(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let query = ListQuery {
        limit: Some(50),
        ..p.list_query()
    };
    let rm_list = banyan_app::access::relationship_managers(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let rms: HashMap<Uuid, String> = rm_list
        .iter()
        .map(|r| (r.id, r.display_name.clone()))
        .collect();
    let (items, next, error) = match uc::list(&s.app, &sess.actor, query).await {
        Ok(page) => {
            let next = page
                .next_cursor
                .map(|c| format!("/customers?{}", p.link(Some(&c))));
            (rows(t, page.items, &rms), next, None)
        }
        Err(AppError::Validation(f)) => (Vec::new(), None, Some(f.to_string())),
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    Ok(page(SearchPage {
        title: t.get("search.title").to_owned(),
        c: chrome(t, Some(&sess), "/customers"),
        overdue: p.review.is_some(),
        kinds: CustomerKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(*k), k.as_str() == p.kind))
            .collect(),
        statuses: CustomerStatus::ALL
            .iter()
            .map(|k| (k.as_str(), status_key(*k), k.as_str() == p.status))
            .collect(),
        rms: rm_list
            .into_iter()
            .map(|r| {
                let id = r.id.to_string();
                let sel = id == p.rm;
                (id, format!("{} ({})", r.display_name, r.username), sel)
            })
            .collect(),
        headings: headings(Some(&p)),
        sort: p.sort.clone(),
        seg_filters: segment_choices(&s.app, t, &p.segments),
        can_export: sess.actor.role.has(Permission::CustomerExport),
        export_query: p.link(None),
        q: p.q,
        branch_code: p.branch_code,
        items,
        next,
        error,
    }))
}

async fn review(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let q = uc::review_queue(&s.app, &sess.actor, None, Some(100))
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let rms = rm_names(&s, &sess).await;
    Ok(page(HomePage {
        title: t.get("nav.review").to_owned(),
        tasks: Vec::new(),
        show_tasks: false,
        c: chrome(t, Some(&sess), "/review"),
        headings: headings(None),
        sections: vec![("home.queue", rows(t, q.items, &rms))],
        can_audit: false,
        q: AuditForm::default(),
        notices: Vec::new(),
        due: "week",
    }))
}

// ---------------------------------------------------------------------------------------------
// One customer
// ---------------------------------------------------------------------------------------------

/// A version row as shown.
#[derive(Debug)]
struct HistoryRow {
    version: i64,
    at: String,
    action: String,
    changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    c: Chrome,
    title: String,
    v: CustomerView,
    kind_key: &'static str,
    status: &'static str,
    status_key: &'static str,
    id_type_key: String,
    review_due: String,
    profile: Vec<(String, String)>,
    rm_name: String,
    /// (channel label key, granted, source, when).
    consents: Vec<(String, bool, String, String)>,
    channels: Vec<(&'static str, String)>,
    contact_kinds: Vec<(&'static str, &'static str)>,
    rel_kinds: Vec<(&'static str, String)>,
    relationships: Vec<RelRow>,
    /// Contacts, newest first: (when, method, who, outcome, needs, satisfaction, next step).
    timeline: Vec<[String; 7]>,
    customer_tasks: Vec<TaskRow>,
    /// Messages: (created, channel, cause, status, reason, text).
    messages: Vec<[String; 6]>,
    /// Open tasks a logged contact can complete: (task id, label).
    open_tasks: Vec<(Uuid, String)>,
    /// Events invited to: (event id, when, title, status).
    events: Vec<(Uuid, String, String, String)>,
    /// Feedback cases: (case id, number, received, kind, subject, status).
    cases: Vec<(Uuid, String, String, String, String, String)>,
    methods: Vec<(&'static str, String)>,
    segs: Segs,
    /// The questionnaire for individuals: (key, question, [(answer key, answer)]).
    questionnaire: Vec<(String, String, Vec<Pair>)>,
    history: Vec<HistoryRow>,
    audit: Vec<(String, String, String, String)>,
    can_reveal: bool,
    can_edit: bool,
    can_submit: bool,
    can_verify: bool,
    message: Option<String>,
    error: Option<String>,
}

/// The segments section of the 360 page, in the user's language.
#[derive(Debug, Default)]
struct Segs {
    policy: String,
    /// (dimension, value, the checks behind it, the rule's own words).
    rows: Vec<(String, String, Vec<String>, String)>,
    measures: Vec<String>,
    blocked: Vec<String>,
    alerts: Vec<AlertRow>,
    /// (time, dimension, old -> new, reason).
    history: Vec<(String, String, String, String)>,
}

/// An early-warning alert as shown.
#[derive(Debug)]
struct AlertRow {
    id: Uuid,
    indicator: String,
    reason: String,
    due: String,
    open: bool,
    status: String,
}

/// A check of a decision in words: `管理资产 ¥3,200,000.00 ≥ ¥2,000,000.00`.
fn check_text(t: Tr, c: &banyan_domain::segments::Check) -> String {
    let f = |v: f64| match c.unit.as_str() {
        "money" => t.money(v.round() as i64, "CNY"),
        "ratio" => format!("{:.1}%", v * 100.0),
        _ => format!("{}", v.round() as i64),
    };
    let op = match c.op.as_str() {
        ">=" => "≥",
        "<=" => "≤",
        other => other,
    };
    format!(
        "{} {} {op} {}",
        t.of("fact", &c.fact),
        f(c.value),
        f(c.threshold)
    )
}

fn segs(t: Tr, tz: &jiff::tz::TimeZone, v: banyan_app::segments::SegmentsView) -> Segs {
    let value = |dim: &str, val: &str| t.of(&format!("seg.{dim}"), val);
    Segs {
        policy: format!("{} ({})", v.policy_version, v.policy_hash),
        rows: v
            .assignments
            .iter()
            .map(|a| {
                (
                    t.of("dim", &a.dimension),
                    value(&a.dimension, &a.value),
                    a.checks.iter().map(|c| check_text(t, c)).collect(),
                    a.reason.clone(),
                )
            })
            .collect(),
        measures: v
            .measures
            .measures
            .iter()
            .map(|m| t.of("measure", m))
            .collect(),
        blocked: v
            .measures
            .blocked
            .iter()
            .map(|m| t.of("action", m))
            .collect(),
        alerts: v
            .alerts
            .iter()
            .map(|a| AlertRow {
                id: a.id,
                indicator: t.of("indicator", &a.indicator),
                reason: a.reason.clone(),
                due: t.date(&a.due_on),
                open: a.status == "open",
                status: t.of("alert", &a.status),
            })
            .collect(),
        history: v
            .history
            .iter()
            .map(|h| {
                let show = |x: &Option<String>| {
                    x.as_deref()
                        .map(|x| value(&h.dimension, x))
                        .unwrap_or_else(|| "—".into())
                };
                (
                    t.datetime(tz, &h.at),
                    t.of("dim", &h.dimension),
                    format!("{} → {}", show(&h.old), show(&h.new)),
                    h.reason.clone(),
                )
            })
            .collect(),
    }
}

/// A relationship as shown: the kind's label key and the other side.
#[derive(Debug)]
struct RelRow {
    id: Uuid,
    kind_key: String,
    other_id: Uuid,
    other_no: Option<String>,
    other_name: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct ShowQuery {
    reveal: Option<String>,
    msg: Option<String>,
}

async fn customer_page(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    reveal: bool,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let a = &sess.actor;
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let v = uc::get(&s.app, a, id, reveal).await.map_err(err)?;
    let relationships = uc::relationships(&s.app, a, id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|r| RelRow {
            id: r.id,
            kind_key: format!("rel.{}", r.kind.as_str()),
            other_id: r.other_id,
            other_no: r.other_customer_no,
            other_name: r.other_name,
            note: r.note,
        })
        .collect();
    let rm_name = match v.rm_id {
        None => String::new(),
        Some(rm) => banyan_app::access::find_staff(&s.app, rm)
            .await
            .map_err(err)?
            .map(|st| format!("{} ({})", st.display_name, st.username))
            .unwrap_or_default(),
    };
    let defs = uc::field_definitions(&s.app).await.map_err(err)?;
    let contacts_logged = banyan_app::engagement::interactions(&s.app, a, id)
        .await
        .map_err(err)?;
    let who: Vec<Uuid> = contacts_logged.iter().map(|i| i.staff_id).collect();
    let staff_names = banyan_app::access::staff_names(&s.app, a, &who)
        .await
        .map_err(err)?;
    let timeline = contacts_logged
        .into_iter()
        .map(|i| {
            [
                t.datetime(&s.app.tz, &i.occurred_at),
                t.of("method", &i.method),
                staff_names.get(&i.staff_id).cloned().unwrap_or_default(),
                i.outcome,
                i.needs.unwrap_or_default(),
                i.satisfaction.map(|x| x.to_string()).unwrap_or_default(),
                i.next_step.unwrap_or_default(),
            ]
        })
        .collect();
    let messages = banyan_app::notify::customer_messages(&s.app, a, id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|m| {
            [
                t.datetime(&s.app.tz, &m.created_at),
                t.of("channel", &m.channel),
                m.cause,
                t.of("msg", &m.status),
                m.reason.unwrap_or_default(),
                m.body,
            ]
        })
        .collect();
    let events = banyan_app::events::customer_events(&s.app, a, id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|e| {
            (
                e.event_id,
                t.datetime(&s.app.tz, &e.starts_at),
                e.title,
                t.of("inv", &e.status),
            )
        })
        .collect();
    let cases = if a.role.has(Permission::CaseRead) {
        let q = banyan_app::cases::CaseQuery {
            customer: Some(id),
            limit: Some(20),
            ..Default::default()
        };
        banyan_app::cases::list(&s.app, a, q)
            .await
            .map_err(err)?
            .items
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    c.case_no,
                    t.datetime(&s.app.tz, &c.received_at),
                    t.of("fb.kind", &c.kind),
                    c.subject,
                    t.of("case.status", &c.status),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let all_tasks = banyan_app::engagement::customer_tasks(&s.app, a, id)
        .await
        .map_err(err)?;
    // Open tasks a logged contact can carry out (the planned visit, the due contact).
    let open_tasks: Vec<(Uuid, String)> = all_tasks
        .iter()
        .filter(|x| x.status == "open")
        .map(|x| {
            let what = x
                .purpose
                .clone()
                .or_else(|| x.plan_key.as_deref().map(|p| t.of("plan", p)))
                .unwrap_or_default();
            (
                x.id,
                format!(
                    "{} · {} · {}",
                    t.of("method", &x.method),
                    what,
                    t.date(&x.due_on)
                ),
            )
        })
        .collect();
    let customer_tasks = task_rows(t, all_tasks);
    let segments = segs(
        t,
        &s.app.tz,
        banyan_app::segments::segments(&s.app, a, id)
            .await
            .map_err(err)?,
    );
    let history = uc::versions(&s.app, a, id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|h| HistoryRow {
            version: h.version,
            at: t.datetime(&s.app.tz, &h.at),
            action: h.action,
            changes: h
                .changes
                .iter()
                .map(|c| format!("{}: {} → {}", c.field, show_json(&c.old), show_json(&c.new)))
                .collect(),
        })
        .collect();
    let mut profile = Vec::new();
    if let serde_json::Value::Object(m) = &v.profile {
        for (k, val) in m {
            let label_key = format!("field.{k}");
            let label = match t.get(&label_key) {
                l if l == label_key => k.clone(),
                l => l.to_owned(),
            };
            let shown = match (k.as_str(), val) {
                ("birth_date" | "id_expiry", serde_json::Value::String(d)) => t.date(d),
                ("annual_revenue" | "total_assets", serde_json::Value::Object(o)) => t.money(
                    o.get("minor").and_then(|m| m.as_i64()).unwrap_or(0),
                    o.get("currency").and_then(|c| c.as_str()).unwrap_or("CNY"),
                ),
                ("id_type", serde_json::Value::String(d)) => t.of("doc", d),
                ("gender", serde_json::Value::String(g)) => {
                    t.get(&format!("gender.{g}")).to_owned()
                }
                _ => show_json(val),
            };
            profile.push((label, shown));
        }
    }
    if let serde_json::Value::Object(m) = &v.custom {
        for (k, val) in m {
            let label = defs
                .iter()
                .find(|d| d.kind == v.kind && &d.key == k)
                .map(|d| d.label.clone())
                .unwrap_or_else(|| k.clone());
            let shown = match val {
                serde_json::Value::Bool(b) => t.get(if *b { "yes" } else { "no" }).to_owned(),
                serde_json::Value::String(d) if d.parse::<jiff::civil::Date>().is_ok() => t.date(d),
                other => show_json(other),
            };
            profile.push((label, shown));
        }
    }
    if let Some(ch) = &v.preferred_channel {
        profile.push((
            t.get("field.preferred_channel").to_owned(),
            t.get(&format!("channel.{ch}")).to_owned(),
        ));
    }
    let consents = v
        .consents
        .iter()
        .map(|c| {
            (
                format!("channel.{}", c.channel.as_str()),
                c.granted,
                c.source.clone(),
                t.datetime(&s.app.tz, &c.at),
            )
        })
        .collect();
    let audit = if a.role.has(Permission::AuditRead) {
        let q = banyan_app::audit::AuditQuery {
            customer_id: Some(id),
            limit: Some(100),
            ..Default::default()
        };
        audit_rows(
            t,
            &s.app.tz,
            banyan_app::audit::search(&s.app, a, q).await.map_err(err)?,
        )
    } else {
        Vec::new()
    };
    let mine = v.created_by == a.id || v.updated_by == a.id;
    let page_v = CustomerPage {
        title: v.display_name.clone(),
        kind_key: kind_key(v.kind),
        status: v.status.as_str(),
        status_key: status_key(v.status),
        id_type_key: format!("doc.{}", v.identifier.id_type),
        review_due: v
            .review_due
            .as_deref()
            .map(|d| t.date(d))
            .unwrap_or_default(),
        can_reveal: a.role.has(Permission::CustomerReveal),
        can_edit: a.role.has(Permission::CustomerUpdate) && v.status != CustomerStatus::Submitted,
        can_submit: a.role.has(Permission::CustomerSubmit)
            && matches!(v.status, CustomerStatus::Draft | CustomerStatus::Returned),
        can_verify: a.role.has(Permission::CustomerVerify)
            && v.status == CustomerStatus::Submitted
            && !mine,
        message: if reveal {
            Some(t.get("form.revealed").to_owned())
        } else {
            message
        },
        error,
        profile,
        rm_name,
        consents,
        channels: banyan_domain::customer::Channel::ALL
            .iter()
            .map(|c| (c.as_str(), format!("channel.{}", c.as_str())))
            .collect(),
        contact_kinds: vec![
            ("mobile", "field.mobile"),
            ("email", "field.email"),
            ("address", "field.address"),
        ],
        rel_kinds: banyan_domain::customer::RelationshipKind::ALL
            .iter()
            .map(|k| (k.as_str(), format!("rel.{}", k.as_str())))
            .collect(),
        relationships,
        timeline,
        customer_tasks,
        messages,
        events,
        cases,
        open_tasks,
        methods: banyan_domain::engagement::METHODS
            .iter()
            .map(|m| (*m, t.of("method", m)))
            .collect(),
        segs: segments,
        questionnaire: if v.kind == CustomerKind::Individual {
            let en = t.lang == i18n::Lang::En;
            s.app
                .policy
                .segments
                .risk_questionnaire
                .questions
                .iter()
                .map(|q| {
                    (
                        q.key.clone(),
                        if en {
                            q.text_en.clone()
                        } else {
                            q.text.clone()
                        },
                        q.answers
                            .iter()
                            .map(|a| {
                                (
                                    a.key.clone(),
                                    if en {
                                        a.text_en.clone()
                                    } else {
                                        a.text.clone()
                                    },
                                )
                            })
                            .collect(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        history,
        audit,
        c: chrome(t, Some(&sess), &format!("/customers/{id}")),
        v,
    };
    Ok(page(page_v))
}

fn show_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn show(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let msg = q.msg.as_deref().and_then(|m| match m {
        "created" => Some(t.get("form.created").to_owned()),
        "saved" => Some(t.get("form.saved").to_owned()),
        "logged" => Some(t.get("ix.saved").to_owned()),
        _ => None,
    });
    customer_page(&s, sess, t, id, q.reveal.is_some(), msg, None).await
}

/// Submit, verify and return, from the customer page.
async fn act(
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
async fn after_write<T>(
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
        e @ AppError::Conflict { .. } => (StatusCode::CONFLICT, e.to_string()),
        e => return Err(PageError::App(e, t, Some(sess))),
    };
    let mut page = customer_page(s, sess, t, id, false, None, Some(msg)).await?;
    *page.status_mut() = status;
    Ok(page)
}

/// The version a customer-page form was rendered at (its hidden `version` input).
fn form_version(f: &HashMap<String, String>) -> Option<i64> {
    f.get("version").and_then(|v| v.parse().ok())
}

/// A form value, trimmed; `None` when empty.
fn form_text(f: &HashMap<String, String>, k: &str) -> Option<String> {
    f.get(k)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

async fn add_contact(
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
            uc::add_contact(&s.app, &sess.actor, id, c, form_version(&f)).await
        }
    };
    after_write(&s, sess, t, id, Some("saved"), r).await
}

async fn delete_contact(
    State(s): State<AppState>,
    Path((id, cid)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = uc::delete_contact(&s.app, &sess.actor, id, cid, form_version(&f)).await;
    after_write(&s, sess, t, id, Some("saved"), r).await
}

/// Records a consent (or its withdrawal) for one channel, as a merge patch at the page's version.
async fn record_consent(
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
async fn add_relationship(
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

/// Records a risk-appetite questionnaire answered on the customer page.
async fn record_assessment(
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

async fn close_alert(
    State(s): State<AppState>,
    Path((id, aid)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let r = banyan_app::segments::close_alert(
        &s.app,
        &sess.actor,
        aid,
        f.get("resolution").map_or("", |v| v),
    )
    .await;
    after_write(&s, sess, t, id, Some("saved"), r).await
}

/// Logs a contact from the customer page.
async fn log_interaction(
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

async fn delete_relationship(
    State(s): State<AppState>,
    Path((id, rid)): Path<(Uuid, Uuid)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    let r = uc::delete_relationship(&s.app, &sess.actor, id, rid).await;
    after_write(&s, sess, t, id, Some("saved"), r).await
}

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

/// One input for a custom field a bank defined.
#[derive(Debug)]
struct CustomInput {
    /// `custom.<key>`, which is also the path of its field errors.
    name: String,
    label: String,
    /// On the create form, the kind whose fields it belongs to.
    kind: &'static str,
    /// `text`, `number`, `date`, `boolean` or `choice`.
    input: &'static str,
    options: Vec<String>,
    max_length: Option<u32>,
    required: bool,
    value: String,
    error: Option<String>,
}

/// The inputs for the definitions of `kind` (all kinds when `None`), filled by `value`.
fn custom_inputs(
    defs: &[FieldDefinition],
    kind: Option<CustomerKind>,
    value: impl Fn(&FieldDefinition) -> String,
    errors: &HashMap<String, String>,
) -> Vec<CustomInput> {
    defs.iter()
        .filter(|d| kind.is_none_or(|k| d.kind == k))
        .map(|d| {
            let name = format!("custom.{}", d.key);
            CustomInput {
                label: d.label.clone(),
                kind: d.kind.as_str(),
                input: match d.field_type {
                    FieldType::Text => "text",
                    FieldType::Integer => "number",
                    FieldType::Date => "date",
                    FieldType::Boolean => "boolean",
                    FieldType::Choice => "choice",
                },
                options: d.options.clone(),
                max_length: d.max_length,
                required: d.required,
                value: value(d),
                error: errors.get(&name).cloned(),
                name,
            }
        })
        .collect()
}

/// A stored custom value as the form shows it.
fn custom_text(custom: &serde_json::Value, key: &str) -> String {
    match custom.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// A form's text as the JSON value of a custom field; text that is not of the field's type is passed on
/// as text, so the one validator (the API's) names the field and the rule.
fn custom_json(d: &FieldDefinition, raw: &str) -> serde_json::Value {
    match d.field_type {
        FieldType::Integer => raw
            .parse::<i64>()
            .map(serde_json::Value::from)
            .unwrap_or_else(|_| raw.into()),
        FieldType::Boolean => match raw {
            "true" => true.into(),
            "false" => false.into(),
            _ => raw.into(),
        },
        _ => raw.into(),
    }
}

/// One input of the create form.
#[derive(Debug)]
struct FieldView {
    name: &'static str,
    label_key: &'static str,
    /// CSS classes: which kinds show the field.
    kinds: &'static str,
    value: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct CreateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    branch_code: String,
    rest: HashMap<String, String>,
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    c: Chrome,
    title: String,
    form: CreateForm,
    kinds: Vec<(&'static str, &'static str, bool)>,
    doc_types: Vec<(&'static str, &'static str)>,
    fields: Vec<FieldView>,
    customs: Vec<CustomInput>,
    errors: Vec<String>,
    general_error: Option<String>,
}

const FORM_FIELDS: &[(&str, &str, &str, &str)] = &[
    // (input name, label key, kinds, path in the API's field errors)
    (
        "name_zh",
        "field.name_zh",
        "individual",
        "individual.name_zh",
    ),
    (
        "name_latin",
        "field.name_latin",
        "individual",
        "individual.name_latin",
    ),
    (
        "id_type",
        "field.id_type",
        "individual",
        "individual.id_type",
    ),
    (
        "id_number",
        "field.id_number",
        "individual",
        "individual.id_number",
    ),
    (
        "birth_date",
        "field.birth_date",
        "individual",
        "individual.birth_date",
    ),
    (
        "occupation",
        "field.occupation",
        "individual",
        "individual.occupation",
    ),
    (
        "registered_name",
        "field.registered_name",
        "organization",
        "organization.registered_name",
    ),
    (
        "credit_code",
        "field.credit_code",
        "organization",
        "organization.credit_code",
    ),
    (
        "industry",
        "field.industry",
        "organization",
        "organization.industry",
    ),
    (
        "employees",
        "field.employees",
        "organization",
        "organization.employees",
    ),
    (
        "mobile",
        "field.mobile",
        "individual organization",
        "contacts.mobile",
    ),
    (
        "email",
        "field.email",
        "individual organization",
        "contacts.email",
    ),
    (
        "address",
        "field.address",
        "individual organization",
        "contacts.address",
    ),
];

fn form_page(
    t: Tr,
    sess: &Session,
    defs: &[FieldDefinition],
    form: CreateForm,
    errors: &HashMap<String, String>,
    general_error: Option<String>,
) -> Response {
    let customs = custom_inputs(
        defs,
        None,
        |d| {
            form.rest
                .get(&format!("custom.{}", d.key))
                .cloned()
                .unwrap_or_default()
        },
        errors,
    );
    let fields = FORM_FIELDS
        .iter()
        .map(|(name, label, kinds, _)| FieldView {
            name,
            label_key: label,
            kinds,
            value: form.rest.get(*name).cloned().unwrap_or_else(|| {
                if *name == "id_type" {
                    "resident_id".into()
                } else {
                    String::new()
                }
            }),
            error: errors.get(*name).cloned(),
        })
        .collect();
    let has_errors = !errors.is_empty() || general_error.is_some();
    let mut r = page(FormPage {
        title: t.get("nav.new").to_owned(),
        c: chrome(t, Some(sess), "/customers/new"),
        kinds: CustomerKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(*k), k.as_str() == form.kind))
            .collect(),
        doc_types: vec![
            ("resident_id", "doc.resident_id"),
            ("passport", "doc.passport"),
            ("hk_id", "doc.hk_id"),
            ("tw_id", "doc.tw_id"),
        ],
        form,
        fields,
        customs,
        errors: errors.values().cloned().collect(),
        general_error,
    });
    if has_errors {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

async fn new_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let defs = uc::field_definitions(&s.app)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let form = CreateForm {
        kind: "individual".into(),
        branch_code: sess.actor.branch_code.clone().unwrap_or_default(),
        ..Default::default()
    };
    Ok(form_page(t, &sess, &defs, form, &HashMap::new(), None))
}

/// The create request the form describes (the same JSON the API takes, so the same rules apply).
fn form_to_input(f: &CreateForm, defs: &[FieldDefinition]) -> serde_json::Value {
    let get = |k: &str| {
        f.rest
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut contacts = Vec::new();
    for k in ["mobile", "email", "address"] {
        if let Some(v) = get(k) {
            contacts.push(serde_json::json!({"kind": k, "value": v}));
        }
    }
    let mut body = serde_json::json!({"kind": f.kind, "branch_code": f.branch_code.trim(), "contacts": contacts});
    let custom: serde_json::Map<String, serde_json::Value> = defs
        .iter()
        .filter(|d| d.kind.as_str() == f.kind)
        .filter_map(|d| {
            Some((
                d.key.clone(),
                custom_json(d, &get(&format!("custom.{}", d.key))?),
            ))
        })
        .collect();
    if !custom.is_empty() {
        body["custom"] = serde_json::Value::Object(custom);
    }
    if f.kind == "individual" {
        let mut p = serde_json::Map::new();
        for k in ["name_zh", "name_latin", "birth_date", "occupation"] {
            if let Some(v) = get(k) {
                p.insert(k.into(), v.into());
            }
        }
        p.insert(
            "id_type".into(),
            get("id_type")
                .unwrap_or_else(|| "resident_id".into())
                .into(),
        );
        p.insert(
            "id_number".into(),
            get("id_number").unwrap_or_default().into(),
        );
        body["individual"] = serde_json::Value::Object(p);
    } else {
        let mut o = serde_json::Map::new();
        o.insert(
            "registered_name".into(),
            get("registered_name").unwrap_or_default().into(),
        );
        o.insert(
            "credit_code".into(),
            get("credit_code").unwrap_or_default().into(),
        );
        if let Some(v) = get("industry") {
            o.insert("industry".into(), v.into());
        }
        if let Some(v) = get("employees") {
            o.insert(
                "employees".into(),
                v.parse::<u64>()
                    .map(serde_json::Value::from)
                    .unwrap_or(serde_json::Value::String(v)),
            );
        }
        body["organization"] = serde_json::Value::Object(o);
    }
    body
}

/// Maps an API field path (`contacts[0].value`, `individual.id_number`) to the form input it came from.
fn input_for(path: &str, f: &CreateForm) -> &'static str {
    if let Some(rest) = path.strip_prefix("contacts[") {
        let idx: usize = rest
            .split(']')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let present: Vec<&str> = ["mobile", "email", "address"]
            .into_iter()
            .filter(|k| f.rest.get(*k).is_some_and(|v| !v.trim().is_empty()))
            .collect();
        return match present.get(idx) {
            Some(&"mobile") => "mobile",
            Some(&"email") => "email",
            _ => "address",
        };
    }
    FORM_FIELDS
        .iter()
        .find(|(_, _, _, p)| *p == path)
        .map(|(n, ..)| *n)
        .unwrap_or(match path {
            "branch_code" | "rm_id" => "branch_code",
            _ => "",
        })
}

async fn create(
    State(s): State<AppState>,
    SignedForm {
        sess,
        t,
        f: mut fields,
    }: SignedForm,
) -> Result<Response, PageError> {
    let f = CreateForm {
        kind: fields.remove("kind").unwrap_or_default(),
        branch_code: fields.remove("branch_code").unwrap_or_default(),
        rest: fields,
    };
    let defs = uc::field_definitions(&s.app)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let input = match banyan_app::json::from_value(form_to_input(&f, &defs)) {
        Ok(i) => i,
        Err(AppError::Validation(errs)) => {
            return Ok(with_field_errors(t, &sess, &defs, f, errs));
        }
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    match uc::create(&s.app, &sess.actor, input, None).await {
        Ok(uc::Created::New(v)) => {
            Ok(Redirect::to(&format!("/customers/{}?msg=created", v.id)).into_response())
        }
        Ok(uc::Created::Replayed { .. }) => Ok(Redirect::to("/customers").into_response()),
        Err(AppError::Validation(errs)) => Ok(with_field_errors(t, &sess, &defs, f, errs)),
        Err(AppError::Conflict { message, .. }) => Ok(form_page(
            t,
            &sess,
            &defs,
            f,
            &HashMap::new(),
            Some(format!("{} ({message})", t.get("rule.duplicate"))),
        )),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

fn with_field_errors(
    t: Tr,
    sess: &Session,
    defs: &[FieldDefinition],
    f: CreateForm,
    errs: banyan_domain::FieldErrors,
) -> Response {
    let mut map: HashMap<String, String> = HashMap::new();
    let mut general = Vec::new();
    for e in errs.0 {
        let msg = t.rule(&e.rule, &e.message).into_owned();
        if e.field.starts_with("custom.") {
            map.entry(e.field).or_insert(msg);
            continue;
        }
        match input_for(&e.field, &f) {
            "" => general.push(format!("{}: {msg}", e.field)),
            name => {
                map.entry(name.to_owned()).or_insert(msg);
            }
        }
    }
    let general = (!general.is_empty()).then(|| general.join("; "));
    form_page(t, sess, defs, f, &map, general)
}

// ---------------------------------------------------------------------------------------------
// Edit
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "customer_edit.html")]
struct EditPage {
    c: Chrome,
    title: String,
    id: Uuid,
    name: String,
    customer_no: String,
    version: i64,
    fields: Vec<FieldView>,
    customs: Vec<CustomInput>,
    /// Relationship managers to reassign to: (id, name, selected); empty when not offered.
    rms: Vec<(String, String, bool)>,
    rm_error: Option<String>,
    conflict: Vec<String>,
    general_error: Option<String>,
}

/// Editable profile fields per kind: (input name, label key, path in the API's field errors).
fn edit_fields(kind: CustomerKind) -> &'static [(&'static str, &'static str, &'static str)] {
    match kind {
        CustomerKind::Individual => &[
            ("name_zh", "field.name_zh", "individual.name_zh"),
            ("name_latin", "field.name_latin", "individual.name_latin"),
            ("occupation", "field.occupation", "individual.occupation"),
            ("employer", "field.employer", "individual.employer"),
            ("nationality", "field.nationality", "individual.nationality"),
        ],
        _ => &[
            (
                "registered_name",
                "field.registered_name",
                "organization.registered_name",
            ),
            (
                "legal_representative",
                "field.legal_representative",
                "organization.legal_representative",
            ),
            ("industry", "field.industry", "organization.industry"),
            ("employees", "field.employees", "organization.employees"),
        ],
    }
}

fn profile_text(v: &CustomerView, key: &str) -> String {
    match v.profile.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// What an edit page shows besides the record: the user's input, errors, or someone else's change.
#[derive(Debug, Default)]
struct EditOutcome<'a> {
    values: Option<&'a HashMap<String, String>>,
    errors: HashMap<String, String>,
    conflict: Vec<String>,
    general_error: Option<String>,
}

async fn edit_page(
    s: &AppState,
    t: Tr,
    sess: &Session,
    v: &CustomerView,
    o: EditOutcome<'_>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let defs = uc::field_definitions(&s.app).await.map_err(err)?;
    let rm_list = banyan_app::access::relationship_managers(&s.app, &sess.actor)
        .await
        .map_err(err)?;
    let value = |name: &str, stored: String| {
        o.values
            .and_then(|m| m.get(name).cloned())
            .unwrap_or(stored)
    };
    let fields = edit_fields(v.kind)
        .iter()
        .map(|(name, label, _)| FieldView {
            name,
            label_key: label,
            kinds: "",
            value: value(name, profile_text(v, name)),
            error: o.errors.get(*name).cloned(),
        })
        .collect();
    let customs = custom_inputs(
        &defs,
        Some(v.kind),
        |d| value(&format!("custom.{}", d.key), custom_text(&v.custom, &d.key)),
        &o.errors,
    );
    let current_rm = value("rm_id", v.rm_id.map(|r| r.to_string()).unwrap_or_default());
    let status = if !o.conflict.is_empty() {
        StatusCode::CONFLICT
    } else if !o.errors.is_empty() || o.general_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut r = page(EditPage {
        title: t.get("action.edit").to_owned(),
        c: chrome(t, Some(sess), &format!("/customers/{}/edit", v.id)),
        id: v.id,
        name: v.display_name.clone(),
        customer_no: v.customer_no.clone(),
        version: v.version,
        fields,
        customs,
        // Reassigning is offered to those who see more than their own customers.
        rms: if sess.actor.role.scope() == banyan_domain::access::ScopeKind::Own {
            Vec::new()
        } else {
            rm_list
                .into_iter()
                .map(|r| {
                    let id = r.id.to_string();
                    let sel = id == current_rm;
                    (id, format!("{} ({})", r.display_name, r.username), sel)
                })
                .collect()
        },
        rm_error: o.errors.get("rm_id").cloned(),
        conflict: o.conflict,
        general_error: o.general_error,
    });
    *r.status_mut() = status;
    Ok(r)
}

async fn edit_post(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    edit(&s, sess, t, id, f).await
}

async fn edit_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let v = uc::get(&s.app, &sess.actor, id, false)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    edit_page(&s, t, &sess, &v, EditOutcome::default()).await
}

/// Saves an edit as a merge patch of what changed, at the version the form was read at. If someone else
/// saved first, the form comes back with the latest values and a list of their changes, and nothing is
/// overwritten.
async fn edit(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: Uuid,
    f: HashMap<String, String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let current = uc::get(&s.app, &sess.actor, id, false).await.map_err(err)?;
    let defs = uc::field_definitions(&s.app).await.map_err(err)?;
    let section = if current.kind == CustomerKind::Individual {
        "individual"
    } else {
        "organization"
    };
    let mut part = serde_json::Map::new();
    for (name, _, _) in edit_fields(current.kind) {
        let Some(new) = f.get(*name).map(|v| v.trim().to_owned()) else {
            continue;
        };
        if new == profile_text(&current, name) {
            continue;
        }
        let value = if new.is_empty() {
            serde_json::Value::Null
        } else if *name == "employees" {
            new.parse::<u64>()
                .map(serde_json::Value::from)
                .unwrap_or(serde_json::Value::String(new))
        } else {
            serde_json::Value::String(new)
        };
        part.insert((*name).to_owned(), value);
    }
    let mut patch = serde_json::json!({ section: part });
    let mut custom = serde_json::Map::new();
    for d in defs.iter().filter(|d| d.kind == current.kind) {
        let Some(new) = f.get(&format!("custom.{}", d.key)).map(|v| v.trim()) else {
            continue;
        };
        if new != custom_text(&current.custom, &d.key) {
            let value = if new.is_empty() {
                serde_json::Value::Null
            } else {
                custom_json(d, new)
            };
            custom.insert(d.key.clone(), value);
        }
    }
    if !custom.is_empty() {
        patch["custom"] = serde_json::Value::Object(custom);
    }
    if let Some(rm) = f.get("rm_id").map(|v| v.trim())
        && rm != current.rm_id.map(|r| r.to_string()).unwrap_or_default()
    {
        patch["rm_id"] = if rm.is_empty() {
            serde_json::Value::Null
        } else {
            rm.into()
        };
    }
    match uc::update(&s.app, &sess.actor, id, patch, form_version(&f)).await {
        Ok(_) => Ok(Redirect::to(&format!("/customers/{id}?msg=saved")).into_response()),
        Err(AppError::VersionConflict { since, .. }) => {
            let conflict: Vec<String> = since
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|v| v["changes"].as_array().cloned().unwrap_or_default())
                .map(|c| {
                    format!(
                        "{}: {} → {}",
                        c["field"].as_str().unwrap_or(""),
                        show_json(&c["old"]),
                        show_json(&c["new"])
                    )
                })
                .collect();
            // The form shows the latest record, not the stale input: nothing is overwritten.
            let o = EditOutcome {
                conflict,
                ..Default::default()
            };
            edit_page(s, t, &sess, &current, o).await
        }
        Err(AppError::Validation(errs)) => {
            let mut errors = HashMap::new();
            let mut general = Vec::new();
            for e in errs.0 {
                let msg = t.rule(&e.rule, &e.message).into_owned();
                let input = edit_fields(current.kind)
                    .iter()
                    .find(|(_, _, p)| *p == e.field)
                    .map(|(name, _, _)| (*name).to_owned())
                    .or_else(|| {
                        (e.field.starts_with("custom.") || e.field == "rm_id")
                            .then(|| e.field.clone())
                    });
                match input {
                    Some(name) => {
                        errors.entry(name).or_insert(msg);
                    }
                    None => general.push(format!("{}: {msg}", e.field)),
                }
            }
            let o = EditOutcome {
                values: Some(&f),
                errors,
                general_error: (!general.is_empty()).then(|| general.join("; ")),
                ..Default::default()
            };
            edit_page(s, t, &sess, &current, o).await
        }
        Err(e @ AppError::Conflict { .. }) => {
            let o = EditOutcome {
                values: Some(&f),
                general_error: Some(e.to_string()),
                ..Default::default()
            };
            edit_page(s, t, &sess, &current, o).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

// ---------------------------------------------------------------------------------------------
// Import, export, audit, administration
// ---------------------------------------------------------------------------------------------

fn audit_rows(
    t: Tr,
    tz: &jiff::tz::TimeZone,
    page: banyan_app::audit::AuditPage,
) -> Vec<(String, String, String, String)> {
    page.items
        .into_iter()
        .map(|a| {
            (
                t.datetime(tz, &a.at),
                a.actor,
                a.action,
                a.detail.to_string(),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Chrome,
    title: String,
    report: Option<banyan_app::io::ImportReport>,
    rejected_csv: String,
}

async fn import_form(Signed { sess, t }: Signed) -> Result<Response, PageError> {
    if !sess.actor.role.has(Permission::CustomerImport) {
        return Err(PageError::App(
            AppError::forbidden("permission_denied", ""),
            t,
            Some(sess),
        ));
    }
    Ok(page(ImportPage {
        title: t.get("import.title").to_owned(),
        c: chrome(t, Some(&sess), "/import"),
        report: None,
        rejected_csv: String::new(),
    }))
}

/// Reads the multipart form: the CSRF token, then the file (name and bytes).
async fn read_upload(
    mut mp: axum::extract::Multipart,
) -> Option<(Option<String>, String, Vec<u8>)> {
    let mut csrf = None;
    let mut file = None;
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.ok(),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                file = Some((name, field.bytes().await.ok()?.to_vec()));
            }
            _ => {}
        }
    }
    let (name, bytes) = file?;
    Some((csrf, name, bytes))
}

async fn import(
    State(s): State<AppState>,
    headers: HeaderMap,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (sess, t) = session(&s, &headers).await?;
    let Some((csrf, name, bytes)) = read_upload(mp).await else {
        return Err(PageError::App(
            AppError::field("file", "required", "choose a CSV or XLSX file"),
            t,
            Some(sess),
        ));
    };
    check_csrf(&sess, t, csrf.as_deref())?;
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let src = if name.to_ascii_lowercase().ends_with(".xlsx") {
        banyan_app::io::read_xlsx(&bytes)
    } else {
        banyan_app::io::read_csv(&bytes)
    }
    .map_err(err)?;
    let headers_row = src.headers.clone();
    let report = banyan_app::io::import(&s.app, &sess.actor, src, 500, |_, _| {})
        .await
        .map_err(err)?;
    let rejected_csv = String::from_utf8(
        banyan_app::io::rejected_csv(&headers_row, &report.rejected).map_err(err)?,
    )
    .unwrap_or_default();
    Ok(page(ImportPage {
        title: t.get("import.title").to_owned(),
        c: chrome(t, Some(&sess), "/import"),
        report: Some(report),
        rejected_csv,
    }))
}

/// Hands the rejected rows of an import back as a CSV download.
async fn import_rejected(SignedForm { f, .. }: SignedForm) -> Result<Response, PageError> {
    let csv = f.get("csv").cloned().unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rejected.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

async fn export(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let query = ListQuery {
        cursor: None,
        ..p.list_query()
    };
    let format = if p.format == "xlsx" {
        banyan_app::io::Format::Xlsx
    } else {
        banyan_app::io::Format::Csv
    };
    let (bytes, _) = banyan_app::io::export(&s.app, &sess.actor, query, format)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(crate::api::customers::download(format, bytes))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPageT {
    c: Chrome,
    title: String,
    q: AuditForm,
    audit: Vec<(String, String, String, String)>,
    next: Option<String>,
    error: Option<String>,
}

/// The audit search form: a customer (number or id), a staff member (username), an action and a date range
/// in the bank's time zone.
#[derive(Debug, Clone, Deserialize, Default)]
struct AuditForm {
    #[serde(default)]
    customer: String,
    #[serde(default)]
    staff: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    cursor: Option<String>,
}

impl AuditForm {
    fn link(&self, cursor: &str) -> String {
        let mut u = form_urlencoded::Serializer::new(String::new());
        u.append_pair("customer", &self.customer)
            .append_pair("staff", &self.staff)
            .append_pair("action", &self.action)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("cursor", cursor);
        format!("/audit?{}", u.finish())
    }
}

/// The start of a civil date (`2026-11-01`) in the bank's time zone; `days` later for an end bound.
fn day_start(tz: &jiff::tz::TimeZone, d: &str, days: i64) -> Option<jiff::Timestamp> {
    let date: jiff::civil::Date = d.trim().parse().ok()?;
    let date = date.checked_add(jiff::Span::new().days(days)).ok()?;
    date.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
}

async fn audit_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<AuditForm>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let mut errors = Vec::new();
    let mut bad = |field: &str, v: &str| errors.push(format!("{}: {v}", t.get(field)));
    let customer_id = match p.customer.trim() {
        "" => None,
        c => match c.parse::<Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                match uc::id_by_number(&s.app, &sess.actor, c)
                    .await
                    .ok()
                    .flatten()
                {
                    Some(i) => Some(i),
                    None => {
                        bad("field.customer_no", c);
                        None
                    }
                }
            }
        },
    };
    let staff_id = match p.staff.trim() {
        "" => None,
        u => match banyan_app::access::actor_for(&s.app, u).await {
            Ok(a) => Some(a.id),
            Err(AppError::NotFound) => {
                bad("audit.actor", u);
                None
            }
            Err(e) => return Err(err(e)),
        },
    };
    let mut date = |field: &str, v: &str, days: i64| match v.trim() {
        "" => None,
        d => {
            let r = day_start(&s.app.tz, d, days);
            if r.is_none() {
                bad(field, d);
            }
            r
        }
    };
    let from = date("audit.from", &p.from, 0);
    let to = date("audit.to", &p.to, 1);
    let (audit, next) = if errors.is_empty() {
        let q = banyan_app::audit::AuditQuery {
            customer_id,
            staff_id,
            from,
            to,
            action: Some(p.action.trim().to_owned()).filter(|a| !a.is_empty()),
            cursor: p.cursor.clone(),
            limit: Some(100),
        };
        let page = banyan_app::audit::search(&s.app, &sess.actor, q)
            .await
            .map_err(err)?;
        let next = page.next_cursor.as_deref().map(|c| p.link(c));
        (audit_rows(t, &s.app.tz, page), next)
    } else {
        (Vec::new(), None)
    };
    let failed = !errors.is_empty();
    Ok(page_status(
        AuditPageT {
            title: t.get("home.audit").to_owned(),
            audit,
            next,
            c: chrome(t, Some(&sess), "/audit"),
            q: p,
            error: (!errors.is_empty())
                .then(|| format!("{} {}", t.get("audit.not_found"), errors.join("; "))),
        },
        failed,
    ))
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    c: Chrome,
    title: String,
    from: String,
    to: String,
    /// `manager`, `team` or `branch`.
    by: &'static str,
    rows: Vec<banyan_app::engagement::CoverageRow>,
    /// The bar chart, drawn on the server (no script, no external asset).
    chart: Chart,
    error: Option<String>,
}

/// A horizontal bar chart of coverage: one bar per row, its on-time share; the text is escaped by the
/// template like any other value.
#[derive(Debug, Default)]
struct Chart {
    height: u32,
    /// (y, label, bar width in px (of 300), text).
    bars: Vec<(u32, String, u32, String)>,
}

#[derive(Debug, Deserialize, Default)]
struct CoverageForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    by: String,
}

async fn coverage_page(
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
            Err(AppError::Validation(e)) => (Vec::new(), Some(e.to_string())),
            Err(e) => return Err(PageError::App(e, t, Some(sess))),
        };
    let chart = Chart {
        height: 24 * rows.len() as u32 + 8,
        bars: rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let pct = r.coverage_pct.unwrap_or(0.0);
                (
                    24 * i as u32 + 4,
                    r.label.clone(),
                    (pct * 3.0).round() as u32,
                    r.coverage_pct
                        .map(|p| format!("{p:.1}%"))
                        .unwrap_or_else(|| "—".into()),
                )
            })
            .collect(),
    };
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

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    title: String,
    /// (when, customer id, customer, purpose, preparation, key customer, status).
    visits: Vec<(String, Uuid, String, String, String, bool, String)>,
    events: Vec<(Uuid, String, String, String, String)>,
    kinds: Vec<(&'static str, String)>,
    can_create: bool,
    error: Option<String>,
}

async fn calendar_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    error: Option<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let visits = banyan_app::engagement::my_visits(&s.app, &sess.actor, 30)
        .await
        .map_err(err)?;
    let ids: Vec<Uuid> = visits.iter().map(|v| v.customer_id).collect();
    let mut names = HashMap::new();
    for id in ids {
        if let Ok(v) = uc::get(&s.app, &sess.actor, id, false).await {
            names.insert(id, format!("{} {}", v.customer_no, v.display_name));
        }
    }
    let events = banyan_app::events::list_events(&s.app, &sess.actor)
        .await
        .map_err(err)?;
    let failed = error.is_some();
    Ok(page_status(
        CalendarPage {
            title: t.get("cal.title").to_owned(),
            visits: visits
                .into_iter()
                .map(|v| {
                    (
                        v.scheduled_at
                            .as_deref()
                            .map(|a| t.datetime(&s.app.tz, a))
                            .unwrap_or_default(),
                        v.customer_id,
                        names.get(&v.customer_id).cloned().unwrap_or_default(),
                        v.purpose.unwrap_or_default(),
                        v.preparation.unwrap_or_default(),
                        v.key_customer,
                        t.of("task", &v.status),
                    )
                })
                .collect(),
            events: events
                .into_iter()
                .map(|e| {
                    (
                        e.id,
                        t.datetime(&s.app.tz, &e.starts_at),
                        e.title,
                        e.location,
                        format!(
                            "{}/{}",
                            e.counts.get("accepted").copied().unwrap_or(0)
                                + e.counts.get("attended").copied().unwrap_or(0),
                            e.capacity
                        ),
                    )
                })
                .collect(),
            kinds: ["lecture", "exchange", "outdoor"]
                .iter()
                .map(|k| (*k, t.of("event.kind", k)))
                .collect(),
            can_create: sess.actor.role.has(Permission::CustomerUpdate),
            c: chrome(t, Some(&sess), "/calendar"),
            error,
        },
        failed,
    ))
}

async fn calendar_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    calendar_view(&s, sess, t, None).await
}

/// Field errors in the user's language: `field: rule; ...`.
fn field_errors_text(t: Tr, e: &banyan_domain::FieldErrors) -> String {
    e.0.iter()
        .map(|e| format!("{}: {}", e.field, t.rule(&e.rule, &e.message)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A `datetime-local` value in the bank's time zone as an RFC 3339 instant (other text passes through,
/// so the use case names the field if it is not a time).
fn local_instant(s: &AppState, v: &str) -> String {
    v.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|d| d.to_zoned(s.app.tz.clone()).ok())
        .map(|z| z.timestamp().to_string())
        .unwrap_or_else(|| v.to_owned())
}

async fn create_event(
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
            calendar_view(&s, sess, t, Some(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// An invitation as shown: (customer id, number, name, status key, status label, feedback).
type Invitation = (Uuid, String, String, String, String, String);

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    c: Chrome,
    title: String,
    e: banyan_app::events::EventView,
    when: String,
    kind: String,
    /// (customer id, number, name, status key, status label, feedback shown: "4/5 · comment").
    invitations: Vec<Invitation>,
    tiers: Vec<(String, String)>,
    can_edit: bool,
    error: Option<String>,
}

async fn event_view(
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
            tiers: s
                .app
                .policy
                .segments
                .wealth
                .tiers
                .iter()
                .map(|x| (x.name.clone(), t.of("seg.wealth_tier", &x.name)))
                .collect(),
            can_edit: sess.actor.role.has(Permission::CustomerUpdate),
            c: chrome(t, Some(&sess), &format!("/events/{id}")),
            e,
            error,
        },
        failed,
    ))
}

async fn event_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    event_view(&s, sess, t, id, None).await
}

async fn invite_event(
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
    match banyan_app::events::invite(&s.app, &sess.actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/events/{id}")).into_response()),
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            event_view(&s, sess, t, id, Some(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

async fn respond_event(
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
    match banyan_app::events::respond(&s.app, &sess.actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/events/{id}")).into_response()),
        Err(e @ (AppError::Conflict { .. } | AppError::Validation(_))) => {
            let msg = e.to_string();
            event_view(&s, sess, t, id, Some(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// The segment filters a form offers (dimension, label, options with the chosen one selected).
fn segment_choices(
    app: &banyan_app::App,
    t: Tr,
    chosen: &BTreeMap<String, String>,
) -> Vec<(&'static str, String, Vec<Choice>)> {
    banyan_app::segments::dimension_values(&app.policy)
        .into_iter()
        .filter(|(d, _)| SEGMENT_FILTERS.contains(d))
        .map(|(d, values)| {
            let chosen = chosen.get(d).cloned().unwrap_or_default();
            (
                d,
                t.of("dim", d),
                values
                    .into_iter()
                    .map(|v| {
                        let label = t.of(&format!("seg.{d}"), &v);
                        let sel = v == chosen;
                        (v, label, sel)
                    })
                    .collect(),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    c: Chrome,
    title: String,
    campaigns: Vec<banyan_app::notify::CampaignSummary>,
    seg_filters: Vec<(&'static str, String, Vec<Choice>)>,
    /// What was typed, shown again after an error.
    key: String,
    channel: String,
    /// (language, its name, subject, text).
    texts: Vec<(&'static str, &'static str, String, String)>,
    can_send: bool,
    error: Option<String>,
    notice: Option<String>,
}

async fn campaigns_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    form: HashMap<String, String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let mut campaigns = banyan_app::notify::campaigns(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    for c in &mut campaigns {
        c.started_at = t.datetime(&s.app.tz, &c.started_at);
    }
    let chosen: BTreeMap<String, String> = form
        .iter()
        .filter(|(k, _)| k.starts_with("seg_"))
        .map(|(k, v)| (k.trim_start_matches("seg_").to_owned(), v.clone()))
        .collect();
    let failed = error.is_some();
    Ok(page_status(
        CampaignsPage {
            title: t.get("camp.title").to_owned(),
            c: chrome(t, Some(&sess), "/campaigns"),
            campaigns,
            seg_filters: segment_choices(&s.app, t, &chosen),
            key: form.get("key").cloned().unwrap_or_default(),
            channel: form.get("channel").cloned().unwrap_or_default(),
            texts: Lang::ALL
                .into_iter()
                .map(|l| {
                    let v = |k: &str| form.get(&format!("{k}_{}", l.code())).cloned();
                    (
                        l.code(),
                        l.name(),
                        v("subject").unwrap_or_default(),
                        v("body").unwrap_or_default(),
                    )
                })
                .collect(),
            can_send: sess.actor.role.has(Permission::CustomerUpdate),
            error,
            notice,
        },
        failed,
    ))
}

async fn campaigns_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    campaigns_view(&s, sess, t, HashMap::new(), None, None).await
}

/// Queues a content push from the campaign form.
async fn send_campaign(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let texts = |prefix: &str| -> BTreeMap<String, String> {
        ["zh-CN", "zh-TW", "en"]
            .into_iter()
            .filter_map(|l| form_text(&f, &format!("{prefix}_{l}")).map(|v| (l.to_owned(), v)))
            .collect()
    };
    let input = banyan_app::notify::CampaignInput {
        key: f.get("key").cloned().unwrap_or_default(),
        segments: f
            .iter()
            .filter(|(k, v)| k.starts_with("seg_") && !v.trim().is_empty())
            .map(|(k, v)| (k.trim_start_matches("seg_").to_owned(), v.clone()))
            .collect(),
        channel: form_text(&f, "channel"),
        subject: texts("subject"),
        body: texts("body"),
    };
    match banyan_app::notify::campaign(&s.app, &sess.actor, input).await {
        Ok(r) => {
            let notice = t
                .get("camp.queued")
                .replace("{customers}", &r.customers.to_string())
                .replace("{queued}", &r.queued.to_string());
            campaigns_view(&s, sess, t, HashMap::new(), None, Some(notice)).await
        }
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            let form = f.into_iter().filter(|(k, _)| k != "_csrf").collect();
            campaigns_view(&s, sess, t, form, Some(msg), None).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// Records an attendee's rating and comment from the event page.
async fn event_feedback(
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
    match banyan_app::events::feedback(&s.app, &sess.actor, id, input).await {
        Ok(()) => Ok(Redirect::to(&format!("/events/{id}")).into_response()),
        Err(e @ (AppError::Conflict { .. } | AppError::Validation(_))) => {
            let msg = match &e {
                AppError::Validation(v) => field_errors_text(t, v),
                other => other.to_string(),
            };
            event_view(&s, sess, t, id, Some(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// Plans a visit from the customer page.
async fn plan_visit(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = banyan_app::engagement::VisitInput {
        purpose: get("purpose"),
        scheduled_at: local_instant(&s, &get("scheduled_at")),
        method: get("method"),
        preparation: form_text(&f, "preparation"),
        staff: None,
        key_customer: f.contains_key("key_customer"),
    };
    let r = banyan_app::engagement::plan_visit(&s.app, &sess.actor, id, input).await;
    after_write(&s, sess, t, id, Some("saved"), r).await
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    c: Chrome,
    title: String,
    staff: Vec<banyan_app::access::StaffView>,
    roles: Vec<&'static str>,
    error: Option<String>,
}

async fn staff_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    error: Option<String>,
) -> Result<Response, PageError> {
    let staff = banyan_app::access::list_staff(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let failed = error.is_some();
    Ok(page_status(
        StaffPage {
            title: t.get("admin.staff").to_owned(),
            c: chrome(t, Some(&sess), "/admin/staff"),
            staff,
            roles: banyan_domain::access::Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect(),
            error,
        },
        failed,
    ))
}

async fn staff_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    staff_view(&s, sess, t, None).await
}

async fn add_staff(
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
        Err(AppError::Validation(e)) => {
            let msg =
                e.0.iter()
                    .map(|e| format!("{}: {}", e.field, t.rule(&e.rule, &e.message)))
                    .collect::<Vec<_>>()
                    .join("; ");
            staff_view(&s, sess, t, Some(msg)).await
        }
        Err(e @ AppError::Conflict { .. }) => {
            let msg = e.to_string();
            staff_view(&s, sess, t, Some(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

async fn disable_staff(
    State(s): State<AppState>,
    Path(username): Path<String>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    banyan_app::access::disable_staff(&s.app, &sess.actor, &username)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(Redirect::to("/admin/staff").into_response())
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    c: Chrome,
    title: String,
    /// Version label and content hash.
    version: String,
    policy: String,
}

async fn policy_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    if !sess.actor.role.has(Permission::ConfigManage)
        && !sess.actor.role.has(Permission::CustomerRead)
    {
        return Err(PageError::App(
            AppError::forbidden("permission_denied", ""),
            t,
            Some(sess),
        ));
    }
    let policy = toml::to_string_pretty(s.app.policy.as_ref()).unwrap_or_default();
    Ok(page(PolicyPage {
        title: t.get("admin.policy").to_owned(),
        c: chrome(t, Some(&sess), "/admin/policy"),
        version: format!("{} ({})", s.app.policy.version, s.app.policy_hash),
        policy,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(name: &str) -> Row {
        Row {
            id: Uuid::nil(),
            customer_no: "P-BR0001-00000001".into(),
            display_name: name.to_owned(),
            kind_key: "kind.individual",
            status: "draft",
            status_key: "status.draft",
            branch_code: "BR0001".into(),
            identifier: "110105********002X".into(),
            mobile: String::new(),
            review_due: String::new(),
            rm: String::new(),
        }
    }

    fn search_page(names: &[&str], q: &str) -> String {
        SearchPage {
            title: "t".into(),
            c: chrome(Tr::new(Lang::En), None, "/customers"),
            q: q.into(),
            branch_code: String::new(),
            overdue: false,
            kinds: vec![],
            statuses: vec![],
            rms: vec![],
            headings: headings(None),
            sort: String::new(),
            seg_filters: vec![],
            items: names.iter().map(|n| row(n)).collect(),
            next: None,
            error: None,
            can_export: false,
            export_query: String::new(),
        }
        .render()
        .unwrap()
    }

    #[test]
    fn a_customer_named_script_renders_as_text() {
        let html = search_page(
            &["<script>alert(1)</script>"],
            "\"><img src=x onerror=alert(1)>",
        );
        assert!(!html.contains("<script>alert(1)</script>"), "{html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<img src=x"), "{html}");
    }

    #[test]
    fn pages_are_in_the_chosen_language() {
        assert!(search_page(&[], "").contains("Customer search"));
        let cn = SearchPage {
            title: "t".into(),
            c: chrome(Tr::new(Lang::ZhCn), None, "/customers"),
            q: String::new(),
            branch_code: String::new(),
            overdue: false,
            kinds: vec![],
            statuses: vec![],
            rms: vec![],
            headings: headings(None),
            sort: String::new(),
            seg_filters: vec![],
            items: vec![],
            next: None,
            error: None,
            can_export: false,
            export_query: String::new(),
        }
        .render()
        .unwrap();
        assert!(cn.contains("客户查询") && cn.contains("lang=\"zh-CN\""));
    }
}
