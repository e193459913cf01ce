//! Feed loads on the workbench: the upload of the core system's file, the list of loads, and a load's report
//! with its rejected rows in the reader's words.

use crate::AppState;
use crate::ui::forms::{field_errors_text, read_form_upload, rule_text};
use crate::ui::i18n::Tr;
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing};
use crate::ui::page::{Chrome, PageError, Signed, check_csrf, chrome, page, page_status, session};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::access::Session;
use banyan_app::book::files::{self, Feed};
use banyan_app::book::{self as uc, LoadView};
use banyan_domain::imports::ImportStatus;
use uuid::Uuid;

/// A load as its row in the list shows it.
pub(crate) struct LoadLine {
    pub(crate) id: Uuid,
    pub(crate) started: String,
    pub(crate) started_key: String,
    pub(crate) file: String,
    pub(crate) feed: String,
    pub(crate) source: String,
    pub(crate) as_of: String,
    pub(crate) status: String,
    pub(crate) status_code: &'static str,
    pub(crate) rows: i64,
    pub(crate) loaded: i64,
    pub(crate) unchanged: i64,
    pub(crate) rejected: i64,
    pub(crate) refreshed: i64,
    pub(crate) by: String,
}

fn load_line(s: &AppState, t: Tr, l: &LoadView) -> LoadLine {
    LoadLine {
        id: l.id,
        started: t.datetime(&s.app.tz, &l.started_at),
        started_key: l.started_at.clone(),
        file: l.file_name.clone(),
        feed: t.of("feed", &l.kind),
        source: crate::ui::labels::code_label(t, &["book_source"], &l.source),
        as_of: t.date(&l.as_of.to_string()),
        status: t.of("import.status", l.status.as_str()),
        status_code: l.status.as_str(),
        rows: l.rows,
        loaded: l.loaded,
        unchanged: l.unchanged,
        rejected: l.rejected,
        refreshed: l.customers,
        by: l
            .by
            .clone()
            .unwrap_or_else(|| t.get("book.by_system").to_owned()),
    }
}

const LOAD_LIST: ListSpec = ListSpec {
    path: "/book/loads",
    total_key: "book.load_count",
    default_sort: "-started",
    per_page: 50,
};

fn load_columns() -> Vec<Column<LoadLine>> {
    vec![
        Column::sorted("book.started", "started", |a, b| {
            a.started_key.cmp(&b.started_key)
        }),
        Column::plain("field.file"),
        Column::plain("detail.feed"),
        Column::plain("field.source"),
        Column::plain("field.as_of"),
        Column::plain("field.status"),
        Column::plain("book.rows"),
        Column::plain("book.loaded"),
        Column::plain("book.unchanged"),
        Column::sorted("book.rejected", "rejected", |a, b| {
            a.rejected.cmp(&b.rejected)
        }),
        Column::plain("book.refreshed"),
        Column::plain("book.by"),
    ]
}

#[derive(Template)]
#[template(path = "book_loads.html")]
pub(crate) struct LoadsPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) list: Listing<LoadLine>,
    pub(crate) today: String,
    /// (code, label) of the feeds and sources a file may be.
    pub(crate) feeds: Vec<(&'static str, String)>,
    pub(crate) sources: Vec<(&'static str, String)>,
    /// (feed, required columns, optional columns).
    pub(crate) columns: Vec<(String, String, String)>,
    pub(crate) error: Option<String>,
}

/// The most recent loads a page lists (older ones through the API's paging).
const LOADS_SHOWN: u64 = 500;

async fn loads_view(
    s: &AppState,
    sess: Session,
    t: Tr,
    p: &ListParams,
    error: Option<String>,
) -> Result<Response, PageError> {
    let (loads, _) = uc::loads::loads(&s.app, &sess.actor, 0, LOADS_SHOWN)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let lines = loads.iter().map(|l| load_line(s, t, l)).collect();
    let feeds = ["holdings", "transactions", "events"];
    let cols: [(&str, &[&str], usize); 3] = [
        ("holdings", &uc::holdings::COLUMNS, 7),
        ("transactions", &uc::activity::TX_COLUMNS, 8),
        ("events", &uc::activity::EVENT_COLUMNS, 4),
    ];
    let failed = error.is_some();
    Ok(page_status(
        LoadsPage {
            title: t.get("book.loads").to_owned(),
            c: chrome(t, Some(&sess), "/book/loads"),
            list: listing(t, &LOAD_LIST, p, lines, &load_columns()),
            today: s.app.today().to_string(),
            feeds: feeds.iter().map(|f| (*f, t.of("feed", f))).collect(),
            sources: ["core", "digital"]
                .iter()
                .map(|x| (*x, t.of("book_source", x)))
                .collect(),
            columns: cols
                .iter()
                .map(|(f, c, n)| (t.of("feed", f), c[..*n].join(", "), c[*n..].join(", ")))
                .collect(),
            error,
        },
        failed,
    ))
}

pub(super) async fn loads_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    loads_view(&s, sess, t, &p, None).await
}

/// Starts loading the uploaded feed file (multipart: CSRF token, feed, source, business date, then the file)
/// as a job and shows its page.
pub(super) async fn upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (sess, t) = session(&s, &headers).await?;
    let Some(up) = read_form_upload(mp).await else {
        let msg = rule_text(t, "file", "required", "choose a file", None);
        return loads_view(&s, sess, t, &ListParams::default(), Some(msg)).await;
    };
    check_csrf(&sess, t, up.csrf.as_deref())?;
    let source = up
        .fields
        .get("source")
        .map_or("core", |v| v.trim())
        .to_owned();
    let Some(as_of) = up.fields.get("as_of").and_then(|v| v.trim().parse().ok()) else {
        let msg = rule_text(t, "as_of", "date", "must be a date YYYY-MM-DD", None);
        return loads_view(&s, sess, t, &ListParams::default(), Some(msg)).await;
    };
    let feed = up
        .fields
        .get("feed")
        .and_then(|v| Feed::parse(v.trim()))
        .unwrap_or(Feed::Holdings);
    let (app, actor, name, bytes) = (&s.app, &sess.actor, up.name.as_str(), up.bytes.as_slice());
    // The file loads as a job; its page shows the progress and then the report.
    match files::submit(app, actor, feed, &source, as_of, name, bytes).await {
        Ok(load) => Ok(Redirect::to(&format!("/book/loads/{}", load.id)).into_response()),
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            loads_view(&s, sess, t, &ListParams::default(), Some(msg)).await
        }
        Err(e) => Err(PageError::App(e, t, Some(sess))),
    }
}

/// A rejected row as the report shows it.
pub(crate) struct RejectLine {
    pub(crate) line: i64,
    pub(crate) account: String,
    pub(crate) reasons: String,
}

#[derive(Template)]
#[template(path = "book_load.html")]
pub(crate) struct LoadPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) l: LoadLine,
    pub(crate) failed: Option<String>,
    pub(crate) rejects: Vec<RejectLine>,
    pub(crate) more: bool,
    /// Still running (the page refreshes itself), and the rows done so far.
    pub(crate) running: bool,
    pub(crate) done: i64,
}

pub(super) async fn load_page(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let r = uc::loads::load(&s.app, &sess.actor, id)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let reasons = |errors: &[banyan_domain::FieldError]| {
        errors
            .iter()
            .map(|e| rule_text(t, &e.field, &e.rule, &e.message, None))
            .collect::<Vec<_>>()
            .join("；")
    };
    let failed = (r.load.status == ImportStatus::Failed).then(|| match r.load.error.as_deref() {
        Some(errors) => reasons(errors),
        // A load that stopped records why; one without a reason stopped on an error of the server.
        None => t.rule("load_stopped", "").into_owned(),
    });
    Ok(page(LoadPage {
        running: r.load.status == ImportStatus::Running,
        done: r.load.loaded + r.load.unchanged + r.load.rejected,
        title: t.get("book.load_title").to_owned(),
        c: chrome(t, Some(&sess), "/book/loads"),
        l: load_line(&s, t, &r.load),
        failed,
        more: i64::try_from(r.rejected.len()).unwrap_or(i64::MAX) < r.load.rejected,
        rejects: r
            .rejected
            .iter()
            .map(|x| RejectLine {
                line: x.line,
                account: banyan_domain::mask::account(&x.account_no),
                reasons: reasons(&x.errors),
            })
            .collect(),
    }))
}
