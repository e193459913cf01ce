//! The book's tables: products and their versions, accounts, daily holdings, and the loads that brought
//! them in.

pub mod activity;
pub mod insights;
pub mod monitoring;
pub mod sales;

use crate::error::Result;
use crate::table::{self, Table};
use banyan_domain::book::{AccountStatus, ProductKind, ProductStatus, RiskLevel};
use banyan_domain::ids::{CustomerId, StaffId};
use banyan_domain::imports::ImportStatus;
use banyan_domain::money::Currency;
use jiff::civil::Date;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, OnConflict, Order, Query};
use std::collections::BTreeMap;
use uuid::Uuid;

crate::enum_col!(ProductKind, ProductStatus, RiskLevel, AccountStatus);

/// Names by language, stored as a JSON object.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Names(pub BTreeMap<String, String>);

/// Target segments (`dimension:value`), stored as a JSON list.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Targets(pub Vec<String>);

crate::json_col!(Names, Targets);

crate::table! {
    /// A product of the catalogue as it stands now.
    pub struct ProductRow in "products" {
        pub id: Uuid,
        pub code: String,
        pub kind: ProductKind,
        pub names: Names,
        pub currency: Currency,
        pub term_months: Option<i32>,
        pub min_amount: i64,
        pub risk_level: Option<RiskLevel>,
        pub private: bool,
        pub dual_recording: bool,
        pub targets: Targets,
        pub status: ProductStatus,
        pub launch_on: Date,
        pub end_on: Option<Date>,
        pub version: i32,
        pub updated_at_us: i64,
        pub updated_by: StaffId,
    }
}

crate::table! {
    /// A saved state of a product (the input as it was saved, JSON).
    pub struct ProductVersionRow in "product_versions" {
        pub id: Uuid,
        pub product_id: Uuid,
        pub version: i32,
        pub data: String,
        pub changed_by: StaffId,
        pub changed_at_us: i64,
    }
}

crate::table! {
    /// An account as the core system knows it, with its latest state.
    pub struct AccountRow in "accounts" {
        pub id: Uuid,
        pub source: String,
        pub account_no: String,
        pub customer_id: CustomerId,
        pub product_id: Uuid,
        pub currency: Currency,
        pub status: AccountStatus,
        pub opened_on: Date,
        pub closed_on: Option<Date>,
        /// The latest business date a load reported it.
        pub last_as_of: Date,
        pub updated_at_us: i64,
    }
}

crate::table! {
    /// One account on one business date.
    pub struct HoldingRow in "holdings" {
        pub account_id: Uuid,
        pub as_of: Date,
        pub customer_id: CustomerId,
        pub status: AccountStatus,
        pub balance: i64,
        pub credit_limit: Option<i64>,
        pub outstanding: Option<i64>,
        pub days_past_due: i32,
        pub load_id: Uuid,
    }
}

crate::table! {
    /// A feed load: what came in, and what it did.
    pub struct BookLoadRow in "book_loads" {
        pub id: Uuid,
        /// `holdings` (later: `transactions`, `events`).
        pub kind: String,
        pub source: String,
        pub as_of: Date,
        pub file_name: String,
        pub status: ImportStatus,
        pub rows: i64,
        pub loaded: i64,
        pub unchanged: i64,
        pub rejected: i64,
        /// Customers whose figures were derived again.
        pub customers: i64,
        pub actor_id: StaffId,
        pub actor: String,
        pub error: Option<String>,
        pub created_at_us: i64,
        pub finished_at_us: Option<i64>,
        /// A transactions load: when its rows were read by monitoring (none: not yet).
        pub monitored_at_us: Option<i64>,
        /// A file load run as a job: the process running it, and until when its claim holds (each chunk
        /// renews it). None for a load run within its request.
        pub node: Option<String>,
        pub lease_until_us: Option<i64>,
    }
}

crate::table! {
    /// The file of a load run as a job, encrypted, kept until the load ends.
    pub struct BookLoadFileRow in "book_load_files" {
        pub load_id: Uuid,
        pub data: Vec<u8>,
    }
}

crate::table! {
    /// A row a load rejected, with the broken rules (JSON list of field errors).
    pub struct BookRejectRow in "book_load_rejects" {
        pub id: Uuid,
        pub load_id: Uuid,
        pub line: i64,
        pub account_no: String,
        pub errors: String,
    }
}

pub async fn insert_product<C: ConnectionTrait>(c: &C, r: &ProductRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Replaces a product if it is still at `expected`; false when someone saved it first.
pub async fn update_product<C: ConnectionTrait>(
    c: &C,
    r: &ProductRow,
    expected: i32,
) -> Result<bool> {
    table::update_versioned(c, r, r.id, &["code"], "version", expected).await
}

pub async fn insert_product_version<C: ConnectionTrait>(
    c: &C,
    r: &ProductVersionRow,
) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

pub async fn product_versions<C: ConnectionTrait>(
    c: &C,
    product_id: Uuid,
) -> Result<Vec<ProductVersionRow>> {
    let q = table::select::<ProductVersionRow>()
        .and_where(Expr::col("product_id").eq(product_id))
        .order_by("version", Order::Desc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn find_product<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<ProductRow>> {
    let q = table::select::<ProductRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

/// The whole catalogue by code (a bank's catalogue is hundreds of products, read whole).
/// The product with this catalogue code.
pub async fn product_by_code<C: ConnectionTrait>(c: &C, code: &str) -> Result<Option<ProductRow>> {
    let q = table::select::<ProductRow>()
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    table::one(c, &q).await
}

pub async fn all_products<C: ConnectionTrait>(c: &C) -> Result<Vec<ProductRow>> {
    let q = table::select::<ProductRow>()
        .order_by("code", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// The products with these ids (a page reads the products it shows, not the catalogue).
pub async fn products_by_ids<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<ProductRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<ProductRow>()
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .to_owned();
    table::all(c, &q).await
}

/// The accounts of `source` among `numbers`.
pub async fn accounts_by_number<C: ConnectionTrait>(
    c: &C,
    source: &str,
    numbers: &[String],
) -> Result<Vec<AccountRow>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<AccountRow>()
        .and_where(Expr::col("source").eq(source))
        .and_where(Expr::col("account_no").is_in(numbers.iter().cloned()))
        .to_owned();
    table::all(c, &q).await
}

/// The accounts of any source with this number.
pub async fn accounts_with_number<C: ConnectionTrait>(
    c: &C,
    number: &str,
) -> Result<Vec<AccountRow>> {
    let q = table::select::<AccountRow>()
        .and_where(Expr::col("account_no").eq(number))
        .to_owned();
    table::all(c, &q).await
}

/// The accounts with these ids.
pub async fn accounts_by_ids<C: ConnectionTrait>(c: &C, ids: &[Uuid]) -> Result<Vec<AccountRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<AccountRow>()
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .to_owned();
    table::all(c, &q).await
}

/// Writes accounts: new ones inserted, known ones (same source and number) given their latest state.
pub async fn upsert_accounts<C: ConnectionTrait>(c: &C, rows: &[AccountRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table(AccountRow::NAME)
        .columns(AccountRow::COLUMNS.iter().copied());
    for r in rows {
        q.values_panic(r.values());
    }
    q.on_conflict(
        OnConflict::columns(["source", "account_no"])
            .update_columns([
                "customer_id",
                "product_id",
                "currency",
                "status",
                "opened_on",
                "closed_on",
                "last_as_of",
                "updated_at_us",
            ])
            .to_owned(),
    );
    c.execute(&q).await?;
    Ok(())
}

/// The snapshots of these accounts on one business date.
pub async fn holdings_on<C: ConnectionTrait>(
    c: &C,
    accounts: &[Uuid],
    as_of: Date,
) -> Result<Vec<HoldingRow>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<HoldingRow>()
        .and_where(Expr::col("account_id").is_in(accounts.iter().copied()))
        .and_where(Expr::col("as_of").eq(as_of.to_string()))
        .to_owned();
    table::all(c, &q).await
}

/// Writes snapshots; a second load of an account for the same date replaces the first.
pub async fn upsert_holdings<C: ConnectionTrait>(c: &C, rows: &[HoldingRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table(HoldingRow::NAME)
        .columns(HoldingRow::COLUMNS.iter().copied());
    for r in rows {
        q.values_panic(r.values());
    }
    q.on_conflict(
        OnConflict::columns(["account_id", "as_of"])
            .update_columns([
                "customer_id",
                "status",
                "balance",
                "credit_limit",
                "outstanding",
                "days_past_due",
                "load_id",
            ])
            .to_owned(),
    );
    c.execute(&q).await?;
    Ok(())
}

/// Every account of these customers.
pub async fn customer_accounts<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
) -> Result<Vec<AccountRow>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<AccountRow>()
        .and_where(Expr::col("customer_id").is_in(customers.iter().map(|c| c.uuid())))
        .order_by("opened_on", Order::Asc)
        .order_by("account_no", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// A customer's accounts, each with its product and its latest snapshot (the one of its `last_as_of`; none
/// when retention removed it), in opening order — the customer's page in one statement instead of three.
pub async fn customer_book<C: ConnectionTrait>(
    c: &C,
    customer: CustomerId,
) -> Result<Vec<(AccountRow, ProductRow, Option<HoldingRow>)>> {
    let mut q = table::select::<AccountRow>();
    table::select_prefixed::<ProductRow>(&mut q, "p_");
    table::select_prefixed::<HoldingRow>(&mut q, "h_");
    q.inner_join(
        ProductRow::NAME,
        Expr::col((ProductRow::NAME, "id")).equals((AccountRow::NAME, "product_id")),
    )
    .left_join(
        HoldingRow::NAME,
        Expr::col((HoldingRow::NAME, "account_id"))
            .equals((AccountRow::NAME, "id"))
            .and(Expr::col((HoldingRow::NAME, "as_of")).equals((AccountRow::NAME, "last_as_of"))),
    )
    .and_where(Expr::col((AccountRow::NAME, "customer_id")).eq(customer.uuid()))
    .order_by((AccountRow::NAME, "opened_on"), Order::Asc)
    .order_by((AccountRow::NAME, "account_no"), Order::Asc);
    c.query_all(&q)
        .await?
        .iter()
        .map(|r| {
            let holding = match r.try_get::<Option<Uuid>>("", "h_account_id")? {
                Some(_) => Some(HoldingRow::read_prefixed(r, "h_")?),
                None => None,
            };
            Ok((
                AccountRow::read(r)?,
                ProductRow::read_prefixed(r, "p_")?,
                holding,
            ))
        })
        .collect()
}

/// The snapshots of these customers from `since` to `until` (business dates, both included).
pub async fn customer_holdings<C: ConnectionTrait>(
    c: &C,
    customers: &[CustomerId],
    since: Date,
    until: Date,
) -> Result<Vec<HoldingRow>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<HoldingRow>()
        .and_where(Expr::col("customer_id").is_in(customers.iter().map(|c| c.uuid())))
        .and_where(Expr::col("as_of").gte(since.to_string()))
        .and_where(Expr::col("as_of").lte(until.to_string()))
        .order_by("as_of", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

pub async fn insert_load<C: ConnectionTrait>(c: &C, r: &BookLoadRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(r)).await
}

/// Writes a load's counts and status (each chunk advances them in its own transaction) — only while the
/// load is still held by the same runner (`node`): false when another runner has taken it over.
pub async fn update_load<C: ConnectionTrait>(c: &C, r: &BookLoadRow) -> Result<bool> {
    let mut q = Query::update();
    q.table(BookLoadRow::NAME);
    for (col, v) in BookLoadRow::COLUMNS.iter().zip(r.values()).skip(1) {
        q.value(*col, v);
    }
    q.and_where(Expr::col("id").eq(r.id));
    match &r.node {
        Some(n) => q.and_where(Expr::col("node").eq(n.as_str())),
        None => q.and_where(Expr::col("node").is_null()),
    };
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

pub async fn insert_load_file<C: ConnectionTrait>(c: &C, f: &BookLoadFileRow) -> Result<()> {
    table::insert(c, std::slice::from_ref(f)).await
}

/// The (encrypted) file of a load that has not ended.
pub async fn load_file<C: ConnectionTrait>(c: &C, load: Uuid) -> Result<Option<Vec<u8>>> {
    let q = table::select::<BookLoadFileRow>()
        .and_where(Expr::col("load_id").eq(load))
        .to_owned();
    Ok(table::one::<BookLoadFileRow, _>(c, &q)
        .await?
        .map(|f| f.data))
}

/// Drops a load's file (once the load has ended, nothing reads it again).
pub async fn delete_load_file<C: ConnectionTrait>(c: &C, load: Uuid) -> Result<()> {
    let q = Query::delete()
        .from_table(BookLoadFileRow::NAME)
        .and_where(Expr::col("load_id").eq(load))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Claims a running load for `node` until `until_us`: when nobody holds it, its holder's lease has lapsed,
/// or `node` holds it already. False when another runner holds it (or it has ended).
pub async fn take_load<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    node: &str,
    now_us: i64,
    until_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table(BookLoadRow::NAME)
        .value("node", node)
        .value("lease_until_us", until_us)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq(ImportStatus::Running.as_str()))
        .cond_where(
            Condition::any()
                .add(Expr::col("node").is_null())
                .add(Expr::col("node").eq(node))
                .add(Expr::col("lease_until_us").lt(now_us)),
        )
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Renews `node`'s claim on a running load until `until_us`; false when the load is no longer `node`'s (taken
/// over, or ended).
pub async fn renew_load<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    node: &str,
    until_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table(BookLoadRow::NAME)
        .value("lease_until_us", until_us)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("node").eq(node))
        .and_where(Expr::col("status").eq(ImportStatus::Running.as_str()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

/// Running file loads whose runner stopped renewing its lease (its process ended).
pub async fn orphaned_loads<C: ConnectionTrait>(c: &C, now_us: i64) -> Result<Vec<BookLoadRow>> {
    let q = table::select::<BookLoadRow>()
        .and_where(Expr::col("status").eq(ImportStatus::Running.as_str()))
        .and_where(Expr::col("lease_until_us").lt(now_us))
        .order_by("created_at_us", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Transactions loads whose rows monitoring has not read: finished (done or stopped on an error) or
/// still marked running though their runner is gone: started before `stale_before_us` without a lease, or
/// with a lease that lapsed before it (their node ended mid-load and nobody resumed it), oldest first.
pub async fn unmonitored_loads<C: ConnectionTrait>(
    c: &C,
    stale_before_us: i64,
    limit: u64,
) -> Result<Vec<BookLoadRow>> {
    let q = table::select::<BookLoadRow>()
        .and_where(Expr::col("kind").eq("transactions"))
        .and_where(Expr::col("monitored_at_us").is_null())
        .cond_where(
            Condition::any()
                .add(Expr::col("status").ne(ImportStatus::Running.as_str()))
                // Run within a request: judged by when it started. Run as a job: by when its runner last
                // renewed its claim (a resumed load may run long, and is not stale while it does).
                .add(
                    Condition::all()
                        .add(Expr::col("lease_until_us").is_null())
                        .add(Expr::col("created_at_us").lt(stale_before_us)),
                )
                .add(Expr::col("lease_until_us").lt(stale_before_us)),
        )
        .order_by("created_at_us", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

/// Marks a transactions load's rows as read by monitoring.
pub async fn mark_monitored<C: ConnectionTrait>(c: &C, id: Uuid, at_us: i64) -> Result<()> {
    let q = Query::update()
        .table(BookLoadRow::NAME)
        .value("monitored_at_us", at_us)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

pub async fn find_load<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<BookLoadRow>> {
    let q = table::select::<BookLoadRow>()
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    table::one(c, &q).await
}

/// Loads, newest first: one page and whether there are more.
pub async fn recent_loads<C: ConnectionTrait>(
    c: &C,
    offset: u64,
    limit: u64,
) -> Result<Vec<BookLoadRow>> {
    let q = table::select::<BookLoadRow>()
        .order_by("created_at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .offset(offset)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}

pub async fn count_loads<C: ConnectionTrait>(c: &C) -> Result<u64> {
    let q = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(BookLoadRow::NAME)
        .to_owned();
    table::count(c, &q).await
}

pub async fn insert_rejects<C: ConnectionTrait>(c: &C, rows: &[BookRejectRow]) -> Result<()> {
    table::insert(c, rows).await
}

/// A load's rejected rows by line (at most `limit`).
pub async fn load_rejects<C: ConnectionTrait>(
    c: &C,
    load_id: Uuid,
    limit: u64,
) -> Result<Vec<BookRejectRow>> {
    let q = table::select::<BookRejectRow>()
        .and_where(Expr::col("load_id").eq(load_id))
        .order_by("line", Order::Asc)
        .limit(limit)
        .to_owned();
    table::all(c, &q).await
}
