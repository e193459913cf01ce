//! Holdings in: the core system's daily file (CSV or XLSX) or the API's items, for one source and business
//! date. Every row is checked against its product and customer; a row that breaks a rule is rejected with
//! its reasons and the rest load, 500 rows per transaction with the load's progress, so a row is written
//! whole or not at all. A row identical to what is stored for its account and date counts as unchanged:
//! loading the same file twice changes nothing. After the rows, the figures of every customer touched are
//! derived again ([`super::figures`]), which re-evaluates their segments.
//!
//! An older business date than an account's latest (a backfill of history) adds its snapshot without
//! turning the account back to its older state.

use super::figures;
use super::loads::{self, CHUNK, LoadReport, Meta, RowIn, Start, reject};
use crate::App;
use crate::actor::Actor;
use crate::error::Result;
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::book::{AccountStatus, HoldingRecord};
use banyan_domain::ids::CustomerId;
use banyan_domain::money::{Currency, parse_major};
use banyan_store::book::activity as astore;
use banyan_store::book::{self as store, AccountRow, BookLoadRow, HoldingRow, ProductRow};
use banyan_store::{ConnectionTrait, now_us};
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// A day's holdings by API.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldingsLoad {
    /// The system the figures come from (`core`); account numbers are unique within it.
    pub source: String,
    /// The business date the figures are for (not after today).
    #[schema(value_type = String, example = "2026-12-01")]
    pub as_of: Date,
    /// A name for the load in its list (default: `API`).
    #[serde(default)]
    pub file_name: Option<String>,
    pub items: Vec<HoldingRecord>,
}

/// Loads a day's holdings sent as API items.
pub async fn load_holdings(app: &App, actor: &Actor, input: HoldingsLoad) -> Result<LoadReport> {
    actor.require(Permission::BookLoad)?;
    let file_name = input.file_name.as_deref().unwrap_or("API");
    let meta = Meta::checked(app, "holdings", &input.source, input.as_of, file_name)?;
    let rows: Vec<RowIn<HoldingRecord>> = loads::numbered(input.items);
    run(app, actor, Start::New(meta), rows).await
}

/// The columns of a holdings file; the first seven are required.
pub const COLUMNS: [&str; 11] = [
    "account_no",
    "customer",
    "product",
    "currency",
    "status",
    "opened_on",
    "balance",
    "closed_on",
    "credit_limit",
    "outstanding",
    "days_past_due",
];

/// The rows of a holdings file (an `.xlsx` name is read as a workbook), or why the file cannot load.
pub(super) fn rows_of_file(
    app: &App,
    file_name: &str,
    bytes: &[u8],
) -> std::result::Result<Vec<RowIn<HoldingRecord>>, FieldErrors> {
    let src = loads::read_table(file_name, bytes)?;
    rows_from_table(app, &src)
}

/// The rows of a holdings table, or the header's broken rules.
fn rows_from_table(
    app: &App,
    src: &crate::tabular::Source,
) -> std::result::Result<Vec<RowIn<HoldingRecord>>, FieldErrors> {
    let col = |name: &str| src.headers.iter().position(|h| h.trim() == name);
    let mut e = FieldErrors::new();
    for c in &COLUMNS[..7] {
        if col(c).is_none() {
            e.push(
                format!("file.{c}"),
                "missing_column",
                "the header row has no such column",
            );
        }
    }
    e.into_result()?;
    let idx: Vec<Option<usize>> = COLUMNS.iter().map(|c| col(c)).collect();
    Ok(src
        .rows
        .iter()
        .map(|row| {
            let line = i64::try_from(row.line).unwrap_or(i64::MAX);
            match &row.cells {
                Err(_) => {
                    let mut e = FieldErrors::new();
                    e.push(
                        "",
                        "row_shape",
                        "the row does not have the header's columns",
                    );
                    (line, Err((String::new(), e)))
                }
                Ok(cells) => {
                    let cell = |i: usize| {
                        idx[i]
                            .and_then(|k| cells.get(k))
                            .map(|s| s.trim())
                            .unwrap_or("")
                    };
                    (line, record_of(app, &cell))
                }
            }
        })
        .collect())
}

/// One row's cells (by [`COLUMNS`] position) as a record, or every cell's broken rule.
fn record_of<'a>(
    app: &App,
    cell: &dyn Fn(usize) -> &'a str,
) -> std::result::Result<HoldingRecord, (String, FieldErrors)> {
    let mut e = FieldErrors::new();
    let account_no = cell(0).to_owned();
    let required = |e: &mut FieldErrors, i: usize| {
        if cell(i).is_empty() {
            e.push(COLUMNS[i], "required", "is required");
            false
        } else {
            true
        }
    };
    for i in 0..3 {
        required(&mut e, i);
    }
    let currency = match Currency::parse(cell(3)) {
        Ok(c) => Some(c),
        Err(m) => {
            e.push("currency", "format", m);
            None
        }
    };
    let digits = currency.map_or(2, |c| app.currency_digits(c));
    let status = match AccountStatus::parse(cell(4)) {
        Some(s) => Some(s),
        None => {
            e.push(
                "status",
                "unknown",
                "must be one of active, dormant, frozen, closed",
            );
            None
        }
    };
    let date = |e: &mut FieldErrors, i: usize| -> Option<Date> {
        match cell(i).parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                e.push(COLUMNS[i], "date", "must be a date YYYY-MM-DD");
                None
            }
        }
    };
    let opened_on = if required(&mut e, 5) {
        date(&mut e, 5)
    } else {
        None
    };
    let closed_on = if cell(7).is_empty() {
        None
    } else {
        date(&mut e, 7)
    };
    let amount = |e: &mut FieldErrors, i: usize| -> Option<i64> {
        match parse_major(cell(i), digits) {
            Ok(v) => Some(v),
            Err(m) => {
                e.push(COLUMNS[i], "amount", m);
                None
            }
        }
    };
    let balance = if required(&mut e, 6) {
        amount(&mut e, 6)
    } else {
        None
    };
    let credit_limit = if cell(8).is_empty() {
        None
    } else {
        amount(&mut e, 8)
    };
    let outstanding = if cell(9).is_empty() {
        None
    } else {
        amount(&mut e, 9)
    };
    let days_past_due = if cell(10).is_empty() {
        Some(0)
    } else {
        match cell(10).parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                e.push(
                    "days_past_due",
                    "whole_number",
                    "must be a whole number of at least 0",
                );
                None
            }
        }
    };
    match (currency, status, opened_on, balance, days_past_due) {
        (Some(currency), Some(status), Some(opened_on), Some(balance), Some(days_past_due))
            if e.is_empty() =>
        {
            Ok(HoldingRecord {
                account_no,
                customer: cell(1).to_owned(),
                product: cell(2).to_owned(),
                currency,
                status,
                opened_on,
                closed_on,
                balance,
                credit_limit,
                outstanding,
                days_past_due,
            })
        }
        _ => Err((account_no, e)),
    }
}

/// Runs a load: the rows chunk by chunk, then the figures of the customers touched, then the report.
pub(super) async fn run(
    app: &App,
    actor: &Actor,
    start: Start,
    rows: Vec<RowIn<HoldingRecord>>,
) -> Result<LoadReport> {
    actor.require(Permission::BookLoad)?;
    let products: HashMap<String, ProductRow> = store::all_products(&app.db.conn)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let resumed = start.resumed();
    let mut load = start.open(app, actor, rows.len()).await?;
    let mut touched: BTreeSet<CustomerId> = BTreeSet::new();
    let mut seen: HashSet<String> = HashSet::new();
    let outcome = async {
        for (k, chunk) in rows.chunks(CHUNK).enumerate() {
            let tx = app.db.begin_bulk_write().await?;
            let mut ctx = Chunk {
                app,
                products: &products,
                load: &mut load,
                touched: &mut touched,
                seen: &mut seen,
            };
            ctx.write(&*tx, chunk).await?;
            loads::advance(&*tx, &mut load).await?;
            tx.commit().await?;
            if loads::grown(k) && load.loaded > 0 {
                astore::analyze_tables(&app.db, &["accounts", "holdings"]).await?;
            }
        }
        if resumed {
            let before = astore::customers_of_load(&app.db.conn, "holdings", load.id).await?;
            touched.extend(before);
        }
        let ids: Vec<CustomerId> = touched.iter().copied().collect();
        // How long each step after the rows takes, for operations (and the book benchmark) to see.
        let started = std::time::Instant::now();
        let n = figures::derive(app, actor.id.uuid(), &ids, load.as_of).await?;
        let derived = started.elapsed();
        let insights = super::insights::evaluate(app, &ids).await?;
        let watched = crate::care::watch::after_load(app, &ids).await?;
        tracing::info!(
            load = %load.id,
            customers = ids.len(),
            insights,
            care_tasks = watched,
            figures_ms = derived.as_millis() as u64,
            insights_ms = (started.elapsed() - derived).as_millis() as u64,
            "holdings load: figures derived and segments re-evaluated, insights read"
        );
        Ok(n)
    }
    .await;
    loads::finish(app, actor, load, outcome).await
}

/// One chunk's work and what it advances.
struct Chunk<'a> {
    app: &'a App,
    products: &'a HashMap<String, ProductRow>,
    load: &'a mut BookLoadRow,
    touched: &'a mut BTreeSet<CustomerId>,
    /// Account numbers already read in this load (a second row for one is a duplicate).
    seen: &'a mut HashSet<String>,
}

impl Chunk<'_> {
    async fn write<C: ConnectionTrait>(
        &mut self,
        c: &C,
        rows: &[RowIn<HoldingRecord>],
    ) -> Result<()> {
        let as_of = self.load.as_of;
        let keys: Vec<&str> = rows
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .map(|r| r.customer.as_str())
            .collect();
        let customers = loads::customers_named(c, &keys).await?;
        let numbers: Vec<String> = rows
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .map(|r| r.account_no.clone())
            .collect();
        let existing: HashMap<String, AccountRow> =
            store::accounts_by_number(c, &self.load.source, &numbers)
                .await?
                .into_iter()
                .map(|a| (a.account_no.clone(), a))
                .collect();
        let ids: Vec<Uuid> = existing.values().map(|a| a.id).collect();
        let stored: HashMap<Uuid, HoldingRow> = store::holdings_on(c, &ids, as_of)
            .await?
            .into_iter()
            .map(|h| (h.account_id, h))
            .collect();
        let (mut accounts, mut holdings, mut rejects) = (Vec::new(), Vec::new(), Vec::new());
        for (line, row) in rows {
            let rec = match row {
                Ok(r) => r,
                Err((no, e)) => {
                    rejects.push(reject(self.load.id, *line, no, e)?);
                    continue;
                }
            };
            let customer = loads::customer_of(&customers, &rec.customer);
            let product = self.products.get(rec.product.trim());
            let mut e = FieldErrors::new();
            if customer.is_none() {
                e.push("customer", "unknown", "no customer has this number or id");
            }
            if self.app.policy().book.currency(rec.currency).is_none() {
                e.push("currency", "unknown", "is not a currency the book accepts");
            }
            match product {
                None => e.push(
                    "product",
                    "unknown",
                    "no product in the catalogue has this code",
                ),
                Some(p) => e.0.extend(rec.check(p.kind, p.currency, as_of).0),
            }
            if !self.seen.insert(rec.account_no.clone()) {
                e.push("account_no", "duplicate", "appears twice in this load");
            }
            let (Some(customer), Some(product), true) = (customer, product, e.is_empty()) else {
                rejects.push(reject(self.load.id, *line, &rec.account_no, &e)?);
                continue;
            };
            let old = existing.get(&rec.account_no);
            let account = AccountRow {
                id: old.map_or_else(Uuid::now_v7, |a| a.id),
                source: self.load.source.clone(),
                account_no: rec.account_no.clone(),
                customer_id: customer.id,
                product_id: product.id,
                currency: rec.currency,
                status: rec.status,
                opened_on: rec.opened_on,
                closed_on: rec.closed_on,
                last_as_of: as_of,
                updated_at_us: now_us(),
            };
            let snap = HoldingRow {
                account_id: account.id,
                as_of,
                customer_id: customer.id,
                status: rec.status,
                balance: rec.balance,
                credit_limit: rec.credit_limit,
                outstanding: rec.outstanding,
                days_past_due: i32::try_from(rec.days_past_due).unwrap_or(i32::MAX),
                load_id: self.load.id,
            };
            // A backfill (an older date) adds the snapshot but leaves the account as its latest date says.
            let newer = old.is_none_or(|a| a.last_as_of <= as_of);
            let same_account = old.is_some_and(|a| !newer || same_state(a, &account));
            let same_snap = stored.get(&account.id).is_some_and(|h| {
                HoldingRow {
                    load_id: h.load_id,
                    ..snap.clone()
                } == *h
            });
            if same_account && same_snap {
                self.load.unchanged += 1;
                continue;
            }
            self.touched.insert(customer.id);
            if let Some(a) = old.filter(|a| a.customer_id != customer.id) {
                self.touched.insert(a.customer_id);
            }
            if !same_account {
                accounts.push(account);
            }
            holdings.push(snap);
            self.load.loaded += 1;
        }
        store::upsert_accounts(c, &accounts).await?;
        store::upsert_holdings(c, &holdings).await?;
        store::insert_rejects(c, &rejects).await?;
        self.load.rejected += i64::try_from(rejects.len()).unwrap_or(i64::MAX);
        Ok(())
    }
}

/// Whether an account's stored state is the one a row reports (its load date aside).
fn same_state(a: &AccountRow, b: &AccountRow) -> bool {
    a.customer_id == b.customer_id
        && a.product_id == b.product_id
        && a.currency == b.currency
        && a.status == b.status
        && a.opened_on == b.opened_on
        && a.closed_on == b.closed_on
        && a.last_as_of == b.last_as_of
}
