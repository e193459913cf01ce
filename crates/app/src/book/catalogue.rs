//! The catalogue imported from a file (issue 14 §1, "importable"): a CSV or XLSX of products, one row each,
//! headed by the column names or by the workbench's labels in any of its languages. Each row is read and
//! checked like the product form (every broken rule named), then matched by its code: a new code adds the
//! product, a known one with other values changes it (a new version, the changed fields audited), the same
//! values change nothing. A preview (`dry_run`) says all of it and writes nothing; the import writes every
//! good row in one transaction — a refused row is left out, the rest land together or not at all — so
//! that loading the same file again changes nothing.

use super::{check, entry, input_of, row_of, version_row};
use crate::App;
use crate::actor::Actor;
use crate::audit;
use crate::error::{AppError, Result};
use crate::io::ImportWords;
use crate::tabular::{Source, SourceRow};
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::book::{
    CatalogueRowOutcome as RowOutcome, ProductInput, ProductKind, ProductStatus, RiskLevel,
};
use banyan_domain::money::{Currency, parse_major};
use banyan_store::book::{self as store, ProductRow};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::ToSchema;

/// The columns a catalogue file may have (the template's order), with the aliases each is also found by.
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("code", &[]),
    ("kind", &[]),
    ("name_zh_cn", &["name", "name_zh"]),
    ("name_zh_tw", &[]),
    ("name_en", &[]),
    ("currency", &[]),
    ("term_months", &[]),
    ("min_amount", &[]),
    ("risk_level", &[]),
    ("private", &[]),
    ("dual_recording", &[]),
    ("targets", &[]),
    ("status", &[]),
    ("launch_on", &[]),
    ("end_on", &[]),
];

/// Files larger than this are refused whole (a bank's catalogue is hundreds of products).
pub const MAX_ROWS: usize = 5_000;

/// One row of the file and what became of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = CatalogueRowReport)]
pub struct RowReport {
    /// The file's line (the header is line 1).
    pub line: usize,
    pub code: Option<String>,
    #[schema(value_type = String)]
    pub outcome: RowOutcome,
    /// The fields a change sets anew.
    pub changed: Vec<String>,
    /// Every broken rule of a refused row.
    #[schema(value_type = Vec<Object>)]
    pub errors: FieldErrors,
}

/// What an import did (or a preview would do).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogueReport {
    pub dry_run: bool,
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub rejected: u32,
    pub rows: Vec<RowReport>,
}

/// Imports (or with `dry_run` previews) a catalogue file (`product.manage`).
pub async fn import(
    app: &App,
    actor: &Actor,
    bytes: &[u8],
    xlsx: bool,
    words: &ImportWords,
    dry_run: bool,
) -> Result<CatalogueReport> {
    let grant = actor.require(Permission::ProductManage)?;
    let source = if xlsx {
        crate::tabular::read_xlsx(bytes)?
    } else {
        crate::tabular::read_csv(bytes)?
    };
    let source = &source;
    let columns = columns_of(source, words)?;
    if source.rows.len() > MAX_ROWS {
        return Err(AppError::field(
            "file",
            "too_many_rows",
            format!("at most {MAX_ROWS} products a file"),
        ));
    }
    let tx = app.db.begin_write().await?;
    let known: HashMap<String, ProductRow> = store::all_products(&*tx)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut rows = Vec::with_capacity(source.rows.len());
    let mut entries = Vec::new();
    for r in &source.rows {
        let (report, write) = row(app, actor, &columns, words, r, &known, &mut seen)?;
        if let (Some(w), false) = (write, dry_run) {
            entries.push(apply(&*tx, w).await?);
        }
        rows.push(report);
    }
    let count = |o: RowOutcome| rows.iter().filter(|r| r.outcome == o).count() as u32;
    let report = CatalogueReport {
        dry_run,
        created: count(RowOutcome::Created),
        updated: count(RowOutcome::Updated),
        unchanged: count(RowOutcome::Unchanged),
        rejected: count(RowOutcome::Rejected),
        rows,
    };
    if dry_run {
        // A preview reads only: nothing to commit.
        drop(tx);
        return Ok(report);
    }
    entries.push(audit::Entry {
        action: "product.import",
        entity: "product",
        entity_id: None,
        customer_id: None,
        detail: json!({"created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "rejected": report.rejected}),
    });
    audit::record(app, &*tx, &grant, entries).await?;
    tx.commit().await?;
    Ok(report)
}

/// A row's write: a new product, or a known one's new state with the fields that changed.
enum Write {
    Create(ProductRow),
    Update(ProductRow, i32, Vec<String>),
}

async fn apply<C: banyan_store::ConnectionTrait>(c: &C, w: Write) -> Result<audit::Entry> {
    match w {
        Write::Create(r) => {
            store::insert_product(c, &r).await?;
            store::insert_product_version(c, &version_row(&r)?).await?;
            Ok(entry(
                "product.create",
                &r,
                json!({"version": 1, "imported": true}),
            ))
        }
        Write::Update(r, read, fields) => {
            if !store::update_product(c, &r, read).await? {
                return Err(AppError::VersionConflict {
                    current_version: i64::from(read) + 1,
                    since: json!([]),
                });
            }
            store::insert_product_version(c, &version_row(&r)?).await?;
            Ok(entry(
                "product.update",
                &r,
                json!({"version": r.version, "fields": fields, "imported": true}),
            ))
        }
    }
}

/// Where each column is in the file; a file without the code, kind, name, currency, status and launch
/// columns is refused whole, naming them.
fn columns_of(source: &Source, words: &ImportWords) -> Result<HashMap<&'static str, usize>> {
    let mut at = HashMap::new();
    for (i, h) in source.headers.iter().enumerate() {
        if let Some(c) = words.column(h) {
            at.entry(c).or_insert(i);
        }
    }
    let missing: Vec<&str> = [
        "code",
        "kind",
        "name_zh_cn",
        "currency",
        "status",
        "launch_on",
    ]
    .into_iter()
    .filter(|c| !at.contains_key(c))
    .collect();
    if !missing.is_empty() {
        let mut e = FieldErrors::new();
        for m in missing {
            e.push(m, "column_missing", "the file has no such column");
        }
        return Err(AppError::Validation(e));
    }
    Ok(at)
}

/// Reads, checks and matches one row: its report, and what to write for it (saved by `actor`).
fn row(
    app: &App,
    actor: &Actor,
    columns: &HashMap<&'static str, usize>,
    words: &ImportWords,
    r: &SourceRow,
    known: &HashMap<String, ProductRow>,
    seen: &mut HashSet<String>,
) -> Result<(RowReport, Option<Write>)> {
    let rejected = |code: Option<String>, errors: FieldErrors| RowReport {
        line: r.line,
        code,
        outcome: RowOutcome::Rejected,
        changed: Vec::new(),
        errors,
    };
    let cells = match &r.cells {
        Ok(c) => c,
        Err(why) => {
            let mut e = FieldErrors::new();
            e.push("row", "unreadable", why.clone());
            return Ok((rejected(None, e), None));
        }
    };
    let cell = |c: &str| -> String {
        columns
            .get(c)
            .and_then(|i| cells.get(*i))
            .map(|v| words.value(c, v).trim().to_owned())
            .unwrap_or_default()
    };
    let code = Some(cell("code")).filter(|c| !c.is_empty());
    let p = match product_of(app, words, &cell) {
        Ok(p) => p,
        Err(e) => return Ok((rejected(code, e), None)),
    };
    match check(app, &p) {
        Ok(()) => {}
        Err(AppError::Validation(e)) => return Ok((rejected(code, e), None)),
        Err(e) => return Err(e),
    }
    if !seen.insert(p.code.clone()) {
        let mut e = FieldErrors::new();
        e.push(
            "code",
            "repeated_in_file",
            "an earlier row of the file has this code",
        );
        return Ok((rejected(code, e), None));
    }
    let report = |outcome, changed| RowReport {
        line: r.line,
        code: code.clone(),
        outcome,
        changed,
        errors: FieldErrors::new(),
    };
    Ok(match known.get(&p.code) {
        None => (
            report(RowOutcome::Created, Vec::new()),
            Some(Write::Create(row_of(uuid::Uuid::now_v7(), 1, &p, actor))),
        ),
        Some(old) => {
            let fields = super::changed_fields(&input_of(old), &p)?;
            if fields.is_empty() {
                return Ok((report(RowOutcome::Unchanged, Vec::new()), None));
            }
            let new = row_of(old.id, old.version + 1, &p, actor);
            (
                report(RowOutcome::Updated, fields.clone()),
                Some(Write::Update(new, old.version, fields)),
            )
        }
    })
}

/// A row's cells as a product: each cell that does not read names its column.
fn product_of(
    app: &App,
    words: &ImportWords,
    cell: &dyn Fn(&str) -> String,
) -> std::result::Result<ProductInput, FieldErrors> {
    let mut e = FieldErrors::new();
    let opt = |c: &str| Some(cell(c)).filter(|v| !v.is_empty());
    let kind = ProductKind::parse(&cell("kind"));
    if kind.is_none() {
        e.push("kind", "unknown", "is not a kind of product");
    }
    let currency = Currency::parse(&cell("currency").to_uppercase()).ok();
    if currency.is_none() {
        e.push("currency", "unknown", "is not a currency code (CNY, USD …)");
    }
    let status = ProductStatus::parse(&cell("status"));
    if status.is_none() {
        e.push("status", "unknown", "is not a product status");
    }
    let date = |e: &mut FieldErrors, c: &str| match opt(c).map(|v| v.parse::<jiff::civil::Date>()) {
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            e.push(c, "format", "must be a date, YYYY-MM-DD");
            None
        }
        None => None,
    };
    let launch_on = date(&mut e, "launch_on");
    if launch_on.is_none() && opt("launch_on").is_none() {
        e.push("launch_on", "required", "is required");
    }
    let end_on = date(&mut e, "end_on");
    let term_months = match opt("term_months").map(|v| v.parse::<u32>()) {
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => {
            e.push("term_months", "format", "must be a whole number of months");
            None
        }
        None => None,
    };
    let digits = currency.map_or(2, |c| app.currency_digits(c));
    let min_amount = match opt("min_amount").map(|v| parse_major(&v, digits)) {
        Some(Ok(m)) => m,
        Some(Err(_)) => {
            e.push("min_amount", "format", "must be an amount, e.g. 50,000.00");
            0
        }
        None => 0,
    };
    let risk_level = match opt("risk_level") {
        Some(v) => match RiskLevel::parse(&v.to_uppercase()) {
            Some(r) => Some(r),
            None => {
                e.push("risk_level", "unknown", "must be R1 to R5");
                None
            }
        },
        None => None,
    };
    let yes_no =
        |e: &mut FieldErrors, c: &str| match opt(c).as_deref().map(str::to_lowercase).as_deref() {
            None | Some("false" | "no" | "0" | "否") => false,
            Some("true" | "yes" | "1" | "是") => true,
            Some(_) => {
                e.push(c, "format", "must be yes or no (是/否)");
                false
            }
        };
    let private = yes_no(&mut e, "private");
    let dual_recording = yes_no(&mut e, "dual_recording");
    // Several targets are separated by semicolons; each is a code (`wealth_tier:gold`) or its words
    // (`财富等级:金卡`).
    let targets: Vec<String> = cell("targets")
        .split([';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| words.value("targets", t).trim().replace('：', ":"))
        .collect();
    let names: BTreeMap<String, String> = [
        ("zh-CN", "name_zh_cn"),
        ("zh-TW", "name_zh_tw"),
        ("en", "name_en"),
    ]
    .into_iter()
    .filter_map(|(lang, c)| opt(c).map(|n| (lang.to_owned(), n)))
    .collect();
    let (Some(kind), Some(currency), Some(status), Some(launch_on), true) =
        (kind, currency, status, launch_on, e.is_empty())
    else {
        return Err(e);
    };
    Ok(ProductInput {
        code: cell("code"),
        kind,
        names,
        currency,
        term_months,
        min_amount,
        risk_level,
        private,
        dual_recording,
        targets,
        status,
        launch_on,
        end_on,
    })
}

/// The catalogue as the import's template writes it: a row per product, every column (amounts in major
/// units), so that a file exported, edited and imported again changes only what was edited.
pub async fn template_rows(app: &App, actor: &Actor) -> Result<Vec<Vec<String>>> {
    actor.require(Permission::ProductManage)?;
    let products = store::all_products(&app.db.conn).await?;
    Ok(products
        .iter()
        .map(|p| {
            let i = input_of(p);
            let digits = app
                .policy()
                .book
                .currency(i.currency)
                .map_or(2, |c| c.digits);
            let name = |l: &str| i.names.get(l).cloned().unwrap_or_default();
            vec![
                i.code.clone(),
                i.kind.as_str().to_owned(),
                name("zh-CN"),
                name("zh-TW"),
                name("en"),
                i.currency.as_str().to_owned(),
                i.term_months.map(|m| m.to_string()).unwrap_or_default(),
                major(i.min_amount, digits),
                i.risk_level
                    .map(|r| r.as_str().to_owned())
                    .unwrap_or_default(),
                i.private.to_string(),
                i.dual_recording.to_string(),
                i.targets.join(";"),
                i.status.as_str().to_owned(),
                i.launch_on.to_string(),
                i.end_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect())
}

/// Minor units in major units without separators (`1000000.00`; `1000000` for a currency without minor
/// units).
fn major(minor: i64, digits: u8) -> String {
    let scale = 10i64.pow(u32::from(digits));
    match digits {
        0 => minor.to_string(),
        d => format!(
            "{}{}.{:0w$}",
            if minor < 0 { "-" } else { "" },
            minor.unsigned_abs() / scale.unsigned_abs(),
            minor.unsigned_abs() % scale.unsigned_abs(),
            w = usize::from(d)
        ),
    }
}
