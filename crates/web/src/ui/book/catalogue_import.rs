//! The catalogue imported from a file on the workbench: the catalogue as a CSV in the reader's words (the
//! template: edit it and bring it back), the upload previewed first — what each row would do, every refused
//! row's rules in words — and the import only once confirmed.

use crate::AppState;
use crate::ui::forms::{field_errors_text, read_form_upload};
use crate::ui::i18n::{Lang, Tr};
use crate::ui::page::{
    Chrome, PageError, Signed, SignedForm, check_csrf, chrome, page_status, session,
};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use banyan_app::AppError;
use banyan_app::book::catalogue::{self as uc, CatalogueReport};
use banyan_app::tabular::Words;
use base64::Engine;

/// A catalogue file's headings and cells in a reader's words (a target `财富等级:金卡`).
struct CatalogueWords(Tr);

/// A target segment (`wealth_tier:gold`) in words (`财富等级:金卡`).
fn target_words(t: Tr, target: &str) -> String {
    match target.split_once(':') {
        Some((d, v)) => format!("{}:{}", t.of("dim", d), t.of(&format!("seg.{d}"), v)),
        None => target.to_owned(),
    }
}

/// The label of each column (the product form's).
fn label_key(column: &str) -> String {
    match column {
        "name_zh_cn" | "name_zh_tw" | "name_en" => format!("catalogue.col.{column}"),
        c => format!("field.{c}"),
    }
}

/// The family of a column's codes.
fn family(column: &str) -> Option<&'static str> {
    match column {
        "kind" => Some("product_kind"),
        "status" => Some("product_status"),
        _ => None,
    }
}

impl Words for CatalogueWords {
    fn heading(&self, column: &str) -> String {
        self.0.get(&label_key(column)).to_owned()
    }
    fn cell(&self, column: &str, value: &str) -> String {
        match (column, family(column)) {
            (_, Some(f)) => self.0.of(f, value),
            ("targets", _) => value
                .split(';')
                .filter(|v| !v.is_empty())
                .map(|v| target_words(self.0, v))
                .collect::<Vec<_>>()
                .join(";"),
            ("private" | "dual_recording", _) => match value {
                "true" => self.0.get("yes").to_owned(),
                _ => self.0.get("no").to_owned(),
            },
            _ => value.to_owned(),
        }
    }
    fn bom(&self) -> bool {
        // Excel on Windows reads UTF-8 only with it.
        true
    }
}

/// How catalogue files may write headings and values besides the column names and codes: as the workbench
/// labels them, in every language (`产品代码`, `Kind`; `在售`, `是`).
pub(crate) fn catalogue_words(app: &banyan_app::App) -> banyan_app::io::ImportWords {
    let mut w = banyan_app::io::ImportWords::of(uc::COLUMNS);
    let segments = banyan_app::segments::dimension_values(app);
    for lang in Lang::ALL {
        let t = Tr::new(lang);
        // Each target segment in words reads as its code (the file's targets are read one by one).
        let targets = w.values.entry("targets").or_default();
        for (d, values) in &segments {
            for v in values {
                let code = format!("{d}:{v}");
                let words = target_words(t, &code);
                targets.insert(words.to_lowercase(), code.clone());
                targets.insert(words, code);
            }
        }
        for (c, _) in uc::COLUMNS {
            let h = t.get(&label_key(c)).to_owned();
            w.headers.insert(h.to_lowercase(), c);
            w.headers.insert(h, c);
            let values = w.values.entry(c).or_default();
            if let Some(f) = family(c) {
                for (code, label) in t.family(f) {
                    values.insert(label.to_lowercase(), code.to_owned());
                    values.insert(label.to_owned(), code.to_owned());
                }
            }
            if matches!(*c, "private" | "dual_recording") {
                for (word, v) in [("yes", "true"), ("no", "false")] {
                    values.insert(t.get(word).to_lowercase(), v.to_owned());
                    values.insert(t.get(word).to_owned(), v.to_owned());
                }
            }
        }
    }
    w
}

/// A row of the report in words.
struct Line {
    line: usize,
    code: String,
    outcome: String,
    rejected: bool,
    detail: String,
}

#[derive(Template)]
#[template(path = "catalogue_import.html")]
struct ImportPage {
    c: Chrome,
    title: String,
    /// Every column: heading, whether required, what it takes.
    guide: Vec<(String, bool, String)>,
    error: Option<String>,
    /// The report, a preview or done.
    report: Option<(bool, String, Vec<Line>)>,
    /// A preview with something to write: the file again (base64), its name, and what confirming does.
    confirm: Option<(String, String, String)>,
}

fn guide(t: Tr) -> Vec<(String, bool, String)> {
    uc::COLUMNS
        .iter()
        .map(|(c, _)| {
            let required = matches!(
                *c,
                "code" | "kind" | "name_zh_cn" | "currency" | "status" | "launch_on"
            );
            let rule = match family(c) {
                Some(f) => {
                    let labels: Vec<&str> = t.family(f).into_iter().map(|(_, l)| l).collect();
                    t.get("import.choose").replace("{list}", &labels.join("、"))
                }
                None => t.get(&format!("catalogue.rule.{c}")).to_owned(),
            };
            (t.get(&label_key(c)).to_owned(), required, rule)
        })
        .collect()
}

fn view(
    sess: &banyan_app::access::Session,
    t: Tr,
    error: Option<String>,
    report: Option<CatalogueReport>,
    file: Option<(&str, &[u8])>,
) -> Response {
    let confirm = match (&report, file) {
        (Some(r), Some((name, bytes))) if r.dry_run && r.created + r.updated > 0 => Some((
            base64::engine::general_purpose::STANDARD.encode(bytes),
            name.to_owned(),
            t.get("catalogue.confirm")
                .replace("{created}", &r.created.to_string())
                .replace("{updated}", &r.updated.to_string()),
        )),
        _ => None,
    };
    let report = report.map(|r| {
        let summary = t
            .get(if r.dry_run {
                "catalogue.preview_summary"
            } else {
                "catalogue.done_summary"
            })
            .replace("{created}", &r.created.to_string())
            .replace("{updated}", &r.updated.to_string())
            .replace("{unchanged}", &r.unchanged.to_string())
            .replace("{rejected}", &r.rejected.to_string());
        let lines = r
            .rows
            .iter()
            .map(|l| Line {
                line: l.line,
                code: l.code.clone().unwrap_or_default(),
                outcome: t.of("catalogue_outcome", l.outcome.as_str()),
                rejected: !l.errors.is_empty(),
                detail: if l.errors.is_empty() {
                    l.changed
                        .iter()
                        .map(|f| crate::ui::labels::field_label(t, f))
                        .collect::<Vec<_>>()
                        .join("、")
                } else {
                    field_errors_text(t, &l.errors)
                },
            })
            .collect();
        (r.dry_run, summary, lines)
    });
    let failed = error.is_some();
    page_status(
        ImportPage {
            title: t.get("catalogue.import").to_owned(),
            c: chrome(t, Some(sess), "/products"),
            guide: guide(t),
            error,
            report,
            confirm,
        },
        failed,
    )
}

pub(super) async fn import_page(
    State(_): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    // Only those who keep the catalogue import it.
    if !sess.actor.offers().products {
        return Err(PageError::App(AppError::NotFound, t, Some(sess)));
    }
    Ok(view(&sess, t, None, None, None))
}

/// The upload: previewed, nothing written.
pub(super) async fn preview(
    State(s): State<AppState>,
    headers: HeaderMap,
    mp: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (sess, t) = session(&s, &headers).await?;
    let Some(up) = read_form_upload(mp).await else {
        let msg = crate::ui::forms::rule_text(t, "file", "required", "choose a file", None);
        return Ok(view(&sess, t, Some(msg), None, None));
    };
    check_csrf(&sess, t, up.csrf.as_deref())?;
    run(&s, &sess, t, &up.name, &up.bytes, true).await
}

/// The previewed file, confirmed: imported.
pub(super) async fn confirm(
    State(s): State<AppState>,
    SignedForm { sess, t, f }: SignedForm,
) -> Result<Response, PageError> {
    let name = f.get("file_name").cloned().unwrap_or_default();
    let Some(bytes) = f.get("file").and_then(|b| {
        base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
    }) else {
        let msg = crate::ui::forms::rule_text(t, "file", "required", "choose a file", None);
        return Ok(view(&sess, t, Some(msg), None, None));
    };
    run(&s, &sess, t, &name, &bytes, false).await
}

async fn run(
    s: &AppState,
    sess: &banyan_app::access::Session,
    t: Tr,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Response, PageError> {
    let xlsx = name.to_lowercase().ends_with(".xlsx");
    match uc::import(
        &s.app,
        &sess.actor,
        bytes,
        xlsx,
        &catalogue_words(&s.app),
        dry_run,
    )
    .await
    {
        Ok(r) => Ok(view(sess, t, None, Some(r), Some((name, bytes)))),
        Err(AppError::Validation(e)) => {
            let msg = field_errors_text(t, &e);
            Ok(view(sess, t, Some(msg), None, None))
        }
        Err(e) => Err(PageError::App(e, t, Some(sess.clone()))),
    }
}

/// The catalogue as a CSV in the reader's words: the import's template, filled with today's products.
pub(super) async fn template(
    State(s): State<AppState>,
    Signed { sess, t }: Signed,
) -> Result<Response, PageError> {
    let rows = uc::template_rows(&s.app, &sess.actor)
        .await
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    let columns: Vec<&str> = uc::COLUMNS.iter().map(|(c, _)| *c).collect();
    let body = banyan_app::tabular::write_csv_for(&CatalogueWords(t), &columns, rows)
        .map_err(|e| PageError::App(e, t, Some(sess.clone())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"catalogue.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
