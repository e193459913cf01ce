//! Reading customer files (CSV / XLSX) into create requests, the rejected-rows file, and export. An import
//! runs as a job on the server: `imports`.

use crate::App;
use crate::actor::Actor;
use crate::customers::{self, ListQuery};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::customer::CustomerInput;
use serde_json::{Map, Value, json};

/// Refuses those who may not import customers (the workbench shows the import form only to the others).
pub fn may_import(actor: &Actor) -> Result<()> {
    actor.require(Permission::CustomerImport).map(drop)
}

pub use crate::tabular::{Rejected, Source, SourceRow, read_csv, read_xlsx};

/// Column names accepted, with their aliases (the CRM-W1 benchmark file uses `full_name`).
const COLUMNS: &[(&str, &[&str])] = &[
    ("kind", &[]),
    ("branch_code", &["branch"]),
    ("rm_id", &[]),
    ("name_zh", &["full_name", "name"]),
    ("name_latin", &[]),
    ("gender", &[]),
    ("birth_date", &[]),
    ("nationality", &[]),
    ("id_type", &[]),
    ("id_number", &[]),
    ("id_expiry", &[]),
    ("occupation", &[]),
    ("employer", &[]),
    ("income_band", &[]),
    ("family_status", &[]),
    ("mobile", &["phone"]),
    ("email", &[]),
    ("address", &[]),
    ("registered_name", &[]),
    ("credit_code", &[]),
    ("legal_form", &[]),
    ("industry", &[]),
    ("employees", &[]),
    ("legal_representative", &[]),
    ("preferred_channel", &[]),
];

/// The columns an import file may have, by their names (the template's order).
pub fn import_columns() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(n, _)| *n)
}

/// Columns whose values are personal data: masked in a rejected-rows file unless its reader may reveal.
pub(crate) const SENSITIVE_COLUMNS: [&str; 5] =
    ["id_number", "mobile", "email", "address", "credit_code"];

/// Headings and values as the workbench's labels write them, in every language (from the web layer), for
/// one kind of file (customers or leads: each has its own columns).
#[derive(Debug, Clone)]
pub struct ImportWords {
    /// The file kind's column names with their aliases.
    pub columns: &'static [(&'static str, &'static [&'static str])],
    /// A heading (`证件号码`, `Document number`) -> its column.
    pub headers: std::collections::HashMap<String, &'static str>,
    /// Per column, a value's label (`个人`, `居民身份证`, `100万元及以上`) -> its code.
    pub values: std::collections::HashMap<&'static str, std::collections::HashMap<String, String>>,
}

impl Default for ImportWords {
    /// A customer file's column names and aliases, without labels (until the web layer gives them).
    fn default() -> Self {
        ImportWords::of(COLUMNS)
    }
}

impl ImportWords {
    /// The column names and aliases of a kind of file, without labels.
    pub fn of(columns: &'static [(&'static str, &'static [&'static str])]) -> Self {
        ImportWords {
            columns,
            headers: Default::default(),
            values: Default::default(),
        }
    }

    /// The column a heading names: a column name or alias, else a label of the column in any language.
    pub fn column(&self, h: &str) -> Option<&'static str> {
        let h = h.trim().trim_end_matches(['*', '＊']).trim();
        self.columns
            .iter()
            .find(|(n, aliases)| *n == h || aliases.contains(&h))
            .map(|(n, _)| *n)
            .or_else(|| self.headers.get(h).copied())
            .or_else(|| self.headers.get(&h.to_lowercase()).copied())
    }

    /// A cell as the API reads it: a label of one of the column's codes becomes the code.
    pub(crate) fn value(&self, column: &str, v: &str) -> String {
        let t = v.trim();
        self.values
            .get(column)
            .and_then(|m| m.get(t).or_else(|| m.get(&t.to_lowercase())))
            .cloned()
            .unwrap_or_else(|| v.to_owned())
    }
}

/// The template's example rows: an individual and a corporate that import as they are (codes, written
/// through the reader's words like any cell).
const TEMPLATE_ROWS: [&[(&str, &str)]; 2] = [
    &[
        ("kind", "individual"),
        ("branch_code", "BR0001"),
        ("name_zh", "张伟"),
        ("name_latin", "Zhang Wei"),
        ("gender", "male"),
        ("birth_date", "1990-03-07"),
        ("nationality", "CN"),
        ("id_type", "resident_id"),
        ("id_number", "330106199003072415"),
        ("occupation", "教师"),
        ("income_band", "from100k_to300k"),
        ("family_status", "married"),
        ("mobile", "13800138000"),
        ("email", "zhang.wei@example.com"),
        ("preferred_channel", "sms"),
    ],
    &[
        ("kind", "corporate"),
        ("branch_code", "BR0001"),
        ("registered_name", "杭州市嘉禾贸易有限公司"),
        ("credit_code", "91330100MA27XL0E2G"),
        ("legal_form", "limited_liability"),
        ("industry", "F"),
        ("employees", "120"),
        ("legal_representative", "李娜"),
        ("address", "杭州市西湖区文三路100号"),
        ("preferred_channel", "visit"),
    ],
];

/// An import template: every column headed in the reader's words, and two example rows (an individual
/// and a corporate) that import as they are; the headings and values are read back in any language.
pub fn template(format: Format, words: &dyn crate::tabular::Words) -> Result<Vec<u8>> {
    let columns: Vec<&str> = import_columns().collect();
    template_of(&columns, &TEMPLATE_ROWS, format, words)
}

/// A template of these columns with these example rows (column, code), in the reader's words.
pub(crate) fn template_of(
    columns: &[&str],
    examples: &[&[(&str, &str)]],
    format: Format,
    words: &dyn crate::tabular::Words,
) -> Result<Vec<u8>> {
    let rows: Vec<Vec<String>> = examples
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| {
                    r.iter()
                        .find(|(k, _)| k == c)
                        .map(|(_, v)| words.cell(c, v))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    let headings: Vec<String> = columns.iter().map(|c| words.heading(c)).collect();
    match format {
        Format::Csv => Ok(crate::tabular::with_bom(
            words,
            crate::tabular::write_csv(&headings, rows)?,
        )),
        Format::Xlsx => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            let x = |e: rust_xlsxwriter::XlsxError| {
                AppError::internal_from("writing the import template", e)
            };
            for (c, h) in headings.iter().enumerate() {
                ws.write_string(0, c as u16, h).map_err(x)?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    ws.write_string(r as u32 + 1, c as u16, v).map_err(x)?;
                }
            }
            wb.save_to_buffer().map_err(x)
        }
    }
}

/// Turns one row into a create request (JSON first, so every error names its field).
pub fn row_to_input(
    map: &std::collections::HashMap<&'static str, String>,
) -> Result<CustomerInput> {
    let get = |k: &str| map.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let kind = get("kind").unwrap_or("individual").to_lowercase();
    let mut v = Map::new();
    v.insert("kind".into(), json!(kind));
    v.insert(
        "branch_code".into(),
        json!(get("branch_code").unwrap_or_default()),
    );
    if let Some(r) = get("rm_id") {
        v.insert("rm_id".into(), json!(r));
    }
    if let Some(p) = get("preferred_channel") {
        v.insert("preferred_channel".into(), json!(p));
    }
    let mut contacts = Vec::new();
    for k in ["mobile", "email", "address"] {
        if let Some(val) = get(k) {
            contacts.push(json!({"kind": k, "value": val}));
        }
    }
    v.insert("contacts".into(), Value::Array(contacts));
    if kind == "individual" {
        let mut p = Map::new();
        for k in [
            "name_zh",
            "name_latin",
            "birth_date",
            "nationality",
            "id_expiry",
            "occupation",
            "employer",
            "income_band",
            "family_status",
        ] {
            if let Some(val) = get(k) {
                p.insert(k.into(), json!(val));
            }
        }
        if let Some(g) = get("gender") {
            let g = match g.to_lowercase().as_str() {
                "m" | "male" | "男" => "male".to_owned(),
                "f" | "female" | "女" => "female".to_owned(),
                other => other.to_owned(),
            };
            p.insert("gender".into(), json!(g));
        }
        p.insert(
            "id_type".into(),
            json!(get("id_type").unwrap_or("resident_id")),
        );
        p.insert(
            "id_number".into(),
            json!(get("id_number").unwrap_or_default()),
        );
        v.insert("individual".into(), Value::Object(p));
    } else {
        let mut o = Map::new();
        for k in [
            "registered_name",
            "legal_form",
            "industry",
            "legal_representative",
        ] {
            if let Some(val) = get(k) {
                o.insert(k.into(), json!(val));
            }
        }
        o.entry("registered_name").or_insert(json!(""));
        if let Some(e) = get("employees") {
            let n: u32 = e
                .parse()
                .map_err(|_| AppError::field("employees", "integer", "must be a whole number"))?;
            o.insert("employees".into(), json!(n));
        }
        o.insert(
            "credit_code".into(),
            json!(get("credit_code").unwrap_or_default()),
        );
        v.insert("organization".into(), Value::Object(o));
    }
    crate::json::from_value(Value::Object(v))
}

pub(crate) fn reason_of(e: &AppError) -> String {
    match e {
        AppError::Validation(f) => f.to_string(),
        other => other.to_string(),
    }
}

/// Why a batch item was refused, as one line: each broken rule with its field, or the conflict's message.
pub(crate) fn item_reason(err: &Value) -> String {
    match err.get("errors") {
        Some(Value::Array(es)) => es
            .iter()
            .map(|e| {
                format!(
                    "{}: {} ({})",
                    e["field"].as_str().unwrap_or(""),
                    e["message"].as_str().unwrap_or(""),
                    e["rule"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => err["message"].as_str().unwrap_or("rejected").to_owned(),
    }
}

/// The rejected rows as CSV: the original header and cells plus a `reason` column.
pub fn rejected_csv(headers: &[String], rejected: &[Rejected]) -> Result<Vec<u8>> {
    let mut h: Vec<String> = vec!["line".into()];
    h.extend(headers.iter().cloned());
    h.push("reason".into());
    crate::tabular::write_csv(
        &h,
        rejected.iter().map(|r| {
            let mut rec = vec![r.line.to_string()];
            rec.extend(r.cells.iter().cloned());
            rec.resize(headers.len() + 1, String::new());
            rec.push(r.reason.clone());
            rec
        }),
    )
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

const EXPORT_HEADERS: [&str; 10] = [
    "customer_no",
    "kind",
    "status",
    "branch_code",
    "display_name",
    "birth_date",
    "identifier",
    "mobile",
    "review_due",
    "version",
];

/// Exports every customer matching the query in the actor's scope (values masked), headed and coded in
/// `words` (the API's codes, or the reader's language in the workbench), and audits the export.
pub async fn export(
    app: &App,
    actor: &Actor,
    mut q: ListQuery,
    format: Format,
    words: &dyn crate::tabular::Words,
) -> Result<(Vec<u8>, usize)> {
    let grant = actor.require(Permission::CustomerExport)?;
    let mut rows: Vec<[String; 10]> = Vec::new();
    q.limit = Some(200);
    loop {
        let page = customers::list(app, actor, q.clone()).await?;
        for c in page.items {
            rows.push([
                c.customer_no,
                c.kind.as_str().to_owned(),
                c.status.as_str().to_owned(),
                c.branch_code,
                c.display_name,
                c.birth_date.unwrap_or_default(),
                c.identifier,
                c.mobile.unwrap_or_default(),
                c.review_due.unwrap_or_default(),
                c.version.to_string(),
            ]);
        }
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    let bytes = match format {
        Format::Csv => crate::tabular::write_csv_for(words, &EXPORT_HEADERS, &rows)?,
        Format::Xlsx => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            let x = |e: rust_xlsxwriter::XlsxError| {
                AppError::internal_from("writing the export file", e)
            };
            for (c, h) in EXPORT_HEADERS.iter().enumerate() {
                ws.write_string(0, c as u16, words.heading(h)).map_err(x)?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, (v, h)) in row.iter().zip(EXPORT_HEADERS).enumerate() {
                    ws.write_string(r as u32 + 1, c as u16, words.cell(h, v))
                        .map_err(x)?;
                }
            }
            wb.save_to_buffer().map_err(x)?
        }
    };
    let tx = app.db.begin_write().await?;
    crate::audit::record(app, &*tx, &grant, vec![crate::audit::Entry {
        action: "customer.export",
        entity: "customer",
        entity_id: None,
        customer_id: None,
        detail: json!({"rows": rows.len(), "format": if format == Format::Csv { "csv" } else { "xlsx" }}),
    }])
    .await?;
    tx.commit().await?;
    Ok((bytes, rows.len()))
}
