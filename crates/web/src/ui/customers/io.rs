//! Import (CSV/XLSX with a per-row report and the rejected rows) and export.

use crate::AppState;
use crate::ui::customers::search::SearchQuery;
use crate::ui::forms::read_upload;
use crate::ui::page::{Chrome, PageError, Signed, SignedForm, check_csrf, chrome, page, session};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use banyan_app::AppError;
use banyan_app::customers::ListQuery;

#[derive(Template)]
#[template(path = "import.html")]
pub(crate) struct ImportPage {
    pub(crate) c: Chrome,
    pub(crate) title: String,
    pub(crate) report: Option<banyan_app::io::ImportReport>,
    pub(crate) rejected_csv: String,
}

pub(crate) async fn import_form(Signed { sess, t }: Signed) -> Result<Response, PageError> {
    if let Err(e) = banyan_app::io::may_import(&sess.actor) {
        return Err(PageError::App(e, t, Some(sess)));
    }
    Ok(page(ImportPage {
        title: t.get("import.title").to_owned(),
        c: chrome(t, Some(&sess), "/import"),
        report: None,
        rejected_csv: String::new(),
    }))
}

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
    let err = |e| PageError::App(e, t, Some(sess.clone()));
    let src = if name.to_ascii_lowercase().ends_with(".xlsx") {
        banyan_app::io::read_xlsx(&bytes)
    } else {
        banyan_app::io::read_csv(&bytes)
    }
    .map_err(err)?;
    let headers_row = src.headers.clone();
    let report = banyan_app::io::import(&s.app, &sess.actor, src, 500, |_, _| {})
        .await
        .map_err(err)?;
    let rejected_csv = String::from_utf8(
        banyan_app::io::rejected_csv(&headers_row, &report.rejected).map_err(err)?,
    )
    .unwrap_or_default();
    Ok(page(ImportPage {
        title: t.get("import.title").to_owned(),
        c: chrome(t, Some(&sess), "/import"),
        report: Some(report),
        rejected_csv,
    }))
}

/// Hands the rejected rows of an import back as a CSV download.
pub(crate) async fn import_rejected(
    SignedForm { f, .. }: SignedForm,
) -> Result<Response, PageError> {
    let csv = f.get("csv").cloned().unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rejected.csv\"",
            ),
        ],
        csv,
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
    let (bytes, _) = banyan_app::io::export(&s.app, &sess.actor, query, format)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok(crate::api::customers::download(format, bytes))
}
