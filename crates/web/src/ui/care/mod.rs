//! Care for customers in critical illness or hardship on the workbench (关怀客户, seed 003): the list of care
//! records (status tabs, count, pages), the form that reports a lead (the customer picked, the source picked,
//! what was seen in the reporter's words), a record's page (`record`), its compartment, break-glass and the
//! access review (`compartment`), and the band every customer page shows (`banner`). The use cases decide
//! who may see and do what; pages only offer what the reader's role allows.

mod compartment;
mod documents;
mod hospitals;
mod record;
mod watch;

use crate::AppState;
use crate::ui::forms::{form_raw, form_text, refusal};
use crate::ui::i18n::Tr;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::care::{self as uc, CareQuery, ReportInput};
use banyan_domain::care::{CareSource, CareStatus};
use banyan_domain::ids::CustomerId;

const PER_PAGE: u64 = 20;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/care", get(list_page))
        .route("/care/new", get(new_form).post(report))
        .route("/care/access-review", get(compartment::review_page))
        .route("/care/report", get(compartment::report_page))
        .route("/care/{id}", get(record::show))
        .route("/care/{id}/decision", post(record::decide))
        .route("/care/{id}/registration", post(record::register))
        .route("/care/{id}/end", post(record::end))
        .route("/care/{id}/team", post(record::team))
        .route("/care/{id}/team/confirm", post(record::confirm))
        .route("/care/{id}/tasks/{task}/done", post(record::task_done))
        .route("/care/{id}/measures", post(record::add_measure))
        .route("/care/{id}/measures/{measure}", post(record::move_measure))
        .route("/care/{id}/grants", post(record::grant))
        .route("/care/{id}/grants/{grant}/revoke", post(record::revoke))
        .route("/care/{id}/grants/{grant}/review", post(record::review))
        .route("/care/{id}/consent/withdraw", post(record::withdraw))
        .route("/care/{id}/staff", get(record::pick_team))
        .route("/care/{id}/supervisors", get(record::pick_supervisor))
        .route("/care/{id}/colleagues", get(record::pick_colleague))
        .route(
            "/care/{id}/compartment",
            get(compartment::show).post(compartment::add_note),
        )
        .route(
            "/care/{id}/documents",
            post(documents::upload).layer(axum::extract::DefaultBodyLimit::max(
                banyan_app::files::FILE_MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/care/{id}/documents/{document}", get(documents::download))
        .route("/care/hospitals", get(hospitals::page).post(hospitals::add))
        .route("/care/hospitals/{hospital}", post(hospitals::update))
        .route(
            "/care/{id}/break-glass",
            get(compartment::glass_form).post(compartment::break_glass),
        )
}

/// (code, label) of every value of a code family, for a select.
pub(super) fn options<T: Copy>(
    t: Tr,
    family: &str,
    all: &[T],
    code: fn(T) -> &'static str,
) -> Vec<(&'static str, String)> {
    all.iter()
        .map(|v| (code(*v), t.of(family, code(*v))))
        .collect()
}

struct Line {
    id: String,
    customer: String,
    status: String,
    source: String,
    situation: Option<String>,
    reported: String,
    review_on: Option<String>,
    priority: bool,
}

#[derive(Template)]
#[template(path = "care_list.html")]
struct ListPage {
    c: Chrome,
    title: String,
    total: String,
    lines: Vec<Line>,
    /// (status code or empty for open, label, chosen)
    tabs: Vec<(&'static str, String, bool)>,
    prev: Option<String>,
    next: Option<String>,
    can_report: bool,
    can_review: bool,
    tasks: Vec<TaskLine>,
}

/// One of the reader's care tasks (the list page and the home page).
pub(crate) struct TaskLine {
    pub(crate) href: String,
    pub(crate) customer: String,
    pub(crate) task: String,
    pub(crate) due: String,
    pub(crate) overdue: bool,
}

/// The reader's open care tasks in words (none for roles that do not work care).
pub(crate) async fn my_tasks(
    s: &AppState,
    sess: &Session,
    t: Tr,
) -> Result<Vec<TaskLine>, AppError> {
    if !sess.actor.offers().care_work {
        return Ok(Vec::new());
    }
    Ok(uc::team::my_tasks(&s.app, &sess.actor)
        .await?
        .into_iter()
        .map(|x| TaskLine {
            href: format!("/care/{}#care-tasks", x.care_id),
            customer: format!("{} {}", x.customer_no, x.customer_name),
            task: t.of("care_task", x.kind.as_str()),
            due: t.date(&x.due_on.to_string()),
            overdue: x.overdue,
        })
        .collect())
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: u64,
}

async fn list_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let fail = |e| PageError::App(e, t, Some(sess.clone()));
    let status = CareStatus::parse(&q.status);
    let page = q.page.min(10_000);
    let list = uc::identify::list(
        &s.app,
        &sess.actor,
        CareQuery {
            status: status.map(|x| x.as_str().to_owned()),
            customer_id: None,
            page: Some(page),
            per_page: Some(PER_PAGE),
        },
    )
    .await
    .map_err(fail)?;
    let tasks = my_tasks(&s, &sess, t).await.map_err(fail)?;
    let code = status.map_or("", |x| x.as_str());
    let href = |p: u64| format!("/care?status={code}&page={p}");
    let mut tabs = vec![("", t.get("care.open").to_owned(), status.is_none())];
    for st in CareStatus::ALL {
        tabs.push((
            st.as_str(),
            t.of("care_status", st.as_str()),
            status == Some(*st),
        ));
    }
    let o = sess.actor.offers();
    Ok(page_status(
        ListPage {
            title: t.get("care.title").to_owned(),
            c: chrome(t, Some(&sess), "/care"),
            total: t.get("care.total").replace("{n}", &list.total.to_string()),
            lines: list
                .items
                .iter()
                .map(|l| Line {
                    id: l.id.to_string(),
                    customer: format!("{} {}", l.customer_no, l.customer_name),
                    status: t.of("care_status", l.status.as_str()),
                    source: t.of("care_source", l.source.as_str()),
                    situation: l.situation.map(|x| t.of("care_situation", x.as_str())),
                    reported: t.datetime(&s.app.tz, &l.reported_at),
                    review_on: l.review_on.map(|d| t.date(&d.to_string())),
                    priority: l.priority,
                })
                .collect(),
            tabs,
            prev: (page > 0).then(|| href(page - 1)),
            next: ((page + 1) * PER_PAGE < list.total).then(|| href(page + 1)),
            can_report: o.care_report,
            can_review: o.care_manage,
            tasks,
        },
        false,
    ))
}

#[derive(Template)]
#[template(path = "care_new.html")]
struct NewPage {
    c: Chrome,
    title: String,
    sources: Vec<(&'static str, String)>,
    customer: String,
    source: String,
    discovered_on: String,
    observation: String,
    hospital_consent_on: String,
    today: String,
    error: Option<String>,
    /// The report reached the team of the customer's open record.
    added: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct NewQuery {
    /// A customer number to start with (the customer page's link).
    #[serde(default)]
    customer: String,
    /// Where the lead came from, when the link knows (a data-analysis insight).
    #[serde(default)]
    source: String,
}

fn new_page(
    s: &AppState,
    sess: &Session,
    t: Tr,
    f: &std::collections::HashMap<String, String>,
    error: Option<String>,
) -> Response {
    new_page_with(s, sess, t, f, error, false)
}

fn new_page_with(
    s: &AppState,
    sess: &Session,
    t: Tr,
    f: &std::collections::HashMap<String, String>,
    error: Option<String>,
    added: bool,
) -> Response {
    let failed = error.is_some();
    let get = |k: &str| form_raw(f, k);
    page_status(
        NewPage {
            title: t.get("care.report").to_owned(),
            c: chrome(t, Some(sess), "/care/new"),
            sources: options(t, "care_source", CareSource::ALL, CareSource::as_str),
            customer: get("customer"),
            source: get("source"),
            discovered_on: get("discovered_on"),
            observation: if added {
                String::new()
            } else {
                get("observation")
            },
            hospital_consent_on: get("hospital_consent_on"),
            today: s.app.today().to_string(),
            error,
            added,
        },
        failed,
    )
}

async fn new_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    if !sess.actor.offers().care_report {
        let e = AppError::forbidden("permission_denied", "care.report");
        return Err(PageError::App(e, t, Some(sess)));
    }
    let mut f = std::collections::HashMap::new();
    f.insert("customer".to_owned(), q.customer);
    if CareSource::parse(&q.source).is_some() {
        f.insert("source".to_owned(), q.source);
    }
    Ok(new_page(&s, &sess, t, &f, None))
}

/// Reports a lead from the form: the customer by number (picked), the source picked, the day and what was
/// seen. A refusal shows the form again with what was typed.
async fn report(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let customer = match form_text(&f, "customer") {
        None => Err(AppError::field(
            "customer_id",
            "required",
            "pick the customer",
        )),
        Some(no) => match banyan_app::customers::id_by_number(&s.app, &sess.actor, &no).await {
            Ok(Some(id)) => Ok(CustomerId::from_uuid(id)),
            Ok(None) => Err(AppError::field(
                "customer_id",
                "not_found",
                "no such customer in your scope",
            )),
            Err(e) => Err(e),
        },
    };
    let source = f
        .get("source")
        .and_then(|v| CareSource::parse(v))
        .ok_or_else(|| AppError::field("source", "one_of", "pick where the lead came from"));
    let discovered_on = match form_text(&f, "discovered_on") {
        None => Ok(None),
        Some(d) => d
            .parse()
            .map(Some)
            .map_err(|_| AppError::field("discovered_on", "date", "a date")),
    };
    let consent = match form_text(&f, "hospital_consent_on") {
        None => Ok(None),
        Some(d) => d
            .parse()
            .map(Some)
            .map_err(|_| AppError::field("hospital_consent_on", "date", "a date")),
    };
    let discovered_on = discovered_on.and_then(|d| consent.map(|c| (d, c)));
    let r = match (customer, source, discovered_on) {
        (Ok(customer_id), Ok(source), Ok((discovered_on, hospital_consent_on))) => {
            uc::identify::report(
                &s.app,
                &sess.actor,
                ReportInput {
                    customer_id,
                    source,
                    discovered_on,
                    observation: form_raw(&f, "observation"),
                    hospital_consent_on,
                },
            )
            .await
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
    };
    match r.map_err(|e| refusal(t, e)) {
        Ok(uc::identify::Reported::New(v)) => {
            Ok(Redirect::to(&format!("/care/{}", v.id)).into_response())
        }
        Ok(uc::identify::Reported::Added) => Ok(new_page_with(&s, &sess, t, &f, None, true)),
        Err(Ok(msg)) => Ok(new_page(&s, &sess, t, &f, Some(msg))),
        Err(Err(e)) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// The band every customer page shows about care: "needs adjustments" and which (never why), the advice line
/// and who to ask; a link to the record for those who may see it, to break its glass for those who may, and
/// to report a lead when there is no open record.
#[derive(Default)]
pub(crate) struct Banner {
    pub(crate) adjustments: Vec<String>,
    pub(crate) priority: bool,
    pub(crate) advice_line: Option<String>,
    pub(crate) contact: Option<String>,
    /// (href, words) links.
    pub(crate) links: Vec<(String, String)>,
    /// A lead being verified, in words, for those who may see it.
    pub(crate) lead: Option<String>,
    /// The reader may report a care lead for the customer (no record they can see is open).
    pub(crate) can_report: bool,
    /// Changing the customer's contacts needs their identity confirmed with a second factor: the ways, for
    /// the contact forms' picker (empty when it does not).
    pub(crate) identity_checks: Vec<(&'static str, String)>,
}

pub(crate) async fn banner(
    s: &AppState,
    sess: &Session,
    t: Tr,
    seen: &banyan_app::scope::Seen,
    customer_no: &str,
) -> Result<Banner, AppError> {
    let o = sess.actor.offers();
    if !o.read {
        return Ok(Banner::default());
    }
    let a = uc::adjustments_of(&s.app, &sess.actor, seen).await?;
    let mut b = Banner {
        adjustments: a
            .adjustments
            .iter()
            .map(|x| t.of("care_adjustment", x.as_str()))
            .collect(),
        priority: a.priority,
        identity_checks: if a
            .adjustments
            .contains(&banyan_domain::care::Adjustment::StrongAuthentication)
        {
            options(
                t,
                "identity_check",
                banyan_domain::care::IdentityCheck::ALL,
                banyan_domain::care::IdentityCheck::as_str,
            )
        } else {
            Vec::new()
        },
        advice_line: a.advice_line.clone(),
        contact: a
            .contact
            .as_ref()
            .map(|n| t.get("care.ask").replace("{name}", n)),
        ..Banner::default()
    };
    if let Some(id) = a.care_id {
        if a.can_open {
            b.links
                .push((format!("/care/{id}"), t.get("care.see_record").to_owned()));
        } else if a.can_break_glass {
            b.links.push((
                format!("/care/{id}/break-glass"),
                t.get("care.break_glass").to_owned(),
            ));
        }
    }
    if !a.needs_adjustments {
        match a.record_status {
            // A lead being verified: those who may see it are told where it stands (the link is above).
            Some(status) => {
                b.lead = Some(
                    t.get("care.lead_open")
                        .replace("{status}", &t.of("care_status", status.as_str())),
                );
            }
            None if o.care_report && a.care_id.is_none() => {
                b.can_report = true;
                b.links.push((
                    format!("/care/new?customer={customer_no}"),
                    t.get("care.report").to_owned(),
                ));
            }
            None => {}
        }
    }
    Ok(b)
}
