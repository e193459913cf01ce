//! A person's rights over their data on the workbench: the requests with their deadlines, the form that
//! registers one (reached from the customer's page), one request's page with its answer or refusal, and the
//! copy of everything held, printable in the person's language or taken away as a file.

mod holds;

use crate::AppState;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::labels::field_label;
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing_keeping};
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, chrome, page_status};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::rights::{self, Blocker, RightDecision, RightInput, RightView, RightsCopy};
use banyan_domain::rights::{RightChannel, RightKind, RightStatus};
use serde::Deserialize;
use uuid::Uuid;

/// A request as a line of the list.
pub(crate) struct Row {
    href: String,
    no: String,
    customer: String,
    kind: String,
    status: String,
    due: String,
    due_key: String,
    overdue: bool,
}

fn columns() -> Vec<Column<Row>> {
    vec![
        Column::sorted("rights.due_on", "due", |a, b| a.due_key.cmp(&b.due_key)),
        Column::sorted("rights.no", "no", |a, b| a.no.cmp(&b.no)),
        Column::plain("rights.customer"),
        Column::sorted("rights.kind", "kind", |a, b| a.kind.cmp(&b.kind)),
        Column::sorted("field.status", "status", |a, b| a.status.cmp(&b.status)),
    ]
}

const LIST: ListSpec = ListSpec {
    path: "/rights",
    total_key: "rights.count",
    default_sort: "due",
    per_page: 25,
};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<usize>,
}

#[derive(Template)]
#[template(path = "rights.html")]
pub(crate) struct ListPage {
    c: Chrome,
    title: String,
    list: Listing<Row>,
    statuses: Vec<(&'static str, String, bool)>,
    capped: Option<String>,
}

pub(crate) async fn list(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let status = match q.status.as_deref() {
        None => Some(RightStatus::Open),
        Some(v) => RightStatus::parse(v),
    };
    let page = rights::list(&s.app, &sess.actor, status, None, 0, rights::MAX_PAGE)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let rows: Vec<Row> = page
        .items
        .iter()
        .map(|r| Row {
            href: format!("/rights/{}", r.id),
            no: r.request_no.clone(),
            customer: format!("{} {}", r.customer.customer_no, r.customer.display_name),
            kind: t.of("right_kind", r.kind.as_str()),
            status: t.of("right_status", r.status.as_str()),
            due: t.date(&r.due_on),
            due_key: r.due_on.clone(),
            overdue: r.overdue,
        })
        .collect();
    let shown = rows.len() as u64;
    let p = ListParams {
        sort: q.sort.clone(),
        page: q.page,
    };
    let keep = [(
        "status",
        status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
    )];
    Ok(page_status(
        ListPage {
            title: t.get("rights.title").to_owned(),
            c: chrome(t, Some(&sess), "/rights"),
            list: listing_keeping(t, &LIST, &p, rows, &columns(), &keep),
            statuses: RightStatus::ALL
                .iter()
                .map(|s| {
                    (
                        s.as_str(),
                        t.of("right_status", s.as_str()),
                        Some(*s) == status,
                    )
                })
                .collect(),
            capped: (page.total > shown).then(|| {
                t.get("rights.capped")
                    .replace("{shown}", &shown.to_string())
                    .replace("{n}", &page.total.to_string())
            }),
        },
        false,
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewQuery {
    customer: Uuid,
}

#[derive(Template)]
#[template(path = "rights_new.html")]
pub(crate) struct NewPage {
    c: Chrome,
    title: String,
    customer_id: String,
    customer: String,
    kinds: Vec<(&'static str, String)>,
    channels: Vec<(&'static str, String)>,
    today: String,
    error: Option<String>,
}

async fn new_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    customer: Uuid,
    error: Option<String>,
) -> Result<Response, PageError> {
    let v = banyan_app::customers::get(&s.app, &sess.actor, customer, false)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let failed = error.is_some();
    Ok(page_status(
        NewPage {
            title: t.get("rights.new").to_owned(),
            c: chrome(t, Some(&sess), "/rights"),
            customer_id: customer.to_string(),
            customer: format!("{} {}", v.customer_no, v.display_name),
            kinds: RightKind::ALL
                .iter()
                .map(|k| (k.as_str(), t.of("right_kind", k.as_str())))
                .collect(),
            channels: RightChannel::ALL
                .iter()
                .map(|k| (k.as_str(), t.of("right_channel", k.as_str())))
                .collect(),
            today: s.app.today().to_string(),
            error,
        },
        failed,
    ))
}

pub(crate) async fn new_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    new_view(&s, sess, t, q.customer, None).await
}

pub(crate) async fn register(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let Ok(customer) = get("customer_id").parse::<Uuid>() else {
        return Err(PageError::App(AppError::NotFound, t, Some(sess)));
    };
    let (Some(kind), Some(channel)) = (
        RightKind::parse(&get("kind")),
        RightChannel::parse(&get("channel")),
    ) else {
        let missing = AppError::field("kind", "required", "pick one");
        return match crate::ui::forms::refusal(t, missing) {
            Ok(msg) => new_view(&s, sess, t, customer, Some(msg)).await,
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        };
    };
    let input = RightInput {
        customer_id: customer,
        kind,
        channel,
        received_on: Some(get("received_on")),
        detail: get("detail"),
    };
    match rights::register(&s.app, &sess.actor, input).await {
        Ok(v) => Ok(Redirect::to(&format!("/rights/{}", v.id)).into_response()),
        Err(e) => match crate::ui::forms::refusal(t, e) {
            Ok(msg) => new_view(&s, sess, t, customer, Some(msg)).await,
            Err(e) => Err(PageError::App(e, t, Some(sess))),
        },
    }
}

#[derive(Template)]
#[template(path = "right.html")]
pub(crate) struct DetailPage {
    c: Chrome,
    title: String,
    v: RightView,
    customer_href: String,
    status: String,
    channel: String,
    received: String,
    due: String,
    registered: String,
    copy_at: Option<String>,
    decided: Option<String>,
    blocker: Option<String>,
    open: bool,
    can_copy: bool,
    can_decide: bool,
    can_withdraw: bool,
    can_complete: bool,
    can_erase: bool,
    /// What a deletion did, in words.
    erasure: Option<String>,
    /// A deletion's page links to the customer's legal holds (for a checker).
    holds_href: Option<String>,
    langs: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn detail_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    v: RightView,
    error: Option<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let people: Vec<Uuid> = [Some(v.registered_by), v.decided_by]
        .into_iter()
        .flatten()
        .collect();
    let names = crate::ui::page::StaffNames::of(&s.app, &sess.actor, t, &people)
        .await
        .map_err(err)?;
    let who = |id: Uuid| names.name(id);
    let tz = &s.app.tz;
    let open = v.status == RightStatus::Open;
    let offers = sess.actor.offers();
    let mine = v.registered_by == sess.actor.id().uuid();
    let failed = error.is_some();
    let p = DetailPage {
        title: format!("{} · {}", t.of("right_kind", v.kind.as_str()), v.request_no),
        c: chrome(t, Some(&sess), "/rights"),
        customer_href: format!("/customers/{}", v.customer.id),
        status: t.of("right_status", v.status.as_str()),
        channel: t.of("right_channel", v.channel.as_str()),
        received: t.date(&v.received_on),
        due: t.date(&v.due_on),
        registered: t.by_at(&who(v.registered_by), &t.datetime(tz, &v.registered_at)),
        copy_at: v.copy_at.as_deref().map(|a| t.datetime(tz, a)),
        decided: v
            .decided_by
            .zip(v.decided_at.as_deref())
            .map(|(id, at)| t.by_at(&who(id), &t.datetime(tz, at))),
        blocker: v.blocker.map(|b| {
            t.get(match b {
                Blocker::CopyNeeded => "rights.blocker.copy_needed",
                Blocker::CorrectionUnverified => "rights.blocker.correction_unverified",
                Blocker::ErasureNeeded => "rights.blocker.erasure_needed",
            })
            .to_owned()
        }),
        open,
        can_copy: v.kind == RightKind::Access && offers.reveal,
        can_decide: open && offers.verify && !mine && v.kind != RightKind::Withdrawal,
        can_complete: v.kind != RightKind::Deletion,
        can_erase: open && offers.verify && !mine && v.kind == RightKind::Deletion,
        erasure: v.erasure.as_ref().map(|e| {
            let state = t.of("erasure_state", e.state.as_str());
            let kept: Vec<String> = e
                .kept_for
                .iter()
                .map(|o| t.of("obligation", o.as_str()))
                .collect();
            let mut text = state;
            if !kept.is_empty() {
                text.push_str(&format!("：{}", kept.join("、")));
            }
            match (&e.erase_after, e.state) {
                (Some(d), banyan_domain::rights::ErasureState::Restricted) => {
                    text.push_str(&t.get("rights.erase_after").replace("{date}", &t.date(d)))
                }
                (None, banyan_domain::rights::ErasureState::Restricted) => {
                    text.push_str(t.get("rights.erase_after_unknown"))
                }
                _ => {}
            }
            text
        }),
        can_withdraw: open && offers.update && v.kind == RightKind::Withdrawal,
        holds_href: (v.kind == RightKind::Deletion && offers.verify)
            .then(|| format!("/customers/{}/legal-holds", v.customer.id)),
        langs: Lang::ALL.iter().map(|l| (l.code(), l.name())).collect(),
        v,
        error,
    };
    Ok(page_status(p, failed))
}

pub(crate) async fn detail(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let v = rights::get(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    detail_view(&s, sess, t, v, None).await
}

pub(crate) async fn decide(
    State(s): State<AppState>,
    Path((id, step)): Path<(Uuid, String)>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let d = RightDecision {
        version: f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
        note: f.get("note").cloned(),
    };
    let a = &sess.actor;
    let done = match step.as_str() {
        "complete" => rights::complete(&s.app, a, id, d).await,
        "refuse" => rights::refuse(&s.app, a, id, d).await,
        "withdraw" => rights::withdraw(&s.app, a, id, d).await,
        "erase" => rights::erase(&s.app, a, id, d).await,
        _ => Err(AppError::NotFound),
    };
    let back = format!("/rights/{id}");
    crate::ui::page::after_step(t, sess, done, back, |sess, msg| async move {
        let v = rights::get(&s.app, &sess.actor, id)
            .await
            .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
        detail_view(&s, sess, t, v, Some(msg)).await
    })
    .await
}

/// A line of the copy: a label and a value, in the person's language.
pub(crate) struct Line {
    label: String,
    value: String,
}

#[derive(Template)]
#[template(path = "rights_copy.html")]
pub(crate) struct CopyPage {
    c: Chrome,
    /// The person's language (the page's words are theirs; the workbench's frame stays the reader's).
    p: Tr,
    title: String,
    produced: String,
    profile: Vec<Line>,
    contacts: Vec<Line>,
    consents: Vec<Line>,
    contacts_logged: Vec<Line>,
    messages: Vec<Line>,
    records: Vec<Line>,
}

fn copy_page(s: &AppState, sess: &Session, t: Tr, p: Tr, copy: &RightsCopy) -> CopyPage {
    let tz = &s.app.tz;
    let v = &copy.customer;
    let mut profile = vec![
        Line {
            label: p.get("field.customer_no").to_owned(),
            value: v.customer_no.clone(),
        },
        Line {
            label: p.get("field.display_name").to_owned(),
            value: v.display_name.clone(),
        },
        Line {
            label: p.get("field.id_number").to_owned(),
            value: format!(
                "{} {}",
                p.of("doc", &v.identifier.id_type),
                v.identifier.number
            ),
        },
    ];
    if let serde_json::Value::Object(o) = &v.profile {
        for (k, val) in o {
            profile.push(Line {
                label: field_label(p, k),
                value: crate::ui::labels::profile_value(p, k, val),
            });
        }
    }
    CopyPage {
        c: chrome(t, Some(sess), "/rights"),
        p,
        title: p
            .get("rights.copy_title")
            .replace("{name}", &v.display_name),
        produced: p.datetime(tz, &copy.produced_at),
        profile,
        contacts: v
            .contacts
            .iter()
            .map(|c| Line {
                label: p.of("field", c.kind.as_str()),
                value: c.value.clone(),
            })
            .collect(),
        consents: v
            .consents
            .iter()
            .map(|c| Line {
                label: p.of("channel", c.channel.as_str()),
                value: p
                    .get(if c.granted {
                        "consent.granted"
                    } else {
                        "consent.refused"
                    })
                    .to_owned(),
            })
            .collect(),
        contacts_logged: copy
            .interactions
            .iter()
            .map(|i| Line {
                label: p.datetime(tz, &i.occurred_at),
                value: i.outcome.clone(),
            })
            .collect(),
        messages: copy
            .messages
            .iter()
            .map(|m| Line {
                label: p.datetime(tz, &m.created_at),
                // A message without a subject (an SMS) is named by its channel alone.
                value: match &m.subject {
                    Some(subject) => format!("{} · {subject}", p.of("channel", &m.channel)),
                    None => p.of("channel", &m.channel),
                },
            })
            .collect(),
        records: copy
            .records
            .iter()
            .map(|(k, n)| Line {
                label: p.of("merge_table", k),
                value: n.to_string(),
            })
            .collect(),
    }
}

pub(crate) async fn produce_copy(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let copy = match rights::copy(&s.app, &sess.actor, id).await {
        Ok(c) => c,
        Err(e) => return Err(PageError::App(e, t, Some(sess))),
    };
    if f.get("format").map(String::as_str) == Some("json") {
        let body = serde_json::to_vec_pretty(&copy).map_err(|e| {
            PageError::App(AppError::internal_from("copy", e), t, Some(sess.clone()))
        })?;
        let name = format!("attachment; filename=\"{}.json\"", copy.request_no);
        return Ok((
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::CONTENT_DISPOSITION, name),
            ],
            body,
        )
            .into_response());
    }
    let p = f
        .get("lang")
        .and_then(|l| Lang::parse(l))
        .map(Tr::new)
        .unwrap_or(t);
    Ok(page_status(copy_page(&s, &sess, t, p, &copy), false))
}

pub(crate) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/rights", get(list).post(register))
        .route("/rights/new", get(new_form))
        .route("/rights/{id}", get(detail))
        .route("/rights/{id}/copy", post(produce_copy))
        .route("/rights/{id}/{step}", post(decide))
        .merge(holds::routes())
}
