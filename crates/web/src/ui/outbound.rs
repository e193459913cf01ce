//! Events out on the workbench: the webhook subscriptions with their form, one subscription's page with its
//! delivery log, its secret shown once, replays, pause and resume (administrators).

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing};
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::outbound::webhooks::{self, SubscriptionDetail, SubscriptionView};
use banyan_domain::outbound::KINDS;

/// A subscription as the list shows it, in the reader's words.
pub(crate) struct Row {
    id: String,
    name: String,
    url: String,
    kinds: String,
    state: String,
    failing: bool,
}

fn kinds_text(t: Tr, kinds: &[String]) -> String {
    kinds
        .iter()
        .map(|k| t.of("event_kind", k))
        .collect::<Vec<_>>()
        .join("、")
}

fn state(t: Tr, v: &SubscriptionView) -> String {
    if !v.active {
        t.get("wh.paused").to_owned()
    } else if v.failures > 0 {
        t.get("wh.failing").replace("{n}", &v.failures.to_string())
    } else {
        t.get("wh.healthy").to_owned()
    }
}

fn columns() -> Vec<Column<Row>> {
    vec![
        Column::sorted("wh.name", "name", |a, b| a.name.cmp(&b.name)),
        Column::sorted("wh.url", "url", |a, b| a.url.cmp(&b.url)),
        Column::sorted("wh.kinds", "kinds", |a, b| a.kinds.cmp(&b.kinds)),
        Column::sorted("field.status", "state", |a, b| {
            (a.failing, &a.state).cmp(&(b.failing, &b.state))
        }),
    ]
}

const LIST: ListSpec = ListSpec {
    path: "/admin/webhooks",
    total_key: "wh.count",
    default_sort: "name",
    per_page: 50,
};

#[derive(Template)]
#[template(path = "webhooks.html")]
pub(crate) struct ListPage {
    c: Chrome,
    title: String,
    list: Listing<Row>,
    /// Every kind of event: (code, label).
    kinds: Vec<(&'static str, String)>,
    error: Option<String>,
}

async fn list_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    p: &ListParams,
    error: Option<String>,
) -> Result<Response, PageError> {
    let subs = webhooks::list(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let rows = subs
        .iter()
        .map(|v| Row {
            id: v.id.to_string(),
            name: v.name.clone(),
            url: v.url.clone(),
            kinds: kinds_text(t, &v.kinds),
            state: state(t, v),
            failing: v.active && v.failures > 0,
        })
        .collect();
    let failed = error.is_some();
    Ok(page_status(
        ListPage {
            title: t.get("wh.title").to_owned(),
            c: chrome(t, Some(&sess), "/admin/webhooks"),
            list: listing(t, &LIST, p, rows, &columns()),
            kinds: KINDS.iter().map(|k| (*k, t.of("event_kind", k))).collect(),
            error,
        },
        failed,
    ))
}

pub(crate) async fn list_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    list_view(&s, sess, t, &p, None).await
}

/// The kinds ticked on the form (`kind.<code>` checkboxes).
fn ticked(f: &std::collections::HashMap<String, String>) -> Vec<String> {
    KINDS
        .iter()
        .filter(|k| f.contains_key(&format!("kind.{k}")))
        .map(|k| (*k).to_owned())
        .collect()
}

pub(crate) async fn create(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    match webhooks::create(&s.app, &sess.actor, &get("name"), &get("url"), &ticked(&f)).await {
        Ok(made) => {
            let id = made.subscription.id;
            let d = webhooks::get(&s.app, &sess.actor, id)
                .await
                .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
            detail_view(&s, sess, t, d, made.secret, None)
        }
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => list_view(&s, sess, t, &ListParams::default(), Some(msg)).await,
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

/// A delivery as the log shows it.
pub(crate) struct LogRow {
    id: String,
    at: String,
    kind: String,
    outcome: String,
    ok: bool,
    replay: bool,
}

#[derive(Template)]
#[template(path = "webhook.html")]
pub(crate) struct DetailPage {
    c: Chrome,
    title: String,
    id: String,
    url: String,
    kinds: String,
    state: String,
    active: bool,
    next_attempt: Option<String>,
    last_error: Option<String>,
    created: String,
    log: Vec<LogRow>,
    log_total: String,
    /// The signing secret, on the answer that made the subscription only.
    secret: Option<String>,
    error: Option<String>,
}

fn outcome(t: Tr, status: Option<i32>, ok: bool, error: Option<&str>) -> String {
    match (ok, status, error) {
        (true, Some(s), _) => t.get("wh.delivered").replace("{status}", &s.to_string()),
        (false, Some(s), _) => t.get("wh.refused").replace("{status}", &s.to_string()),
        (false, None, Some("timeout")) => t.get("wh.timeout").to_owned(),
        (false, None, Some("unreachable")) => t.get("wh.unreachable").to_owned(),
        _ => t.get("wh.failed").to_owned(),
    }
}

fn detail_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    d: SubscriptionDetail,
    secret: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let tz = &s.app.tz;
    let v = &d.subscription;
    let log: Vec<LogRow> = d
        .deliveries
        .iter()
        .map(|l| LogRow {
            id: l.id.to_string(),
            at: t.datetime(tz, &l.at),
            kind: t.of("event_kind", &l.kind),
            outcome: outcome(t, l.status, l.ok, l.error.as_deref()),
            ok: l.ok,
            replay: l.replay,
        })
        .collect();
    let failed = error.is_some();
    let p = DetailPage {
        title: v.name.clone(),
        c: chrome(t, Some(&sess), "/admin/webhooks"),
        id: v.id.to_string(),
        url: v.url.clone(),
        kinds: kinds_text(t, &v.kinds),
        state: state(t, v),
        active: v.active,
        next_attempt: v.next_attempt_at.as_deref().map(|a| t.datetime(tz, a)),
        // Why it waits: the latest failed attempt, worded as the log words it.
        last_error: v.last_error.as_ref().and_then(|_| {
            d.deliveries
                .iter()
                .find(|l| !l.ok)
                .map(|l| outcome(t, l.status, false, l.error.as_deref()))
        }),
        created: t.datetime(tz, &v.created_at),
        log_total: if log.is_empty() {
            t.get("wh.no_log").to_owned()
        } else {
            t.get("wh.log_count").replace("{n}", &log.len().to_string())
        },
        log,
        secret,
        error,
    };
    Ok(if failed {
        page_status(p, true)
    } else {
        page(p)
    })
}

pub(crate) async fn detail_page(
    State(s): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let d = webhooks::get(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    detail_view(&s, sess, t, d, None, None)
}

fn back(id: uuid::Uuid) -> Response {
    Redirect::to(&format!("/admin/webhooks/{id}")).into_response()
}

pub(crate) async fn pause(
    State(s): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    webhooks::set_active(&s.app, &sess.actor, id, false)
        .await
        .map_err(|e: AppError| PageError::App(e, t, Some(sess)))?;
    Ok(back(id))
}

pub(crate) async fn resume(
    State(s): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    webhooks::set_active(&s.app, &sess.actor, id, true)
        .await
        .map_err(|e: AppError| PageError::App(e, t, Some(sess)))?;
    Ok(back(id))
}

pub(crate) async fn replay(
    State(s): State<AppState>,
    Path((id, delivery)): Path<(uuid::Uuid, uuid::Uuid)>,
    SignedForm { sess, t, .. }: SignedForm,
) -> Result<Response, PageError> {
    webhooks::replay(&s.app, &sess.actor, id, delivery)
        .await
        .map_err(|e: AppError| PageError::App(e, t, Some(sess)))?;
    Ok(back(id))
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/admin/webhooks", get(list_page).post(create))
        .route("/admin/webhooks/{id}", get(detail_page))
        .route("/admin/webhooks/{id}/pause", post(pause))
        .route("/admin/webhooks/{id}/resume", post(resume))
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/replay",
            post(replay),
        )
}
