//! The bank's book: the product catalogue (here), the holdings the core system reports each day
//! (`holdings`), the figures derived from them for the policy engine (`figures`), and what a customer's
//! page shows of them (`view`).
//!
//! Who may do what: the catalogue is read by anyone who reads customers or manages it, and changed only
//! with `product.manage` (administrators); feeds are loaded with `book.load` (operations), bank-wide,
//! because the core system's file is the bank's; a customer's holdings are read within the customer scope.

pub mod activity;
pub mod catalogue;
pub mod figures;
pub mod files;
pub mod holdings;
pub mod insights;
pub mod loads;
pub mod monitoring;
pub mod sales;
pub mod view;

use crate::App;
use crate::actor::{Actor, Granted};
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::book::{ProductInput, ProductKind, ProductStatus, RiskLevel};
use banyan_store::book::{self as store, Names, ProductRow, ProductVersionRow, Targets};
use banyan_store::now_us;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

pub use holdings::HoldingsLoad;
pub use loads::{LoadReport, LoadView, RejectedFeedRow};
pub use view::{
    AumPoint, CustomerBook, HoldingLine, KindTotal, RiskTotal, TransactionLine, customer_book,
    customer_book_and_sales,
};

/// The most characters a note on a book record (an insight's decision, a sale) holds.
const NOTE_MAX: usize = 500;

/// A free-text note as stored: trimmed, none when blank, refused (naming `note`) when too long.
pub(crate) fn note(n: Option<String>) -> Result<Option<String>> {
    let n = n.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if n.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
        return Err(AppError::field(
            "note",
            "max_length",
            "must be at most 500 characters",
        ));
    }
    Ok(n)
}

/// The days of a report: `to` not before `from`, at most 366 days apart (a longer period is asked for in
/// parts); each broken rule names `to`.
/// Rows of many customers grouped by customer, in their order: the rules read each customer's own
/// (a filter of the whole chunk per customer was quadratic: 500 customers x 5,000 transactions a chunk).
pub(crate) fn by_customer<T>(
    items: &[T],
    key: impl Fn(&T) -> banyan_domain::ids::CustomerId,
) -> std::collections::HashMap<banyan_domain::ids::CustomerId, Vec<&T>> {
    let mut m: std::collections::HashMap<_, Vec<&T>> = std::collections::HashMap::new();
    for i in items {
        m.entry(key(i)).or_default().push(i);
    }
    m
}

pub(crate) fn report_days(from: jiff::civil::Date, to: jiff::civil::Date) -> Result<()> {
    if to < from {
        return Err(AppError::field(
            "to",
            "after_from",
            "must not be before from",
        ));
    }
    if (to - from).get_days() > 366 {
        return Err(AppError::field("to", "max_days", "at most 366 days"));
    }
    Ok(())
}

/// A product as the catalogue shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductView {
    pub id: Uuid,
    pub version: i32,
    pub product: ProductInput,
    /// When it was last saved (RFC 3339) and by whom (display name; none for the system).
    pub updated_at: String,
    pub updated_by: Option<String>,
}

/// A saved state of a product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductVersionView {
    pub version: i32,
    pub product: ProductInput,
    pub changed_at: String,
    /// Display name; none for the system.
    pub changed_by: Option<String>,
}

/// A change to a product, at the version it was read.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductChange {
    pub version: i32,
    pub product: ProductInput,
}

/// Filters of the catalogue.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ProductQuery {
    pub kind: Option<ProductKind>,
    pub status: Option<ProductStatus>,
    pub risk_level: Option<RiskLevel>,
    /// Part of the code or of a name.
    pub q: Option<String>,
}

/// Reading the catalogue: staff who read customers (to advise on what is sold) and those who manage it.
fn may_read(actor: &Actor) -> Result<Granted<'_>> {
    actor
        .require(Permission::ProductManage)
        .or_else(|_| actor.require(Permission::CustomerRead))
}

fn input_of(r: &ProductRow) -> ProductInput {
    ProductInput {
        code: r.code.clone(),
        kind: r.kind,
        names: r.names.0.clone(),
        currency: r.currency,
        term_months: r.term_months.and_then(|m| u32::try_from(m).ok()),
        min_amount: r.min_amount,
        risk_level: r.risk_level,
        private: r.private,
        dual_recording: r.dual_recording,
        targets: r.targets.0.clone(),
        status: r.status,
        launch_on: r.launch_on,
        end_on: r.end_on,
    }
}

async fn view_of(app: &App, r: &ProductRow) -> Result<ProductView> {
    Ok(ProductView {
        id: r.id,
        version: r.version,
        product: input_of(r),
        updated_at: crate::fmt_us(r.updated_at_us),
        updated_by: staff_name(app, r.updated_by).await?,
    })
}

/// A staff member's display name; `None` for the system (a CLI or a job) — staff are disabled, never
/// deleted, so a stored id always names someone.
async fn staff_name(app: &App, id: banyan_domain::ids::StaffId) -> Result<Option<String>> {
    if id.is_nil() {
        return Ok(None);
    }
    Ok(crate::access::find_staff(app, id.uuid()).await?.map(|s| {
        if s.display_name.trim().is_empty() {
            s.username
        } else {
            s.display_name
        }
    }))
}

/// The currencies the book accepts (the policy's), CNY first.
pub fn currencies(app: &App) -> Vec<String> {
    app.policy()
        .book
        .currencies
        .iter()
        .map(|c| c.code.clone())
        .collect()
}

/// Checks a product against the policy's segments and the rules of its kind.
fn check(app: &App, p: &ProductInput) -> Result<()> {
    let dims = app.policy().segments.dimension_values();
    let known = |d: &str, v: &str| {
        dims.iter()
            .any(|(dim, values)| *dim == d && values.iter().any(|x| x == v))
    };
    p.check(known).into_result().map_err(AppError::Validation)?;
    if app.policy().book.currency(p.currency).is_none() {
        return Err(AppError::field(
            "currency",
            "unknown",
            "is not a currency the book accepts (policy book.currencies)",
        ));
    }
    Ok(())
}

fn row_of(id: Uuid, version: i32, p: &ProductInput, by: &Actor) -> ProductRow {
    ProductRow {
        id,
        code: p.code.trim().to_owned(),
        kind: p.kind,
        names: Names(
            p.names
                .iter()
                .filter(|(_, n)| !n.trim().is_empty())
                .map(|(l, n)| (l.clone(), n.trim().to_owned()))
                .collect(),
        ),
        currency: p.currency,
        term_months: p.term_months.and_then(|m| i32::try_from(m).ok()),
        min_amount: p.min_amount,
        risk_level: p.risk_level,
        private: p.private,
        dual_recording: p.dual_recording,
        targets: Targets(p.targets.iter().map(|t| t.trim().to_owned()).collect()),
        status: p.status,
        launch_on: p.launch_on,
        end_on: p.end_on,
        version,
        updated_at_us: now_us(),
        updated_by: by.id,
    }
}

fn version_row(r: &ProductRow) -> Result<ProductVersionRow> {
    Ok(ProductVersionRow {
        id: Uuid::now_v7(),
        product_id: r.id,
        version: r.version,
        data: serde_json::to_string(&input_of(r))
            .map_err(|e| AppError::internal_from("product as JSON", e))?,
        changed_by: r.updated_by,
        changed_at_us: r.updated_at_us,
    })
}

fn code_taken() -> AppError {
    AppError::field("code", "taken", "another product has this code")
}

/// Adds a product to the catalogue (version 1, kept in its history, audited).
pub async fn create_product(app: &App, actor: &Actor, p: ProductInput) -> Result<ProductView> {
    let grant = actor.require(Permission::ProductManage)?;
    check(app, &p)?;
    let row = row_of(Uuid::now_v7(), 1, &p, actor);
    let tx = app.db.begin_write().await?;
    store::insert_product(&*tx, &row).await.map_err(|e| {
        if e.is_conflict_on("products_code") {
            code_taken()
        } else {
            e.into()
        }
    })?;
    store::insert_product_version(&*tx, &version_row(&row)?).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![entry("product.create", &row, json!({"version": 1}))],
    )
    .await?;
    let v = view_of(app, &row).await?;
    crate::idempotency::commit(tx, actor, 201, &v).await?;
    Ok(v)
}

fn entry(action: &'static str, r: &ProductRow, detail: serde_json::Value) -> Entry {
    Entry {
        action,
        entity: "product",
        entity_id: Some(r.code.clone()),
        customer_id: None,
        detail,
    }
}

/// Replaces a product as read at `version` (its code stays); the fields that changed are audited and the
/// new state is kept in its history.
pub async fn update_product(
    app: &App,
    actor: &Actor,
    id: Uuid,
    change: ProductChange,
) -> Result<ProductView> {
    let grant = actor.require(Permission::ProductManage)?;
    let tx = app.db.begin_write().await?;
    let Some(old) = store::find_product(&*tx, id).await? else {
        return Err(AppError::NotFound);
    };
    if change.product.code.trim() != old.code {
        return Err(AppError::field(
            "code",
            "immutable",
            "a product's code cannot change (the core system's files name it)",
        ));
    }
    check(app, &change.product)?;
    if change.version != old.version {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version),
            since: json!([]),
        });
    }
    let row = row_of(id, old.version + 1, &change.product, actor);
    if !store::update_product(&*tx, &row, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version) + 1,
            since: json!([]),
        });
    }
    store::insert_product_version(&*tx, &version_row(&row)?).await?;
    let changed = changed_fields(&input_of(&old), &change.product)?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![entry(
            "product.update",
            &row,
            json!({"version": row.version, "fields": changed}),
        )],
    )
    .await?;
    let v = view_of(app, &row).await?;
    tx.commit().await?;
    Ok(v)
}

/// The names of the fields that differ between two states of a product.
fn changed_fields(old: &ProductInput, new: &ProductInput) -> Result<Vec<String>> {
    let as_map = |p: &ProductInput| -> Result<serde_json::Map<String, serde_json::Value>> {
        match serde_json::to_value(p) {
            Ok(serde_json::Value::Object(m)) => Ok(m),
            Ok(_) => Err(AppError::internal("a product is not a JSON object")),
            Err(e) => Err(AppError::internal_from("product as JSON", e)),
        }
    };
    let (a, b) = (as_map(old)?, as_map(new)?);
    Ok(b.iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect())
}

/// The catalogue, by code, filtered.
pub async fn products(app: &App, actor: &Actor, q: &ProductQuery) -> Result<Vec<ProductView>> {
    may_read(actor)?;
    let needle =
        q.q.as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
    let mut out = Vec::new();
    for r in store::all_products(&app.db.conn).await? {
        let hit = q.kind.is_none_or(|k| k == r.kind)
            && q.status.is_none_or(|s| s == r.status)
            && q.risk_level.is_none_or(|l| Some(l) == r.risk_level)
            && needle.as_deref().is_none_or(|n| {
                r.code.to_lowercase().contains(n)
                    || r.names.0.values().any(|x| x.to_lowercase().contains(n))
            });
        if hit {
            out.push(view_of(app, &r).await?);
        }
    }
    Ok(out)
}

/// The names (by language) of the products with these codes, for the codes a record keeps (an insight's
/// evidence) shown in words; a code no longer in the catalogue is left out.
pub async fn product_names(
    app: &App,
    actor: &Actor,
    codes: &[String],
) -> Result<std::collections::HashMap<String, std::collections::BTreeMap<String, String>>> {
    may_read(actor)?;
    if codes.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(store::all_products(&app.db.conn)
        .await?
        .into_iter()
        .filter(|p| codes.contains(&p.code))
        .map(|p| (p.code, p.names.0))
        .collect())
}

/// One product.
pub async fn product(app: &App, actor: &Actor, id: Uuid) -> Result<ProductView> {
    may_read(actor)?;
    let r = store::find_product(&app.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    view_of(app, &r).await
}

/// A product's saved states, newest first.
pub async fn product_versions(
    app: &App,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<ProductVersionView>> {
    may_read(actor)?;
    if store::find_product(&app.db.conn, id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let mut out = Vec::new();
    for v in store::product_versions(&app.db.conn, id).await? {
        let product: ProductInput = serde_json::from_str(&v.data).map_err(|e| {
            AppError::internal_from(format!("product_versions.data of {}", v.id), e)
        })?;
        out.push(ProductVersionView {
            version: v.version,
            product,
            changed_at: crate::fmt_us(v.changed_at_us),
            changed_by: staff_name(app, v.changed_by).await?,
        });
    }
    Ok(out)
}
