//! Figures from the book: what the policy engine reads about a customer (AUM by class, average deposits,
//! loans, products held) derived from the holdings of a business date, in CNY at the policy's reference
//! rates. They are written as that date's metrics, on top of the customer's latest metrics, so that the
//! figures the book does not hold (income, debts, a credit report's ratio) stay as they were posted; and a
//! metrics post for a customer the book holds keeps the book's figures ([`overlay`]).

use crate::App;
use crate::error::Result;
use crate::evaluation::write_figures;
use banyan_domain::book::activity::{ActivityFigures, RECENT_DAYS, YEAR_DAYS};
use banyan_domain::book::{AccountStatus, BookFigures, Position, figures};
use banyan_domain::ids::CustomerId;
use banyan_domain::segments::Metrics;
use banyan_store::ConnectionTrait;
use banyan_store::book::activity as astore;
use banyan_store::book::{self as store, AccountRow, HoldingRow, ProductRow};
use banyan_store::customers::{self as cstore, CustomerRow};
use banyan_store::segments as sstore;
use jiff::ToSpan;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Customers per transaction.
const CHUNK: usize = 500;

/// Derives and writes the figures of these customers for `as_of`, re-evaluating their segments; returns
/// how many customers got figures.
pub(crate) async fn derive(
    app: &App,
    recorded_by: Uuid,
    customers: &[CustomerId],
    as_of: Date,
) -> Result<u64> {
    let products = products_by_id(app).await?;
    let mut n = 0u64;
    for chunk in customers.chunks(CHUNK) {
        let tx = app.db.begin_write().await?;
        let ids: Vec<Uuid> = chunk.iter().map(|c| c.uuid()).collect();
        let rows = cstore::rows_by_ids(&*tx, &ids).await?;
        let book = book_figures(app, &*tx, &products, chunk, as_of).await?;
        let base: HashMap<Uuid, Metrics> = latest(&*tx, &ids, as_of).await?;
        let items: Vec<(CustomerRow, Metrics)> = rows
            .into_iter()
            .filter_map(|r| {
                let f = book.get(&r.id)?;
                // A customer with no metrics posted yet starts from none: the book's are all it has.
                let mut m = match base.get(&r.id.uuid()) {
                    Some(m) => m.clone(),
                    None => Metrics::default(),
                };
                m.as_of = as_of;
                apply(&mut m, f);
                Some((r, m))
            })
            .collect();
        n += items.len() as u64;
        write_figures(app, &*tx, recorded_by, &items).await?;
        tx.commit().await?;
    }
    Ok(n)
}

async fn products_by_id(app: &App) -> Result<HashMap<Uuid, ProductRow>> {
    Ok(store::all_products(&app.db.conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

/// The book's figures replace the metrics' own for the same things.
fn apply(m: &mut Metrics, f: &BookFigures) {
    m.assets = f.assets.clone();
    m.avg_deposits = f.avg_deposits;
    m.loans = f.loans;
    m.product_count = f.product_count;
    m.holdings_by_risk = f.by_risk.clone();
    m.client_since = f.client_since;
    if let Some(a) = f.activity {
        m.fee_income = a.fee_income;
        m.investment_count = a.investment_count;
        m.transactions_90d = a.transactions_90d;
    }
}

/// Each customer's latest metrics on or before `as_of`.
async fn latest<C: ConnectionTrait>(
    c: &C,
    ids: &[Uuid],
    as_of: Date,
) -> Result<HashMap<Uuid, Metrics>> {
    let mut out = HashMap::new();
    for r in sstore::latest_metrics(c, ids, &as_of.to_string()).await? {
        let m: Metrics = serde_json::from_str(&r.data).map_err(|e| {
            crate::error::AppError::internal_from(
                format!("customer_metrics.data of {} {}", r.customer_id, r.as_of),
                e,
            )
        })?;
        out.insert(r.customer_id, m);
    }
    Ok(out)
}

/// The figures of each customer that has holdings in the window ending at `as_of` (customers without any
/// are left out: the book says nothing about them).
pub(crate) async fn book_figures<C: ConnectionTrait>(
    app: &App,
    c: &C,
    products: &HashMap<Uuid, ProductRow>,
    customers: &[CustomerId],
    as_of: Date,
) -> Result<HashMap<CustomerId, BookFigures>> {
    let days = i32::try_from(app.policy().book.avg_deposit_days).unwrap_or(90);
    let since = as_of.checked_sub((days - 1).days()).unwrap_or(Date::MIN);
    let accounts: HashMap<Uuid, AccountRow> = store::customer_accounts(c, customers)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    // Every account counts for the relationship's start, also one closed before the window.
    let mut opened: HashMap<CustomerId, Date> = HashMap::new();
    for a in accounts.values() {
        let d = opened.entry(a.customer_id).or_insert(a.opened_on);
        *d = (*d).min(a.opened_on);
    }
    let snaps = store::customer_holdings(c, customers, since, as_of).await?;
    let mut by_customer: HashMap<CustomerId, Vec<&HoldingRow>> = HashMap::new();
    for h in &snaps {
        by_customer.entry(h.customer_id).or_default().push(h);
    }
    let book = &app.policy().book;
    // A load accepts only the policy's currencies; an amount in one the policy has since dropped counts
    // as nothing until the policy lists it again.
    let mut out = HashMap::new();
    for (customer, snaps) in by_customer {
        // Each account's latest snapshot in the window (snapshots are in date order).
        let mut latest: BTreeMap<Uuid, &HoldingRow> = BTreeMap::new();
        let mut deposit_days: BTreeMap<Date, i64> = BTreeMap::new();
        for h in &snaps {
            let Some(a) = accounts.get(&h.account_id) else {
                continue;
            };
            let Some(p) = products.get(&a.product_id) else {
                continue;
            };
            latest.insert(h.account_id, h);
            if p.kind.is_deposit() && h.status != AccountStatus::Closed {
                *deposit_days.entry(h.as_of).or_default() +=
                    book.to_cny_minor(h.balance, a.currency).unwrap_or(0);
            }
        }
        let positions: Vec<Position> = latest
            .values()
            .filter_map(|h| {
                let a = accounts.get(&h.account_id)?;
                let p = products.get(&a.product_id)?;
                Some(Position {
                    kind: p.kind,
                    product: p.code.clone(),
                    risk: p.risk_level,
                    status: h.status,
                    balance_cny: book.to_cny_minor(h.balance, a.currency).unwrap_or(0),
                    outstanding_cny: book
                        .to_cny_minor(h.outstanding.unwrap_or(0), a.currency)
                        .unwrap_or(0),
                })
            })
            .collect();
        let days: Vec<i64> = deposit_days.into_values().collect();
        let mut f = figures(&positions, &days);
        f.client_since = opened.get(&customer).copied();
        out.insert(customer, f);
    }
    if feeds_transactions(app, c).await? {
        let ids: Vec<CustomerId> = out.keys().copied().collect();
        let mut found: HashMap<CustomerId, ActivityFigures> =
            activity(app, c, &ids, as_of).await?.into_iter().collect();
        for (id, f) in out.iter_mut() {
            // A customer of the book without a transaction in the window has none to count.
            f.activity = Some(found.remove(id).unwrap_or_default());
        }
    }
    Ok(out)
}

/// Whether the bank feeds transactions at all (activity figures are shown as zero, not left out, once it
/// does). Remembered once true: the question is asked on every customer page, and the answer does not go
/// back (retention deletes old transactions, not the feed).
pub(crate) async fn feeds_transactions<C: ConnectionTrait>(app: &App, c: &C) -> Result<bool> {
    use std::sync::atomic::Ordering;
    if app.feeds_transactions.load(Ordering::Relaxed) {
        return Ok(true);
    }
    let any = astore::any_transactions(c).await?;
    if any {
        app.feeds_transactions.store(true, Ordering::Relaxed);
    }
    Ok(any)
}

/// The activity figures of these customers for the business date `as_of` (its windows end with that day
/// in the bank's time zone); customers without a transaction in the window are left out.
pub(crate) async fn activity<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customers: &[CustomerId],
    as_of: Date,
) -> Result<Vec<(CustomerId, ActivityFigures)>> {
    let start_of = |d: Date| -> Result<i64> {
        let z = d.to_zoned(app.tz.clone()).map_err(|e| {
            crate::error::AppError::internal_from(format!("start of {d} in the bank's zone"), e)
        })?;
        Ok(z.timestamp().as_microsecond())
    };
    let day_before = |days: i32| as_of.checked_sub((days - 1).days()).unwrap_or(Date::MIN);
    let until = start_of(as_of.tomorrow().unwrap_or(Date::MAX))?;
    let year = start_of(day_before(YEAR_DAYS))?;
    let recent = start_of(day_before(RECENT_DAYS))?;
    astore::activity_figures(c, customers, year, recent, until)
        .await
        .map_err(Into::into)
}

/// Gives hand-posted metrics the book's figures for the customers the book holds on their date.
pub(crate) async fn overlay<C: ConnectionTrait>(
    app: &App,
    c: &C,
    items: &mut [(CustomerRow, Metrics)],
) -> Result<()> {
    let mut dates: Vec<Date> = items.iter().map(|(_, m)| m.as_of).collect();
    dates.sort();
    dates.dedup();
    let mut products: Option<HashMap<Uuid, ProductRow>> = None;
    for d in dates {
        let ids: Vec<CustomerId> = items
            .iter()
            .filter(|(_, m)| m.as_of == d)
            .map(|(r, _)| r.id)
            .collect();
        if store::customer_accounts(c, &ids).await?.is_empty() {
            continue;
        }
        if products.is_none() {
            products = Some(products_by_id(app).await?);
        }
        let Some(p) = products.as_ref() else {
            continue;
        };
        let book = book_figures(app, c, p, &ids, d).await?;
        for (r, m) in items.iter_mut().filter(|(_, m)| m.as_of == d) {
            if let Some(f) = book.get(&r.id) {
                apply(m, f);
            }
        }
    }
    Ok(())
}
