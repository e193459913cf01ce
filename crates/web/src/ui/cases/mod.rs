//! Workbench pages for feedback and complaints: the queue, registration, one case with its clocks and
//! actions, the analysis dashboard (server-rendered SVG) with XLSX export, and calendars for administrators.

use super::forms::{Chart, field_errors_text, form_text, local_instant, read_upload, refusal};
use super::i18n::Tr;
use super::page::{
    Chrome, PageError, Signed, SignedForm, check_csrf, chrome, page, page_status, session,
};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::cases::{self as uc, CaseAction, CaseInput, CaseQuery, Complainant};
use banyan_domain::feedback as fb;
use banyan_domain::ids::CaseId;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

mod dashboard;
mod queue;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/cases", get(queue::queue))
        .route("/cases/new", get(new_form).post(create))
        .route("/cases/analytics", get(dashboard::dashboard))
        .route("/cases/export.xlsx", get(dashboard::export))
        .route("/cases/{id}", get(show))
        .route("/cases/{id}/act", post(act))
        .route(
            "/cases/{id}/attachments",
            post(upload).layer(axum::extract::DefaultBodyLimit::max(
                uc::ATTACHMENT_MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/cases/{id}/attachments/{attachment}", get(download))
        .route("/notices/read", post(read_notices))
        .route("/cases/owners", get(owners))
        .route("/admin/calendars", get(calendars).post(load_calendar))
}

/// A case row in a list: (id, number, received, kind, subject, complainant, department, owner, SLA due,
/// level, status).
pub struct CaseLine {
    pub id: CaseId,
    pub no: String,
    pub received: String,
    pub kind: String,
    pub subject: String,
    pub complainant: String,
    pub department: String,
    pub owner: String,
    pub due: String,
    pub level: i32,
    pub level_label: String,
    pub status: String,
    /// A care customer served first (the adjustment, never why).
    pub priority: bool,
}

fn line(t: Tr, s: &AppState, c: &uc::CaseSummary) -> CaseLine {
    CaseLine {
        id: c.id,
        no: c.case_no.clone(),
        received: t.datetime(&s.app.tz, &c.received_at),
        kind: t.of("fb.kind", &c.kind),
        subject: c.subject.clone(),
        complainant: c.complainant.clone(),
        department: crate::ui::labels::department(t, &c.department),
        owner: c.owner.clone().unwrap_or_else(|| "—".into()),
        due: if c.paused {
            t.get("case.paused").to_owned()
        } else {
            t.datetime(&s.app.tz, &c.sla.due_at)
        },
        level: c.escalation_level,
        level_label: t.of("case.level", &c.escalation_level.to_string()),
        status: t.of("case.status", &c.status),
        priority: c.priority,
    }
}

fn blank(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// One entry of a case's log as the case page shows it.
struct LogLine {
    at: String,
    who: String,
    what: String,
    note: String,
    detail: String,
}

#[derive(Debug, Deserialize)]
struct OwnerQuery {
    #[serde(default)]
    q: String,
}

/// The owner picker's options: staff who may work cases, by name or username, with their department.
async fn owners(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<OwnerQuery>,
) -> Result<Response, PageError> {
    let staff = banyan_app::access::case_owners(&s.app, &sess.actor, &p.q)
        .await
        .map_err(app_err(t, &sess))?;
    Ok(crate::ui::page::fresh_page(
        crate::ui::forms::staff_suggestions(t, staff),
    ))
}

fn app_err(t: Tr, sess: &Session) -> impl Fn(AppError) -> PageError + '_ {
    move |e| PageError::App(e, t, Some(sess.clone()))
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewPage {
    c: Chrome,
    title: String,
    /// Field -> what was typed (shown again after an error).
    f: HashMap<String, String>,
    kind: String,
    channel: String,
    severity: String,
    product: String,
    cause: String,
    kinds: Vec<(&'static str, String)>,
    channels: Vec<(&'static str, String)>,
    severities: Vec<(&'static str, String)>,
    products: Vec<(String, String)>,
    causes: Vec<(String, String)>,
    error: Option<String>,
}

fn choices(t: Tr, family: &str, values: &[&'static str]) -> Vec<(&'static str, String)> {
    values.iter().map(|v| (*v, t.of(family, v))).collect()
}

fn new_view(
    s: &AppState,
    sess: &Session,
    t: Tr,
    f: HashMap<String, String>,
    error: Option<String>,
) -> Response {
    let (products, causes) = banyan_app::cases::form_choices(&s.app);
    let failed = error.is_some();
    page_status(
        NewPage {
            title: t.get("case.new").to_owned(),
            c: chrome(t, Some(sess), "/cases/new"),
            kind: f.get("kind").cloned().unwrap_or_default(),
            channel: f.get("channel").cloned().unwrap_or_default(),
            severity: f.get("severity").cloned().unwrap_or_default(),
            product: f.get("product").cloned().unwrap_or_default(),
            cause: f.get("cause").cloned().unwrap_or_default(),
            f,
            kinds: choices(t, "fb.kind", &fb::KINDS),
            channels: choices(t, "fb.channel", &fb::CHANNELS),
            severities: choices(t, "fb.severity", &fb::SEVERITIES),
            products: products
                .iter()
                .map(|v| (v.clone(), t.of("fb.product", v)))
                .collect(),
            causes: causes
                .iter()
                .map(|v| (v.clone(), t.of("fb.cause", v)))
                .collect(),
            error,
        },
        failed,
    )
}

#[derive(Debug, Deserialize, Default)]
struct NewQuery {
    /// The customer's number, from the 360 page's "register a case".
    customer: Option<String>,
}

async fn new_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    uc::may_register(&sess.actor).map_err(app_err(t, &sess))?;
    let mut f = HashMap::new();
    f.insert("severity".into(), "medium".into());
    if let Some(no) = q.customer.filter(|n| !n.trim().is_empty()) {
        f.insert("customer".into(), no);
    }
    Ok(new_view(&s, &sess, t, f, None))
}

async fn create(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let non_customer = form_text(&f, "customer").is_none()
        && (form_text(&f, "name").is_some() || form_text(&f, "contact").is_some());
    let input = CaseInput {
        kind: get("kind"),
        channel: get("channel"),
        product: form_text(&f, "product"),
        cause: form_text(&f, "cause"),
        severity: form_text(&f, "severity"),
        complex: f.contains_key("complex"),
        customer: form_text(&f, "customer"),
        complainant: non_customer.then(|| Complainant {
            name: get("name"),
            contact: get("contact"),
        }),
        branch_code: form_text(&f, "branch_code"),
        subject: get("subject"),
        content: get("content"),
        received_at: form_text(&f, "received_at").map(|v| local_instant(&s, &v)),
        repeat_of: form_text(&f, "repeat_of"),
        new_facts: f.contains_key("new_facts"),
    };
    match uc::register(&s.app, &sess.actor, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}", c.summary.id)).into_response()),
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            Ok(new_view(&s, &sess, t, f, Some(msg)))
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

// ---------------------------------------------------------------------------------------------
// One case
// ---------------------------------------------------------------------------------------------

/// A task as shown: (id, department, owner, title, due, status label, result, open, overdue).
type TaskLine = (
    Uuid,
    String,
    String,
    String,
    String,
    String,
    String,
    bool,
    bool,
);

/// A bar chart section of the dashboard: its title, the chart, the query parameter its bars drill down by,
/// and a (link, label) per bar.
struct ChartSection {
    title: String,
    chart: Chart,
    param: &'static str,
    keys: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    title: String,
    v: uc::CaseView,
    kind: String,
    channel: String,
    status: String,
    received: String,
    sla_due: String,
    sla_rule: String,
    /// The department in words and the rule that chose it.
    department: String,
    route: String,
    reg_due: Option<String>,
    reg_rule: Option<String>,
    level_label: String,
    /// (when, who, what, note, detail).
    log: Vec<LogLine>,
    /// (id, department, owner, title, due, status label, result, open, overdue).
    tasks: Vec<TaskLine>,
    can_write: bool,
    can_approve: bool,
    /// The regulatory deadline exists and has not passed: an extension must be granted before it, so the
    /// action is not offered after.
    can_extend: bool,
    /// A non-customer's contact is masked and the viewer may see it in full (audited).
    can_reveal: bool,
    is_open: bool,
    is_done: bool,
    error: Option<String>,
}

fn span_text(t: Tr, amount: i32, unit: &str) -> String {
    t.get(&format!("unit.{unit}"))
        .replace("{n}", &amount.to_string())
}

async fn case_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: CaseId,
    error: Option<String>,
) -> Result<Response, PageError> {
    case_page(s, sess, t, id, error, false).await
}

async fn case_page(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: CaseId,
    error: Option<String>,
    reveal: bool,
) -> Result<Response, PageError> {
    let v = if reveal {
        uc::reveal(&s.app, &sess.actor, id).await
    } else {
        uc::get(&s.app, &sess.actor, id).await
    }
    .map_err(app_err(t, &sess))?;
    let dt = |x: &str| t.datetime(&s.app.tz, x);
    let met = |m: Option<bool>| match m {
        Some(true) => format!(" · {}", t.get("case.met")),
        Some(false) => format!(" · {}", t.get("case.missed")),
        None => String::new(),
    };
    let failed = error.is_some();
    Ok(page_status(
        CasePage {
            title: format!("{} {}", v.summary.case_no, v.summary.subject),
            c: chrome(t, Some(&sess), &format!("/cases/{id}")),
            kind: t.of("fb.kind", &v.summary.kind),
            channel: t.of("fb.channel", &v.summary.channel),
            status: t.of("case.status", &v.summary.status),
            received: dt(&v.summary.received_at),
            sla_due: format!("{}{}", dt(&v.summary.sla.due_at), met(v.summary.sla.met)),
            sla_rule: span_text(t, v.summary.sla.amount, &v.summary.sla.unit),
            department: crate::ui::labels::department(t, &v.summary.department),
            route: crate::ui::labels::rule_ref(t, &v.route_rule),
            reg_due: v
                .summary
                .regulatory
                .as_ref()
                .map(|r| format!("{}{}", dt(&r.due_at), met(r.met))),
            reg_rule: v
                .summary
                .regulatory
                .as_ref()
                .map(|r| span_text(t, r.amount, &r.unit)),
            level_label: t.of("case.level", &v.summary.escalation_level.to_string()),
            log: v
                .log
                .iter()
                .map(|l| LogLine {
                    at: dt(&l.at),
                    who: l
                        .actor
                        .clone()
                        .unwrap_or_else(|| t.get("case.system").to_owned()),
                    what: t.of("case.act", &l.action),
                    note: l.note.clone().unwrap_or_default(),
                    detail: crate::ui::labels::detail_text(t, &s.app.tz, &l.detail),
                })
                .collect(),
            tasks: v
                .tasks
                .iter()
                .map(|x| {
                    (
                        x.id,
                        crate::ui::labels::department(t, &x.department),
                        x.owner.clone().unwrap_or_else(|| "—".into()),
                        x.title.clone(),
                        dt(&x.due_at),
                        t.of("case.task_status", &x.status),
                        x.result.clone().unwrap_or_default(),
                        x.status == "open",
                        x.overdue,
                    )
                })
                .collect(),
            can_write: sess.actor.offers().case_write,
            can_approve: sess.actor.offers().case_approve,
            can_extend: v.summary.regulatory.as_ref().is_some_and(|r| {
                r.due_at
                    .parse::<jiff::Timestamp>()
                    .is_ok_and(|due| due > jiff::Timestamp::now())
            }),
            can_reveal: !reveal && v.contact.is_some() && sess.actor.offers().reveal,
            is_open: v.summary.status == "open",
            is_done: matches!(v.summary.status.as_str(), "resolved" | "closed"),
            v,
            error,
        },
        failed,
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
struct ShowForm {
    #[serde(default)]
    reveal: String,
}

async fn show(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<CaseId>,
    Query(p): Query<ShowForm>,
) -> Result<Response, PageError> {
    case_page(&s, sess, t, id, None, !p.reveal.is_empty()).await
}

/// One form per action: `action` names it, the other fields are its inputs.
async fn act(
    State(s): State<AppState>,
    Path(id): Path<CaseId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let action = match get("action").as_str() {
        "note" => CaseAction::Note { text: get("text") },
        "assign" => CaseAction::Assign {
            department: get("department"),
            owner: form_text(&f, "owner"),
        },
        "pause" => CaseAction::Pause {
            reason: get("reason"),
        },
        "resume" => CaseAction::Resume {
            note: form_text(&f, "note"),
        },
        "extend" => CaseAction::Extend {
            reason: get("reason"),
            customer_notified: f.contains_key("customer_notified"),
        },
        "task" => CaseAction::Task {
            department: get("department"),
            owner: form_text(&f, "owner"),
            title: get("title"),
            due: get("due"),
        },
        "complete_task" => match get("task").parse() {
            Ok(task) => CaseAction::CompleteTask {
                task,
                result: get("result"),
            },
            Err(_) => return Err(PageError::App(AppError::NotFound, t, Some(sess))),
        },
        "resolve" => CaseAction::Resolve {
            solution: get("solution"),
            reply: get("reply"),
            channel: form_text(&f, "channel"),
        },
        "survey" => CaseAction::Survey {
            satisfaction: get("satisfaction").trim().parse().unwrap_or(0),
            comment: form_text(&f, "comment"),
        },
        "reopen" => CaseAction::Reopen {
            reason: get("reason"),
        },
        "lessons" => CaseAction::Lessons {
            lessons: get("lessons"),
            improvement: form_text(&f, "improvement"),
        },
        _ => return Err(PageError::App(AppError::NotFound, t, Some(sess))),
    };
    // The version the page showed: acting on a case changed since is refused and the page shows it anew.
    let version = f.get("version").and_then(|v| v.trim().parse().ok());
    let r = uc::act(&s.app, &sess.actor, id, action, version).await;
    after_case_write(&s, sess, t, id, r).await
}

/// After a write from the case page: back to it, or the page again with the refusal.
async fn after_case_write<T>(
    s: &AppState,
    sess: Session,
    t: Tr,
    id: CaseId,
    r: Result<T, AppError>,
) -> Result<Response, PageError> {
    match r.map_err(|e| refusal(t, e)) {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(Ok(msg)) => case_view(s, sess, t, id, Some(msg)).await,
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// Attaches the uploaded file (multipart: CSRF token, then the file).
async fn upload(
    State(s): State<AppState>,
    Path(id): Path<CaseId>,
    headers: axum::http::HeaderMap,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (sess, t) = session(&s, &headers).await?;
    let Some((csrf, name, bytes)) = read_upload(mp).await else {
        let msg = t.rule("required", "choose a file").into_owned();
        return case_view(&s, sess, t, id, Some(format!("file: {msg}"))).await;
    };
    check_csrf(&sess, t, csrf.as_deref())?;
    let r = uc::attach(&s.app, &sess.actor, id, &name, &bytes).await;
    after_case_write(&s, sess, t, id, r).await
}

async fn download(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path((id, att)): Path<(CaseId, Uuid)>,
) -> Result<Response, PageError> {
    let (v, bytes) = uc::attachment(&s.app, &sess.actor, id, att)
        .await
        .map_err(app_err(t, &sess))?;
    Ok(crate::api::cases::file(&v, bytes))
}

async fn read_notices(
    State(s): State<AppState>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    uc::mark_notices_read(&s.app, &sess.actor)
        .await
        .map_err(app_err(t, &sess))?;
    Ok(Redirect::to("/").into_response())
}

// ---------------------------------------------------------------------------------------------
// Calendars (administrators)
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "calendars.html")]
struct CalendarsPage {
    c: Chrome,
    title: String,
    calendars: Vec<uc::CalendarView>,
    error: Option<String>,
    notice: Option<String>,
    /// The calendar being edited (name, file text): the form starts from it.
    name: String,
    body: String,
}

async fn calendars_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    error: Option<String>,
    notice: Option<String>,
    (name, body): (String, String),
) -> Result<Response, PageError> {
    let mut calendars = uc::calendars(&s.app, &sess.actor)
        .await
        .map_err(app_err(t, &sess))?;
    for c in &mut calendars {
        c.source = match c.source.as_str() {
            "shipped" => t.get("cal.source.shipped").to_owned(),
            at => t.datetime(&s.app.tz, at),
        };
    }
    let failed = error.is_some();
    Ok(page_status(
        CalendarsPage {
            title: t.get("cal.admin").to_owned(),
            c: chrome(t, Some(&sess), "/admin/calendars"),
            calendars,
            error,
            notice,
            name,
            body,
        },
        failed,
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
struct EditForm {
    #[serde(default)]
    edit: String,
}

/// The calendars, and the form to load one; `?edit=NAME` starts the form from that calendar's file.
async fn calendars(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<EditForm>,
) -> Result<Response, PageError> {
    let editing = match blank(&p.edit) {
        Some(name) => {
            let body = uc::calendar_text(&s.app, &sess.actor, &name)
                .await
                .map_err(app_err(t, &sess))?;
            (name, body)
        }
        None => Default::default(),
    };
    calendars_view(&s, sess, t, None, None, editing).await
}

async fn load_calendar(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let name = f.get("name").cloned().unwrap_or_default();
    let body = f.get("body").cloned().unwrap_or_default();
    match uc::put_calendar(&s.app, &sess.actor, &name, &body).await {
        Ok(v) => {
            let msg = format!("{} {:?}", v.name, v.years);
            calendars_view(&s, sess, t, None, Some(msg), Default::default()).await
        }
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            calendars_view(&s, sess, t, Some(msg), None, (name, body)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}
