//! The import pages every kind of import shares (customers at `/import`, leads at `/leads/import`): the
//! upload form with the column guide and the templates, the caller's recent imports, a job's progress
//! and per-row report, and the rejected rows to correct and import again. Each context gives its
//! [`ImportKind`]; the job machinery is the app's (`banyan_app::imports`).

use crate::AppState;
use crate::ui::forms::{read_upload, rule_text};
use crate::ui::i18n::Tr;
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing};
use crate::ui::page::{Chrome, PageError, Signed, check_csrf, chrome, page, session};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::actor::Actor;
use banyan_app::imports::{self, FileFormat};
use banyan_app::io::Format;
use banyan_app::tabular::Words;
use banyan_domain::imports::{ImportStatus, ImportTarget};

/// What one kind of import brings to the shared pages.
pub(crate) struct ImportKind {
    pub(crate) target: ImportTarget,
    /// The pages' path (`/import`, `/leads/import`); a job is at `{base}/{id}`.
    pub(crate) base: &'static str,
    /// The title's label key.
    pub(crate) title: &'static str,
    /// The template's file name's label key.
    pub(crate) template_name: &'static str,
    /// The label key of what to do after a failure (what importing again does not repeat).
    pub(crate) failed_hint: &'static str,
    pub(crate) list: ListSpec,
    /// The column guide in the reader's words: heading, when it is required, its rule.
    pub(crate) guide: fn(Tr) -> Vec<(String, String, String)>,
    /// How headings and cells are written for this reader (the template, the rejected rows).
    pub(crate) words: fn(Tr) -> Box<dyn Words>,
    /// The template file with its example rows.
    pub(crate) template: fn(Format, &dyn Words) -> Result<Vec<u8>, AppError>,
    /// Refuses who may not import this kind (before a template is handed out).
    pub(crate) may: fn(&Actor) -> Result<(), AppError>,
}

#[derive(Template)]
#[template(path = "import.html")]
pub(crate) struct ImportPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    /// The pages' path (the form posts to it, jobs and templates are under it).
    pub(crate) base: &'static str,
    pub(crate) job: Option<JobLines>,
    /// The caller's recent imports (on the upload form; empty on a job's page).
    pub(crate) list: Listing<RecentLine>,
    /// The column guide (on the upload form): heading, when it is required, its rule.
    pub(crate) guide: Vec<(String, String, String)>,
}

/// The import template in the reader's words (CSV or XLSX): every column, two example rows.
pub(crate) async fn import_template(
    kind: &ImportKind,
    Signed { sess, t }: Signed,
    file: String,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    (kind.may)(&sess.actor).map_err(err)?;
    let (format, mime) = match file.as_str() {
        "template.csv" => (Format::Csv, "text/csv; charset=utf-8"),
        "template.xlsx" => (
            Format::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return Err(err(AppError::NotFound)),
    };
    let words = (kind.words)(t);
    let bytes = (kind.template)(format, words.as_ref()).map_err(err)?;
    let name = format!(
        "{}.{}",
        t.get(kind.template_name),
        file.rsplit('.').next().unwrap_or("csv")
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"import-template.{}\"; filename*=UTF-8''{}",
                    file.rsplit('.').next().unwrap_or("csv"),
                    utf8_percent(&name)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A file name for `filename*=UTF-8''…` (RFC 5987): every byte outside the unreserved set escaped.
fn utf8_percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One of the caller's recent imports.
pub(crate) struct RecentLine {
    pub(crate) id: uuid::Uuid,
    pub(crate) file_name: String,
    pub(crate) status: String,
    pub(crate) started: String,
    /// The start as an instant, to sort by.
    pub(crate) started_key: String,
    pub(crate) rows: i64,
    pub(crate) created: i64,
    pub(crate) rejected: i64,
}

fn status_words(t: Tr, s: ImportStatus) -> String {
    t.get(match s {
        ImportStatus::Running => "import.status.running",
        ImportStatus::Done => "import.status.done",
        ImportStatus::Failed => "import.status.failed",
    })
    .to_owned()
}

/// An import job in words.
pub(crate) struct JobLines {
    pub(crate) id: uuid::Uuid,
    pub(crate) file_name: String,
    pub(crate) running: bool,
    pub(crate) status: String,
    pub(crate) error: Option<String>,
    pub(crate) rows: i64,
    pub(crate) done: i64,
    pub(crate) created: i64,
    pub(crate) rejected: i64,
    pub(crate) ignored_columns: String,
    /// Each rejected row: its line and every broken rule in the user's language.
    pub(crate) rejected_rows: Vec<(i64, String)>,
}

fn import_columns() -> Vec<Column<RecentLine>> {
    vec![
        Column::sorted("import.file_name", "file", |a, b| {
            a.file_name.cmp(&b.file_name)
        }),
        Column::sorted("import.started", "started", |a, b| {
            a.started_key.cmp(&b.started_key)
        }),
        Column::sorted("import.state", "state", |a, b| a.status.cmp(&b.status)),
        Column::sorted("import.rows", "rows", |a, b| a.rows.cmp(&b.rows)),
        Column::sorted("import.created", "created", |a, b| {
            a.created.cmp(&b.created)
        }),
        Column::sorted("import.rejected", "rejected", |a, b| {
            a.rejected.cmp(&b.rejected)
        }),
    ]
}

/// The list of a kind's imports, 20 a page from the newest.
pub(crate) const fn list_spec(path: &'static str) -> ListSpec {
    ListSpec {
        path,
        total_key: "import.count",
        default_sort: "-started",
        per_page: 20,
    }
}

/// The upload form and the caller's recent imports (the last 200), sortable, 20 a page.
pub(crate) async fn import_form(
    kind: &ImportKind,
    s: AppState,
    Signed { sess, t }: Signed,
    p: ListParams,
) -> Result<Response, PageError> {
    let recent = imports::mine(&s.app, &sess.actor, kind.target, None, Some(200))
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?
        .items
        .into_iter()
        .map(|j| RecentLine {
            id: j.id,
            status: status_words(t, j.status),
            started: t.datetime(&s.app.tz, &j.started_at),
            started_key: j.started_at,
            file_name: j.file_name,
            rows: j.rows,
            created: j.created,
            rejected: j.rejected,
        })
        .collect();
    Ok(page(ImportPage {
        title: t.get(kind.title).to_owned(),
        c: chrome(t, Some(&sess), kind.base),
        base: kind.base,
        job: None,
        list: listing(t, &kind.list, &p, recent, &import_columns()),
        guide: (kind.guide)(t),
    }))
}

/// Starts the import as a job on the server and shows it (the page follows it until it ends).
pub(crate) async fn import(
    kind: &ImportKind,
    s: AppState,
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
    let format = if name.to_ascii_lowercase().ends_with(".xlsx") {
        FileFormat::Xlsx
    } else {
        FileFormat::Csv
    };
    let started = imports::start(&s.app, &sess.actor, kind.target, &name, &bytes, format)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    if started.new {
        imports::spawn(s.app.clone(), started.job.id, sess.actor.clone());
    }
    Ok(Redirect::to(&format!("{}/{}", kind.base, started.job.id)).into_response())
}

/// An import's progress (refreshed while it runs) and, at its end, its report. A job of another kind is
/// not found here (it has its own page).
pub(crate) async fn import_job(
    kind: &ImportKind,
    s: AppState,
    Signed { sess, t }: Signed,
    id: uuid::Uuid,
) -> Result<Response, PageError> {
    let j = imports::get(&s.app, &sess.actor, id)
        .await
        .and_then(|j| {
            if j.target == kind.target {
                Ok(j)
            } else {
                Err(AppError::NotFound)
            }
        })
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let job = JobLines {
        id: j.id,
        running: j.status == ImportStatus::Running,
        status: t
            .get(match j.status {
                ImportStatus::Running => "import.running",
                ImportStatus::Done => "import.finished",
                ImportStatus::Failed => "import.failed",
            })
            .to_owned(),
        // The cause of a failure stays in the server's log and the API; the page says what to do.
        error: (j.status == ImportStatus::Failed).then(|| t.get(kind.failed_hint).to_owned()),
        file_name: j.file_name,
        rows: j.rows,
        done: j.done,
        created: j.created,
        rejected: j.rejected,
        ignored_columns: j.ignored_columns.join(", "),
        // A running import has no report yet: nothing to list until it ends.
        rejected_rows: j
            .report
            .into_iter()
            .flat_map(|r| r.rejected_rows)
            .map(|r| {
                let words = r
                    .errors
                    .iter()
                    .map(|e| rule_text(t, &e.field, &e.rule, &e.message, e.detail.as_deref()))
                    .collect::<Vec<_>>()
                    .join("；");
                (r.line, words)
            })
            .collect(),
    };
    Ok(page(ImportPage {
        title: t.get(kind.title).to_owned(),
        c: chrome(t, Some(&sess), kind.base),
        base: kind.base,
        job: Some(job),
        list: listing(
            t,
            &kind.list,
            &ListParams::default(),
            Vec::new(),
            &import_columns(),
        ),
        guide: Vec::new(),
    }))
}

/// An ended import's rejected rows as a CSV download (the original columns plus the reason).
pub(crate) async fn import_rejected(
    kind: &ImportKind,
    s: AppState,
    Signed { sess, t }: Signed,
    id: uuid::Uuid,
) -> Result<Response, PageError> {
    let reasons = |errors: &[imports::RowError]| {
        errors
            .iter()
            .map(|e| rule_text(t, &e.field, &e.rule, &e.message, e.detail.as_deref()))
            .collect::<Vec<_>>()
            .join("；")
    };
    let words = (kind.words)(t);
    let file = imports::rejected_file(&s.app, &sess.actor, id, words.as_ref(), &reasons)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rejected.csv\"",
            ),
        ],
        file,
    )
        .into_response())
}

/// The import pages of one kind as routes under its base path.
pub(crate) fn routes(
    router: axum::Router<AppState>,
    kind: &'static ImportKind,
) -> axum::Router<AppState> {
    use axum::routing::get;
    router
        .route(
            kind.base,
            get(
                move |State(s): State<AppState>, sg: Signed, Query(p): Query<ListParams>| {
                    import_form(kind, s, sg, p)
                },
            )
            .post(
                move |State(s): State<AppState>, h: HeaderMap, mp: axum::extract::Multipart| {
                    import(kind, s, h, mp)
                },
            ),
        )
        .route(
            &format!("{}/{{id}}", kind.base),
            get(
                move |State(s): State<AppState>, sg: Signed, Path(id): Path<uuid::Uuid>| {
                    import_job(kind, s, sg, id)
                },
            ),
        )
        .route(
            &format!("{}/files/{{file}}", kind.base),
            get(move |sg: Signed, Path(file): Path<String>| import_template(kind, sg, file)),
        )
        .route(
            &format!("{}/{{id}}/rejected.csv", kind.base),
            get(
                move |State(s): State<AppState>, sg: Signed, Path(id): Path<uuid::Uuid>| {
                    import_rejected(kind, s, sg, id)
                },
            ),
        )
}
