//! The compartment on the workbench (保密信息): opened only on its own page, each opening recorded and said
//! so at the top; the team's notes and the form that adds one; the break-glass form that asks for the
//! reason and asks again before opening; and the supervisors' access review.

use crate::AppState;
use crate::ui::forms::{form_raw, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::care::ReviewQuery;
use banyan_app::care::compartment::NoteInput;
use banyan_app::care::documents::DocumentView;
use banyan_app::care::{self as uc, CompartmentView, GlassInput};
use banyan_domain::care::compartment::AccessBasis;
use banyan_domain::care::documents::{DocumentKind, SigningMethod};
use banyan_domain::ids::CareId;

/// A document as the compartment lists it.
pub(super) struct DocLine {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) subject: String,
    pub(super) file: String,
    pub(super) signing: String,
    pub(super) filed: String,
}

fn doc_line(s: &AppState, t: Tr, d: &DocumentView) -> DocLine {
    let mut signing = t.of("care_signing", d.signing.as_str());
    if let Some(day) = d.signed_on {
        signing.push_str(&format!(" · {}", t.date(&day.to_string())));
    }
    if let Some(w) = &d.witness {
        signing.push_str(&format!(" · {}：{w}", t.get("field.witness")));
    }
    if let Some(r) = &d.reference {
        signing.push_str(&format!(" · {}：{r}", t.get("field.reference")));
    }
    DocLine {
        id: d.id.to_string(),
        kind: t.of("care_document", d.kind.as_str()),
        subject: d.subject.clone(),
        file: format!("{}（{} KB）", d.filename, (d.size_bytes + 1023) / 1024),
        signing,
        filed: format!(
            "{} · {}",
            d.uploaded_by,
            t.datetime(&s.app.tz, &d.uploaded_at)
        ),
    }
}

#[derive(Template)]
#[template(path = "care_compartment.html")]
struct CompartmentPage {
    c: Chrome,
    title: String,
    id: CareId,
    recorded: String,
    observation: String,
    detail: String,
    diagnosis: String,
    /// (author, at, body)
    notes: Vec<(String, String, String)>,
    documents: Vec<DocLine>,
    survey_comment: Option<String>,
    /// The document form's choices: kinds, ways of signing, the team (witnesses).
    doc_kinds: Vec<(&'static str, String)>,
    signings: Vec<(&'static str, String)>,
    witnesses: Vec<(String, String)>,
    today: String,
    /// (staff, basis, at)
    reads: Vec<(String, String, String)>,
    can_note: bool,
    error: Option<String>,
}

pub(super) fn compartment_page(
    s: &AppState,
    sess: &Session,
    t: Tr,
    v: CompartmentView,
    error: Option<String>,
) -> Response {
    let none = t.get("care.nothing").to_owned();
    let failed = error.is_some();
    page_status(
        CompartmentPage {
            title: t.get("care.compartment").to_owned(),
            c: chrome(t, Some(sess), &format!("/care/{}/compartment", v.care_id)),
            id: v.care_id,
            recorded: t
                .get("care.read_recorded")
                .replace("{basis}", &t.of("care_basis", v.basis.as_str())),
            observation: v.observation.unwrap_or_else(|| none.clone()),
            detail: v.detail.unwrap_or_else(|| none.clone()),
            diagnosis: v.diagnosis.unwrap_or(none),
            notes: v
                .notes
                .into_iter()
                .map(|n| (n.author, t.datetime(&s.app.tz, &n.at), n.body))
                .collect(),
            documents: v.documents.iter().map(|d| doc_line(s, t, d)).collect(),
            survey_comment: v.survey_comment,
            doc_kinds: super::options(t, "care_document", DocumentKind::ALL, DocumentKind::as_str),
            signings: super::options(t, "care_signing", SigningMethod::ALL, SigningMethod::as_str),
            // A video signing's witness is a member of the team: (staff id, name · part).
            witnesses: v
                .team
                .iter()
                .map(|m| {
                    (
                        m.staff_id.to_string(),
                        format!("{} · {}", m.name, t.of("care_role", m.role.as_str())),
                    )
                })
                .collect(),
            today: s.app.today().to_string(),
            reads: v
                .reads
                .into_iter()
                .map(|r| {
                    (
                        r.staff,
                        t.of("care_basis", r.basis.as_str()),
                        t.datetime(&s.app.tz, &r.at),
                    )
                })
                .collect(),
            can_note: v.basis == AccessBasis::Team,
            error,
        },
        failed,
    )
}

/// Opens the compartment (the reading is recorded).
pub(super) async fn show(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    match uc::compartment::open(&s.app, &sess.actor, id).await {
        Ok(v) => Ok(compartment_page(&s, &sess, t, v, None)),
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// Adds a team note; the answer is the compartment with it.
pub(super) async fn add_note(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let body = form_raw(&f, "body");
    match uc::compartment::add_note(&s.app, &sess.actor, id, NoteInput { body })
        .await
        .map_err(|e| refusal(t, e))
    {
        Ok(v) => Ok(compartment_page(&s, &sess, t, v, None)),
        Err(Ok(msg)) => match uc::compartment::open(&s.app, &sess.actor, id).await {
            Ok(v) => Ok(compartment_page(&s, &sess, t, v, Some(msg))),
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

#[derive(Template)]
#[template(path = "care_glass.html")]
struct GlassPage {
    c: Chrome,
    title: String,
    id: CareId,
    hint: String,
    reason: String,
    error: Option<String>,
}

fn glass_page(
    s: &AppState,
    sess: &Session,
    t: Tr,
    id: CareId,
    reason: String,
    error: Option<String>,
) -> Response {
    let failed = error.is_some();
    page_status(
        GlassPage {
            title: t.get("care.break_glass").to_owned(),
            c: chrome(t, Some(sess), &format!("/care/{id}/break-glass")),
            id,
            hint: t
                .get("care.glass_hint")
                .replace("{h}", &s.app.care_policy().break_glass_hours.to_string()),
            reason,
            error,
        },
        failed,
    )
}

/// The break-glass form (reason first; the button asks again).
pub(super) async fn glass_form(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    if !sess.actor.offers().care_report {
        let e = AppError::forbidden("permission_denied", "care.report");
        return Err(PageError::App(e, t, Some(sess)));
    }
    Ok(glass_page(&s, &sess, t, id, String::new(), None))
}

/// Breaks the glass; the answer is the compartment itself (no second reading).
pub(super) async fn break_glass(
    State(s): State<AppState>,
    Path(id): Path<CareId>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let reason = form_raw(&f, "reason");
    match uc::compartment::break_glass(
        &s.app,
        &sess.actor,
        id,
        GlassInput {
            reason: reason.clone(),
        },
    )
    .await
    .map_err(|e| refusal(t, e))
    {
        Ok(v) => Ok(compartment_page(&s, &sess, t, v, None)),
        Err(Ok(msg)) => Ok(glass_page(&s, &sess, t, id, reason, Some(msg))),
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

struct ReviewLine {
    href: String,
    customer: String,
    status: String,
    team: Vec<String>,
    grants: Vec<String>,
    reads: Vec<String>,
}

#[derive(Template)]
#[template(path = "care_review.html")]
struct ReviewPage {
    c: Chrome,
    title: String,
    from: String,
    to: String,
    summary: String,
    lines: Vec<ReviewLine>,
}

/// The access review for a period (30 days to today unless chosen).
pub(super) async fn review_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let day = |k: &str| q.get(k).and_then(|v| v.trim().parse().ok());
    let r = uc::compartment::access_review(
        &s.app,
        &sess.actor,
        ReviewQuery {
            from: day("from"),
            to: day("to"),
        },
    )
    .await
    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let tz = &s.app.tz;
    let lines = r
        .records
        .iter()
        .map(|x| ReviewLine {
            href: format!("/care/{}", x.care_id),
            customer: x.customer_no.clone(),
            status: t.of("care_status", x.status.as_str()),
            team: x
                .team
                .iter()
                .map(|m| {
                    let state = if m.confirmed_at.is_some() {
                        "care.confirmed"
                    } else {
                        "care.not_confirmed"
                    };
                    format!(
                        "{}：{}（{}）",
                        t.of("care_role", m.role.as_str()),
                        m.name,
                        t.get(state)
                    )
                })
                .collect(),
            grants: x
                .grants
                .iter()
                .map(|g| {
                    let review = match g.verdict {
                        Some(v) => t.of("care_verdict", v.as_str()),
                        None if g.basis == AccessBasis::BreakGlass => {
                            t.get("care.unreviewed").to_owned()
                        }
                        None => String::new(),
                    };
                    format!(
                        "{} · {} · {} · {} — {} {}",
                        g.staff,
                        t.of("care_basis", g.basis.as_str()),
                        g.purpose,
                        t.datetime(tz, &g.from),
                        t.datetime(tz, &g.until),
                        review
                    )
                })
                .collect(),
            reads: x
                .reads
                .iter()
                .map(|c| {
                    t.get("care.reads_by")
                        .replace("{staff}", &c.staff)
                        .replace("{basis}", &t.of("care_basis", c.basis.as_str()))
                        .replace("{n}", &c.count.to_string())
                        .replace("{at}", &t.datetime(tz, &c.last_at))
                })
                .collect(),
        })
        .collect();
    Ok(page(ReviewPage {
        title: t.get("care.access_review").to_owned(),
        c: chrome(t, Some(&sess), "/care/access-review"),
        from: r.from.to_string(),
        to: r.to.to_string(),
        summary: t
            .get("care.review_summary")
            .replace("{reads}", &r.reads.to_string())
            .replace("{glass}", &r.break_glass.to_string())
            .replace("{open}", &r.break_glass_unreviewed.to_string()),
        lines,
    }))
}

struct KpiLine {
    kind: String,
    requested: u64,
    done: u64,
    declined: u64,
    cancelled: u64,
    hours: String,
}

#[derive(Template)]
#[template(path = "care_report.html")]
struct ReportPage {
    c: Chrome,
    title: String,
    from: String,
    to: String,
    statuses: Vec<(String, u64)>,
    flow: String,
    handling: String,
    tasks: String,
    approvals: String,
    surveys: String,
    /// The gentle-collection holds: (customer number, named person, since).
    holds: Vec<(String, String, String)>,
    kpis: Vec<KpiLine>,
    /// (group, customers, complaints, arrears, switches) — or the reason it is not shown.
    outcomes: Vec<(String, String, String, String, String)>,
    checks: Vec<(String, u64)>,
}

/// A tenths figure in words (`12.5`), or a dash.
fn tenths(v: Option<i64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{}.{}", x / 10, x % 10))
}

/// The programme's supervision report for a period.
pub(super) async fn report_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let day = |k: &str| q.get(k).and_then(|v| v.trim().parse().ok());
    let r = uc::report::report(
        &s.app,
        &sess.actor,
        ReviewQuery {
            from: day("from"),
            to: day("to"),
        },
    )
    .await
    .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let holds = uc::watch::collection_holds(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let hidden = t
        .get("care.kpi.too_few")
        .replace("{n}", &uc::report::MIN_GROUP.to_string());
    Ok(page(ReportPage {
        title: t.get("care.kpi.title").to_owned(),
        c: chrome(t, Some(&sess), "/care/report"),
        from: r.from.to_string(),
        to: r.to.to_string(),
        statuses: r
            .by_status
            .iter()
            .map(|x| (t.of("care_status", x.status.as_str()), x.count))
            .collect(),
        flow: t
            .get("care.kpi.flow")
            .replace("{reported}", &r.reported.to_string())
            .replace("{registered}", &r.registered.to_string())
            .replace("{ended}", &r.ended.to_string()),
        handling: t
            .get("care.kpi.handling")
            .replace("{h}", &tenths(r.avg_handling_tenths_h)),
        tasks: t
            .get("care.kpi.tasks")
            .replace("{due}", &r.tasks_due.to_string())
            .replace("{late}", &r.tasks_late.to_string())
            .replace("{pct}", &tenths(r.overdue_pct_tenths)),
        approvals: t
            .get("care.kpi.approvals")
            .replace("{on_time}", &r.approvals_on_time.to_string())
            .replace("{late}", &r.approvals_late.to_string()),
        surveys: t
            .get("care.kpi.surveys")
            .replace("{sent}", &r.surveys_sent.to_string())
            .replace("{answered}", &r.surveys_answered.to_string())
            .replace("{avg}", &tenths(r.satisfaction_avg_tenths)),
        holds: holds
            .into_iter()
            .map(|h| {
                (
                    h.customer_no,
                    h.named_person
                        .unwrap_or_else(|| t.get("care.vacant").to_owned()),
                    t.datetime(&s.app.tz, &h.since),
                )
            })
            .collect(),
        kpis: r
            .measures
            .iter()
            .map(|m| KpiLine {
                kind: t.of("care_measure", m.kind.as_str()),
                requested: m.requested,
                done: m.done,
                declined: m.declined,
                cancelled: m.cancelled,
                hours: tenths(m.avg_handling_tenths_h),
            })
            .collect(),
        outcomes: r
            .outcomes
            .iter()
            .map(|g| {
                let name = t.of("care.kpi.group", &g.group);
                if g.shown {
                    (
                        name,
                        g.customers.to_string(),
                        tenths(g.complaints_per_100_tenths),
                        tenths(g.arrears_pct_tenths),
                        tenths(g.switches_per_100_tenths),
                    )
                } else {
                    (
                        name,
                        hidden.clone(),
                        String::new(),
                        String::new(),
                        String::new(),
                    )
                }
            })
            .collect(),
        checks: r
            .checks
            .iter()
            .map(|x| (t.of("care.check", &x.item), x.count))
            .collect(),
    }))
}
