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

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/cases", get(queue))
        .route("/cases/new", get(new_form).post(create))
        .route("/cases/analytics", get(dashboard))
        .route("/cases/export.xlsx", get(export))
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
    }
}

fn app_err(t: Tr, sess: &Session) -> impl Fn(AppError) -> PageError + '_ {
    move |e| PageError::App(e, t, Some(sess.clone()))
}

// ---------------------------------------------------------------------------------------------
// Queue
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "cases.html")]
struct QueuePage {
    c: Chrome,
    title: String,
    rows: Vec<CaseLine>,
    status: String,
    kind: String,
    mine: bool,
    escalated: bool,
    kinds: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    next: Option<String>,
    can_write: bool,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct QueueForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    escalated: String,
    #[serde(default)]
    cursor: String,
    /// Drill-down from the dashboard: the period and one dimension.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    branch_code: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    breached: String,
}

fn blank(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

async fn queue(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<QueueForm>,
) -> Result<Response, PageError> {
    let q = CaseQuery {
        status: blank(&p.status),
        kind: blank(&p.kind),
        mine: Some(!p.mine.is_empty()),
        min_level: (!p.escalated.is_empty()).then_some(1),
        cursor: blank(&p.cursor),
        limit: Some(50),
        from: blank(&p.from),
        to: blank(&p.to),
        channel: blank(&p.channel),
        product: blank(&p.product),
        cause: blank(&p.cause),
        branch_code: blank(&p.branch_code),
        segment: blank(&p.segment),
        department: blank(&p.department),
        breached: Some(!p.breached.is_empty()),
        ..Default::default()
    };
    let (rows, next, error) = match uc::list(&s.app, &sess.actor, q).await {
        Ok(page) => (
            page.items.iter().map(|c| line(t, &s, c)).collect(),
            page.next_cursor,
            None,
        ),
        Err(AppError::Validation(e)) => (Vec::new(), None, Some(field_errors_text(t, &e))),
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    let next = next.map(|c| {
        let mut u = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &p.status),
            ("kind", &p.kind),
            ("mine", &p.mine),
            ("escalated", &p.escalated),
            ("from", &p.from),
            ("to", &p.to),
            ("channel", &p.channel),
            ("product", &p.product),
            ("cause", &p.cause),
            ("branch_code", &p.branch_code),
            ("segment", &p.segment),
            ("department", &p.department),
            ("breached", &p.breached),
        ] {
            if !v.is_empty() {
                u.append_pair(k, v);
            }
        }
        u.append_pair("cursor", &c);
        u.finish()
    });
    Ok(page(QueuePage {
        title: t.get("case.queue").to_owned(),
        c: chrome(t, Some(&sess), "/cases"),
        rows,
        kinds: fb::KINDS.iter().map(|k| (*k, t.of("fb.kind", k))).collect(),
        statuses: ["open", "resolved", "closed", "merged"]
            .iter()
            .map(|k| (*k, t.of("case.status", k)))
            .collect(),
        status: p.status,
        kind: p.kind,
        mine: !p.mine.is_empty(),
        escalated: !p.escalated.is_empty(),
        next,
        can_write: sess.actor.offers().case_write,
        error,
    }))
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
// Dashboard
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "case_dashboard.html")]
struct DashboardPage {
    c: Chrome,
    title: String,
    from: String,
    to: String,
    a: Option<uc::Analytics>,
    /// (title, chart, drill-down parameter, (value, label) links).
    charts: Vec<ChartSection>,
    /// Heat map cells: (x, y, opacity, count, label).
    heat: Vec<HeatCell>,
    weekdays: Vec<String>,
    trend: String,
    trend_max: u64,
    /// Per value of the trend dimension: (points, colour, label, total).
    series: Vec<SeriesLine>,
    trend_by: String,
    trend_dims: Vec<(&'static str, String)>,
    export: String,
    total_link: String,
    breached_link: String,
    error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct PeriodForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    trend_by: String,
}

/// Line colours of the trend chart (one per series, the six largest).
const LINE_COLOURS: [&str; 6] = [
    "#0b5394", "#cc4125", "#6aa84f", "#e69138", "#674ea7", "#45818e",
];

/// The queue filtered to the period and one more condition (built encoded: departments and branches are
/// free text).
fn drill(from: &str, to: &str, extra: &[(&str, &str)]) -> String {
    let mut u = form_urlencoded::Serializer::new(String::new());
    u.append_pair("from", from);
    u.append_pair("to", to);
    for (k, v) in extra {
        u.append_pair(k, v);
    }
    format!("/cases?{}", u.finish())
}

fn chart(
    counts: &[uc::Count],
    label: impl Fn(&str) -> String,
    link: impl Fn(&str) -> String,
) -> (Chart, Vec<(String, String)>) {
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
    (
        Chart::new(counts.iter().map(|c| {
            (
                label(&c.key),
                (c.count * 300 / max) as u32,
                c.count.to_string(),
            )
        })),
        counts
            .iter()
            .map(|c| (link(&c.key), label(&c.key)))
            .collect(),
    )
}

/// One entry of a case's log as the case page shows it.
struct LogLine {
    at: String,
    who: String,
    what: String,
    note: String,
    detail: String,
}

/// One hour of the weekday-by-hour heat map: where it is drawn, how dark (by count) and its tooltip.
struct HeatCell {
    x: u32,
    y: u32,
    opacity: String,
    label: String,
}

/// One line of the trend chart: its points, colour, label and total.
struct SeriesLine {
    points: String,
    colour: &'static str,
    label: String,
    total: u64,
}

/// The weekday-by-hour heat map: one cell per hour.
fn heat_cells(t: Tr, heat: &[Vec<u64>]) -> Vec<HeatCell> {
    let max = heat.iter().flatten().copied().max().unwrap_or(0).max(1);
    let mut cells = Vec::new();
    for (d, hours) in heat.iter().enumerate() {
        for (h, n) in hours.iter().enumerate() {
            cells.push(HeatCell {
                x: 40 + h as u32 * 20,
                y: d as u32 * 20,
                opacity: format!("{:.2}", 0.08 + 0.92 * (*n as f64 / max as f64)),
                label: format!("{} {:02}:00 — {n}", t.of("weekday", &d.to_string()), h),
            });
        }
    }
    cells
}

async fn dashboard(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let today = s.app.today();
    let from = blank(&p.from).unwrap_or_else(|| {
        today
            .checked_sub(jiff::Span::new().days(29))
            .unwrap_or(today)
            .to_string()
    });
    let to = blank(&p.to).unwrap_or_else(|| today.to_string());
    let trend_by = blank(&p.trend_by).unwrap_or_else(|| "kind".into());
    let q = CaseQuery {
        from: Some(from.clone()),
        to: Some(to.clone()),
        trend_by: Some(trend_by.clone()),
        ..Default::default()
    };
    let (a, error) = match uc::analytics(&s.app, &sess.actor, q).await {
        Ok(a) => (Some(a), None),
        Err(AppError::Validation(e)) => (None, Some(field_errors_text(t, &e))),
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    let mut charts = Vec::new();
    let mut heat = Vec::new();
    let mut trend = String::new();
    let mut trend_max = 0;
    let mut series = Vec::new();
    if let Some(a) = &a {
        let dims: [(&str, &Vec<uc::Count>, &'static str, &str); 7] = [
            ("case.by_kind", &a.by_kind, "kind", "fb.kind"),
            ("case.by_cause", &a.by_cause, "cause", "fb.cause"),
            ("case.by_product", &a.by_product, "product", "fb.product"),
            ("case.by_channel", &a.by_channel, "channel", "fb.channel"),
            ("case.by_branch", &a.by_branch, "branch_code", ""),
            (
                "case.by_segment",
                &a.by_segment,
                "segment",
                "seg.wealth_tier",
            ),
            (
                "case.by_department",
                &a.by_department,
                "department",
                "department",
            ),
        ];
        for (title, counts, param, family) in dims {
            let (c, keys) = chart(
                counts,
                |k| {
                    if k == "-" {
                        t.get("case.none").to_owned()
                    } else if family.is_empty() {
                        k.to_owned()
                    } else {
                        t.of(family, k)
                    }
                },
                |k| drill(&from, &to, &[(param, k)]),
            );
            charts.push(ChartSection {
                title: t.get(title).to_owned(),
                chart: c,
                param,
                keys,
            });
        }
        heat = heat_cells(t, &a.heat);
        trend_max = a.by_day.iter().map(|c| c.count).max().unwrap_or(0);
        let w = 560.0 / (a.by_day.len().max(2) - 1) as f64;
        let points = |counts: &mut dyn Iterator<Item = u64>| {
            counts
                .enumerate()
                .map(|(i, n)| {
                    format!(
                        "{:.1},{:.1}",
                        i as f64 * w,
                        100.0 - 90.0 * n as f64 / trend_max.max(1) as f64
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        trend = points(&mut a.by_day.iter().map(|c| c.count));
        let family = match a.trend_by.as_str() {
            "kind" => "fb.kind",
            "cause" => "fb.cause",
            "product" => "fb.product",
            "channel" => "fb.channel",
            "segment" => "seg.wealth_tier",
            _ => "",
        };
        series = a
            .trend
            .iter()
            .take(LINE_COLOURS.len())
            .zip(LINE_COLOURS)
            .map(|(sr, colour)| {
                let label = if sr.key == "-" {
                    t.get("case.none").to_owned()
                } else if family.is_empty() {
                    sr.key.clone()
                } else {
                    t.of(family, &sr.key)
                };
                SeriesLine {
                    points: points(&mut sr.counts.iter().copied()),
                    colour,
                    label,
                    total: sr.counts.iter().sum::<u64>(),
                }
            })
            .collect();
    }
    let mut u = form_urlencoded::Serializer::new(String::new());
    u.append_pair("from", &from);
    u.append_pair("to", &to);
    let export = format!("/cases/export.xlsx?{}", u.finish());
    let total_link = drill(&from, &to, &[]);
    let breached_link = drill(&from, &to, &[("status", "open"), ("breached", "1")]);
    Ok(page(DashboardPage {
        title: t.get("case.dashboard").to_owned(),
        c: chrome(t, Some(&sess), "/cases/analytics"),
        weekdays: (0..7).map(|d| t.of("weekday", &d.to_string())).collect(),
        from,
        to,
        a,
        charts,
        heat,
        trend,
        trend_max,
        series,
        trend_dims: [
            ("kind", "case.by_kind"),
            ("cause", "case.by_cause"),
            ("product", "case.by_product"),
            ("channel", "case.by_channel"),
            ("branch_code", "case.by_branch"),
            ("segment", "case.by_segment"),
            ("department", "case.by_department"),
        ]
        .iter()
        .map(|(k, l)| (*k, t.get(l).to_owned()))
        .collect(),
        trend_by,
        export,
        total_link,
        breached_link,
        error,
    }))
}

async fn export(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<PeriodForm>,
) -> Result<Response, PageError> {
    let q = CaseQuery {
        from: blank(&p.from),
        to: blank(&p.to),
        ..Default::default()
    };
    let (bytes, _) = uc::export_xlsx(&s.app, &sess.actor, q, &crate::ui::labels::ReaderWords(t))
        .await
        .map_err(app_err(t, &sess))?;
    Ok(crate::api::cases::xlsx(bytes))
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
