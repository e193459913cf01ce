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

pub(crate) fn canonical_column(h: &str) -> Option<&'static str> {
    COLUMNS
        .iter()
        .find(|(n, aliases)| *n == h || aliases.contains(&h))
        .map(|(n, _)| *n)
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
