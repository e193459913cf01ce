//! The home page: my tasks, customers due for review, drafts and returned records, the review queue and
//! notices.

use crate::AppState;
use crate::ui::audit::AuditForm;
use crate::ui::customers::search::Heading;
use crate::ui::customers::search::Row;
use crate::ui::customers::search::headings;
use crate::ui::customers::search::rm_names;
use crate::ui::customers::search::rows;
use crate::ui::engagement::TaskRow;
use crate::ui::engagement::task_rows;
use crate::ui::page::{Chrome, PageError, Signed, chrome, page};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use banyan_app::customers::{self as uc, ListQuery};
use banyan_domain::customer::CustomerStatus;
use banyan_domain::ids::CaseId;
use serde::Deserialize;

/// A notice to the staff member about a case (linked when there is one).
pub(crate) struct NoticeLine {
    pub(crate) at: String,
    pub(crate) text: String,
    pub(crate) case: Option<CaseId>,
    /// Where the notice leads when there is no case: the customer's page, or for a client's advisory team
    /// (whose members may see only that) the client's wealth page.
    pub(crate) customer: Option<String>,
    pub(crate) read: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    /// My open tasks due this week (overdue first).
    pub(crate) tasks: Vec<TaskRow>,
    pub(crate) show_tasks: bool,
    pub(crate) headings: Vec<Heading>,
    pub(crate) sections: Vec<(&'static str, Vec<Row>)>,
    pub(crate) can_audit: bool,
    /// The (empty) audit search form for auditors.
    pub(crate) q: AuditForm,
    /// Case notices, newest first.
    pub(crate) notices: Vec<NoticeLine>,
    /// Which tasks are shown: `today`, `week` or `overdue`.
    pub(crate) due: &'static str,
    /// For administrators: next year's working-day calendars still to load.
    pub(crate) warnings: Vec<String>,
    /// For approvers: "有 2 项推送等待您审批".
    pub(crate) approvals: Option<String>,
    /// Open insights on my customers: (customer id, customer, insight).
    pub(crate) insights: Vec<(uuid::Uuid, String, crate::ui::book::InsightLine)>,
    /// "3 条告警待处理（1 条已逾期）" for the alerts of the customers in scope.
    pub(crate) alerts: Option<String>,
    /// My open care tasks (the care team's duties, seed 003).
    pub(crate) care_tasks: Vec<crate::ui::care::TaskLine>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct HomeForm {
    #[serde(default)]
    pub(crate) due: String,
}

pub(crate) async fn home(
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
    let show_tasks = a.offers().update;
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
    if a.offers().read {
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
    if a.offers().submit {
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
    if a.offers().verify {
        let q = uc::review_queue(
            &s.app,
            a,
            uc::ReviewQuery {
                limit: Some(20),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
        let waiting = q.items.into_iter().map(|i| i.customer).collect();
        sections.push(("home.queue", rows(t, waiting, &rms)));
    }
    // Notices are the staff member's own (cases, a duplicate probe of a customer, a password spray).
    let notices = banyan_app::cases::my_notices(&s.app, a, 10)
        .await
        .map_err(err)?
        .into_iter()
        .map(|n| NoticeLine {
            at: t.datetime(&s.app.tz, &n.created_at),
            text: format!("{}: {}", t.of("notice", &n.kind), n.text),
            case: n.case_id,
            customer: if n.kind.starts_with("training.") {
                // A reminder of one's own training: the record says by when and which sessions to join.
                Some(format!("/performance/training/people/{}", a.id()))
            } else {
                n.customer_id.map(|id| {
                    if n.kind.starts_with("wealth.team") || n.kind.starts_with("wealth.task") {
                        format!("/customers/{id}/wealth")
                    } else {
                        format!("/customers/{id}")
                    }
                })
            },
            read: n.read,
        })
        .collect();
    let warnings = if a.offers().config {
        banyan_app::cases::next_year_missing(&s.app, a)
            .map_err(err)?
            .into_iter()
            .map(|(name, year)| {
                t.get("home.calendar_missing")
                    .replace("{name}", &name)
                    .replace("{year}", &year.to_string())
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut approvals = None;
    if a.offers().campaign_approve {
        let n = banyan_app::notify::awaiting_my_approval(&s.app, a)
            .await
            .map_err(err)?;
        approvals = (n > 0).then(|| t.get("camp.awaiting_count").replace("{n}", &n.to_string()));
    }
    let insights = if a.offers().read {
        let open = banyan_app::book::insights::open_insights(&s.app, a, 10)
            .await
            .map_err(err)?;
        let views: Vec<_> = open.iter().map(|o| &o.insight).collect();
        let products = crate::ui::book::insight_products(&s, a, t, &views)
            .await
            .map_err(err)?;
        open.into_iter()
            .map(|o| {
                (
                    o.customer_id,
                    format!("{} {}", o.customer_no, o.customer_name),
                    crate::ui::book::insight_line(&s, t, o.insight, &products),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let alerts = if a.offers().read {
        open_alerts(&s, a, t).await.map_err(err)?
    } else {
        None
    };
    let care_tasks = crate::ui::care::my_tasks(&s, &sess, t).await.map_err(err)?;
    Ok(page(HomePage {
        care_tasks,
        approvals,
        insights,
        alerts,
        title: t.get("home.title").to_owned(),
        warnings,
        due: due_key,
        notices,
        tasks,
        show_tasks,
        headings: headings(None),
        can_audit: a.offers().audit,
        q: AuditForm::default(),
        c: chrome(t, Some(&sess), "/"),
        sections,
    }))
}

/// How many alerts of the customers in scope are open and overdue, in words (none: `None`).
async fn open_alerts(
    s: &AppState,
    a: &banyan_app::actor::Actor,
    t: crate::ui::i18n::Tr,
) -> Result<Option<String>, banyan_app::AppError> {
    use banyan_app::segments::alerts::{AlertQuery, queue};
    use banyan_domain::book::monitoring::AlertStatus;
    let count = |overdue: bool| AlertQuery {
        status: Some(AlertStatus::Open),
        overdue: Some(overdue),
        limit: Some(1),
        ..AlertQuery::default()
    };
    let open = queue(&s.app, a, count(false)).await?.total;
    if open == 0 {
        return Ok(None);
    }
    let overdue = queue(&s.app, a, count(true)).await?.total;
    let key = if overdue > 0 {
        "home.alerts_overdue"
    } else {
        "home.alerts_open"
    };
    Ok(Some(
        t.get(key)
            .replace("{n}", &open.to_string())
            .replace("{k}", &overdue.to_string()),
    ))
}

pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/", axum::routing::get(home))
}
