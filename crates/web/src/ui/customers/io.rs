//! Import (CSV/XLSX with a per-row report and the rejected rows) and export.

use crate::AppState;
use crate::ui::customers::search::SearchQuery;
use crate::ui::forms::{read_upload, rule_text};
use crate::ui::i18n::Tr;
use crate::ui::labels::ReaderWords;
use crate::ui::listing::{Column, ListParams, ListSpec, Listing, listing};
use crate::ui::page::{Chrome, PageError, Signed, check_csrf, chrome, page, session};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use banyan_app::AppError;
use banyan_app::customers::ListQuery;
use banyan_app::imports::{self, FileFormat};
use banyan_domain::imports::ImportStatus;

#[derive(Template)]
#[template(path = "import.html")]
pub(crate) struct ImportPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) job: Option<JobLines>,
    /// The caller's recent imports (on the upload form; empty on a job's page).
    pub(crate) list: Listing<RecentLine>,
    /// The column guide (on the upload form): heading, when it is required, its rule.
    pub(crate) guide: Vec<(String, String, String)>,
}

/// Every column of an import file in the reader's words: its heading, whether it is required (and for
/// which kind), and what it takes, with the values it may take spelt out from the registry.
fn column_guide(t: Tr) -> Vec<(String, String, String)> {
    use banyan_app::tabular::Words;
    let words = ReaderWords(t);
    banyan_app::io::import_columns()
        .map(|c| {
            let required = match c {
                "branch_code" => t.get("import.req.all"),
                "name_zh" | "id_number" => t.get("import.req.individual"),
                "registered_name" | "credit_code" => t.get("import.req.corporate"),
                _ => "",
            };
            let family = match c {
                "kind" => Some("kind"),
                "id_type" => Some("doc"),
                "gender" | "income_band" | "family_status" | "legal_form" => Some(c),
                "preferred_channel" => Some("channel"),
                _ => None,
            };
            let rule = match family {
                Some(f) => {
                    // A company's credit code is a document of its own column, not an individual's.
                    let labels: Vec<&str> = t
                        .family(f)
                        .into_iter()
                        .filter(|(code, _)| *code != "credit_code")
                        .map(|(_, l)| l)
                        .collect();
                    let mut r = t.get("import.choose").replace("{list}", &labels.join("、"));
                    let key = format!("import.col.{c}");
                    let note = t.get(&key);
                    if note != key {
                        r = format!("{note}；{r}");
                    }
                    r
                }
                None => t.get(&format!("import.col.{c}")).to_owned(),
            };
            (words.heading(c), required.to_owned(), rule)
        })
        .collect()
}

/// The import template in the reader's words (CSV or XLSX): every column, two example rows.
pub(crate) async fn import_template(
    Signed { sess, t }: Signed,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    banyan_app::io::may_import(&sess.actor).map_err(err)?;
    let (format, mime) = match file.as_str() {
        "template.csv" => (banyan_app::io::Format::Csv, "text/csv; charset=utf-8"),
        "template.xlsx" => (
            banyan_app::io::Format::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return Err(err(AppError::NotFound)),
    };
    let bytes = banyan_app::io::template(format, &ReaderWords(t)).map_err(err)?;
    let name = format!(
        "{}.{}",
        t.get("import.template_name"),
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

const IMPORT_LIST: ListSpec = ListSpec {
    path: "/import",
    total_key: "import.count",
    default_sort: "-started",
    per_page: 20,
};

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

/// The upload form and the caller's recent imports (the last 200), sortable, 20 a page.
pub(crate) async fn import_form(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    let recent = imports::mine(&s.app, &sess.actor, None, Some(200))
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
        title: t.get("import.title").to_owned(),
        c: chrome(t, Some(&sess), "/import"),
        job: None,
        list: listing(t, &IMPORT_LIST, &p, recent, &import_columns()),
        guide: column_guide(t),
    }))
}

/// Starts the import as a job on the server and shows it (the page follows it until it ends).
pub(crate) async fn import(
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
    let format = if name.to_ascii_lowercase().ends_with(".xlsx") {
        FileFormat::Xlsx
    } else {
        FileFormat::Csv
    };
    let started = imports::start(&s.app, &sess.actor, &name, &bytes, format)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    if started.new {
        imports::spawn(s.app.clone(), started.job.id, sess.actor.clone());
    }
    Ok(Redirect::to(&format!("/import/{}", started.job.id)).into_response())
}

/// An import's progress (refreshed while it runs) and, at its end, its report.
pub(crate) async fn import_job(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<uuid::Uuid>,
) -> Result<Response, PageError> {
    let j = imports::get(&s.app, &sess.actor, id)
        .await
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
        error: (j.status == ImportStatus::Failed).then(|| t.get("import.failed_hint").to_owned()),
        file_name: j.file_name,
        rows: j.rows,
        done: j.done,
        created: j.created,
        rejected: j.rejected,
        ignored_columns: j.ignored_columns.join(", "),
        rejected_rows: j
            .report
            .map(|r| r.rejected_rows)
            .unwrap_or_default()
            .into_iter()
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
        title: t.get("import.title").to_owned(),
        c: chrome(t, Some(&sess), "/import"),
        job: Some(job),
        list: listing(
            t,
            &IMPORT_LIST,
            &ListParams::default(),
            Vec::new(),
            &import_columns(),
        ),
        guide: Vec::new(),
    }))
}

/// An ended import's rejected rows as a CSV download (the original columns plus the reason).
pub(crate) async fn import_rejected(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
    Path(id): Path<uuid::Uuid>,
) -> Result<Response, PageError> {
    let reasons = |errors: &[imports::RowError]| {
        errors
            .iter()
            .map(|e| rule_text(t, &e.field, &e.rule, &e.message, e.detail.as_deref()))
            .collect::<Vec<_>>()
            .join("；")
    };
    let file = imports::rejected_file(&s.app, &sess.actor, id, &ReaderWords(t), &reasons)
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

pub(crate) async fn export(
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
    let (bytes, _) = banyan_app::io::export(&s.app, &sess.actor, query, format, &ReaderWords(t))
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(crate::api::customers::download(format, bytes))
}
