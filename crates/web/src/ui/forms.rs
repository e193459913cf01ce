//! Pieces that several pages share: select options, field errors in the user's language, form values,
//! uploads, and how a page shows a refused write.

use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::labels::field_label;
use askama::Template;
use banyan_app::AppError;
use banyan_domain::customer::{CustomerKind, CustomerStatus};
use std::collections::{BTreeMap, HashMap};

/// A value and its label.
pub(crate) type Pair = (String, String);

/// An option of a select: (value, label, selected).
pub(crate) type Choice = (String, String, bool);

/// The version a customer-page form was rendered at (its hidden `version` input).
pub(crate) fn form_version(f: &HashMap<String, String>) -> Option<i64> {
    f.get("version").and_then(|v| v.parse().ok())
}

/// A form value as typed; a field the browser did not send reads as empty, which the use case refuses in
/// words where the field is required.
pub(crate) fn form_raw(f: &HashMap<String, String>, k: &str) -> String {
    f.get(k).map_or_else(String::new, String::clone)
}

/// A form value, trimmed; `None` when empty.
pub(crate) fn form_text(f: &HashMap<String, String>, k: &str) -> Option<String> {
    f.get(k)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Reads the multipart form: the CSRF token, then the file (name and bytes).
pub(crate) async fn read_upload(
    mp: axum::extract::Multipart,
) -> Option<(Option<String>, String, Vec<u8>)> {
    let up = read_form_upload(mp).await?;
    Some((up.csrf, up.name, up.bytes))
}

/// A multipart form with a file: the CSRF token, the file, and the form's other fields.
pub(crate) struct Upload {
    pub(crate) csrf: Option<String>,
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) fields: HashMap<String, String>,
}

/// Reads a multipart form with a file and other fields; `None` when it has no file.
pub(crate) async fn read_form_upload(mut mp: axum::extract::Multipart) -> Option<Upload> {
    let mut csrf = None;
    let mut file = None;
    let mut fields = HashMap::new();
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name().map(str::to_owned).as_deref() {
            Some("_csrf") => csrf = field.text().await.ok(),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.csv").to_owned();
                file = Some((name, field.bytes().await.ok()?.to_vec()));
            }
            Some(other) => {
                if let Ok(v) = field.text().await {
                    fields.insert(other.to_owned(), v);
                }
            }
            None => {}
        }
    }
    let (name, bytes) = file?;
    Some(Upload {
        csrf,
        name,
        bytes,
        fields,
    })
}

/// What a page says when a use case refuses a form the user can correct on the same page (bad input, a
/// state or version conflict, a rule that forbids it), in the user's language; any other error goes back
/// for the error page.
pub(crate) fn refusal(t: Tr, e: AppError) -> Result<String, AppError> {
    match e {
        AppError::Validation(v) => Ok(field_errors_text(t, &v)),
        e => crate::ui::labels::refusal_text(t, &e).ok_or(e),
    }
}

/// Field errors in the user's language: `field: rule; ...`.
pub(crate) fn field_errors_text(t: Tr, e: &banyan_domain::FieldErrors) -> String {
    field_errors_named(t, e, &HashMap::new())
}

/// [`field_errors_text`], naming the fields of `named` (a path → its label) by those labels: the bank's own
/// custom fields (`custom.group_code` → 集团编号), which the registry of display labels cannot know.
pub(crate) fn field_errors_named(
    t: Tr,
    e: &banyan_domain::FieldErrors,
    named: &HashMap<String, String>,
) -> String {
    e.0.iter()
        .map(|e| match named.get(&e.field) {
            Some(label) => format!("{label}: {}", t.rule(&e.rule, &e.message)),
            None => rule_text(t, &e.field, &e.rule, &e.message, None),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One broken rule in the user's language: `field: rule` (`rule` alone for the whole row), with the detail
/// (an existing record's number) after a dash.
pub(crate) fn rule_text(
    t: Tr,
    field: &str,
    rule: &str,
    message: &str,
    detail: Option<&str>,
) -> String {
    let words = t.rule(rule, message);
    let head = match field {
        "" => words.into_owned(),
        f => format!("{}: {words}", field_label(t, f)),
    };
    match detail {
        Some(d) => format!("{head} — {d}"),
        None => head,
    }
}

/// The segment filters a form offers (dimension, label, options with the chosen one selected).
pub(crate) fn segment_choices(
    app: &banyan_app::App,
    t: Tr,
    chosen: &BTreeMap<String, String>,
) -> Vec<(&'static str, String, Vec<Choice>)> {
    banyan_app::segments::dimension_values(app)
        .into_iter()
        .filter(|(d, _)| SEGMENT_FILTERS.contains(d))
        .map(|(d, values)| {
            let chosen = chosen.get(d).cloned().unwrap_or_default();
            (
                d,
                t.of("dim", d),
                values
                    .into_iter()
                    .map(|v| {
                        let label = t.of(&format!("seg.{d}"), &v);
                        let sel = v == chosen;
                        (v, label, sel)
                    })
                    .collect(),
            )
        })
        .collect()
}

/// The segment dimensions the search page filters by.
pub(crate) const SEGMENT_FILTERS: [&str; 8] = [
    "age_group",
    "asset_tier",
    "wealth_tier",
    "risk_rating",
    "credit_grade",
    "company_size",
    "lifecycle_stage",
    "value_tier",
];

pub(crate) fn kind_key(k: CustomerKind) -> &'static str {
    match k {
        CustomerKind::Individual => "kind.individual",
        CustomerKind::Corporate => "kind.corporate",
        CustomerKind::Institution => "kind.institution",
    }
}

pub(crate) fn status_key(s: CustomerStatus) -> &'static str {
    match s {
        CustomerStatus::Draft => "status.draft",
        CustomerStatus::Submitted => "status.submitted",
        CustomerStatus::Verified => "status.verified",
        CustomerStatus::Returned => "status.returned",
        CustomerStatus::Merged => "status.merged",
        CustomerStatus::Restricted => "status.restricted",
        CustomerStatus::Erased => "status.erased",
    }
}

/// A `datetime-local` value in the bank's time zone as an RFC 3339 instant (other text passes through,
/// so the use case names the field if it is not a time).
pub(crate) fn local_instant(s: &AppState, v: &str) -> String {
    v.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|d| d.to_zoned(s.app.tz.clone()).ok())
        .map(|z| z.timestamp().to_string())
        .unwrap_or_else(|| v.to_owned())
}

/// A horizontal bar chart, drawn as server-rendered SVG: one bar per row, 24 px apart; labels and texts are
/// escaped by the template like any other value.
#[derive(Debug, Default)]
pub(crate) struct Chart {
    pub(crate) height: u32,
    pub(crate) bars: Vec<Bar>,
}

/// One bar of a [`Chart`].
#[derive(Debug)]
pub(crate) struct Bar {
    pub(crate) y: u32,
    pub(crate) label: String,
    /// Width in pixels, of 300.
    pub(crate) width: u32,
    pub(crate) text: String,
}

impl Chart {
    /// A chart of `(label, width of 300, text)` bars, top to bottom.
    pub(crate) fn new(bars: impl IntoIterator<Item = (String, u32, String)>) -> Chart {
        let bars: Vec<Bar> = bars
            .into_iter()
            .zip(0u32..)
            .map(|((label, width, text), i)| Bar {
                y: 24 * i + 4,
                label,
                width,
                text,
            })
            .collect();
        Chart {
            height: 24 * bars.len() as u32 + 8,
            bars,
        }
    }
}

#[derive(Template)]
#[template(path = "owner_suggest.html")]
pub(crate) struct StaffSuggestions {
    t: Tr,
    /// (username, name, department in words).
    items: Vec<(String, String, String)>,
}

/// A staff picker's suggestions (the case owner, the staff member who goes on a visit): name, username and
/// department, picked by username. Served with `page::fresh_page` (who may be picked changes).
pub(crate) fn staff_suggestions(
    t: Tr,
    staff: Vec<banyan_app::access::StaffView>,
) -> StaffSuggestions {
    let items = staff
        .into_iter()
        .map(|x| {
            let dept = x
                .department
                .as_deref()
                .map(|d| crate::ui::labels::department(t, d))
                .unwrap_or_default();
            (x.username, x.display_name, dept)
        })
        .collect();
    StaffSuggestions { t, items }
}
