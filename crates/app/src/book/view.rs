//! What a customer's page shows of the book: the accounts and holdings of the latest business date, totals
//! by kind, a year of AUM month by month, how long the customer has banked here, and the services the
//! customer's segments entitle them to.

use crate::App;
use crate::actor::Actor;
use crate::error::Result;
use banyan_domain::access::Permission;
use banyan_domain::book::{AccountStatus, ProductKind, RiskLevel};
use banyan_domain::mask;
use banyan_store::book as store;
use banyan_store::segments as sstore;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::figures::HoldingLine;

/// An account the core system's feed brought, as a won lead's page lists it (the customer's page shows
/// its figures).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedAccount {
    /// Masked: the last four characters.
    pub account_no: String,
    pub product_code: String,
    pub product_names: BTreeMap<String, String>,
    pub status: AccountStatus,
    #[schema(value_type = String)]
    pub opened_on: Date,
}

/// The accounts of a customer the feed brought, oldest first (the caller has proven it may read them).
pub(crate) async fn feed_accounts<C: sea_orm::ConnectionTrait>(
    c: &C,
    customer: banyan_domain::ids::CustomerId,
) -> Result<Vec<FeedAccount>> {
    let accounts = store::customer_accounts(c, &[customer]).await?;
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let products: HashMap<Uuid, store::ProductRow> = store::all_products(c)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    accounts
        .iter()
        .map(|a| {
            let p = products.get(&a.product_id).ok_or_else(|| {
                crate::error::AppError::internal(format!("accounts {}: its product is gone", a.id))
            })?;
            Ok(FeedAccount {
                account_no: mask::account(&a.account_no),
                product_code: p.code.clone(),
                product_names: p.names.0.clone(),
                status: a.status,
                opened_on: a.opened_on,
            })
        })
        .collect()
}

/// Holdings of one kind, added up in CNY.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindTotal {
    pub kind: ProductKind,
    pub accounts: u32,
    /// Balances (or, for credit, outstanding) in CNY fen.
    pub total_cny: i64,
}

/// Investment holdings of one risk level.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskTotal {
    pub risk_level: RiskLevel,
    /// CNY fen.
    pub total_cny: i64,
}

/// AUM at the end of a month (the month's last figures).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AumPoint {
    /// `YYYY-MM`.
    pub month: String,
    /// CNY fen.
    pub aum: i64,
}

/// A transaction as the customer's page lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransactionLine {
    /// The account, masked to its last four characters.
    pub account_no: String,
    /// When it was booked (RFC 3339).
    pub at: String,
    /// Minor units of its currency, and in CNY fen.
    pub amount: i64,
    pub currency: String,
    pub digits: u8,
    pub amount_cny: i64,
    pub direction: banyan_domain::book::activity::Direction,
    pub channel: banyan_domain::book::activity::TxChannel,
    pub counterparty: banyan_domain::book::activity::Counterparty,
    pub category: Option<banyan_domain::book::activity::TxCategory>,
    pub cash: bool,
    pub cross_border: bool,
}

/// Transactions a customer's page lists (the latest).
const RECENT_TRANSACTIONS: u64 = 10;

/// The book as a customer's page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerBook {
    /// The latest business date of any holding (none when the book holds nothing for the customer).
    #[schema(value_type = Option<String>)]
    pub as_of: Option<Date>,
    pub holdings: Vec<HoldingLine>,
    pub by_kind: Vec<KindTotal>,
    /// Assets under management and outstanding credit, CNY fen (accounts not closed).
    pub aum: i64,
    pub loans: i64,
    /// Investment holdings by product risk level.
    pub by_risk: Vec<RiskTotal>,
    /// Month-end AUM for the last 12 months that have figures, oldest first.
    pub aum_line: Vec<AumPoint>,
    /// The earliest account's opening date.
    #[schema(value_type = Option<String>)]
    pub customer_since: Option<Date>,
    /// Services the customer's segments entitle them to (codes of the policy's `book.entitlements`).
    pub services: Vec<String>,
    /// The latest transactions, newest first.
    pub transactions: Vec<TransactionLine>,
    /// Fee contribution and investment purchases of the last 12 months, transactions of the last 90 days,
    /// up to today (none while the bank feeds no transactions).
    pub activity: Option<banyan_domain::book::activity::ActivityFigures>,
}

/// A customer's book, within the caller's scope (out of scope: not found).
pub async fn customer_book(app: &App, actor: &Actor, id: Uuid) -> Result<CustomerBook> {
    let grant = actor.require(Permission::CustomerRead)?;
    let row = crate::scope::load_in_scope(&app.db.conn, &grant, id).await?;
    book_of(app, &row, id.into()).await
}

/// A customer's book and their sales, as the customer's page shows them side by side: one proof of scope
/// for both (out of scope: not found).
pub async fn customer_book_and_sales(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<(CustomerBook, Vec<super::sales::SaleView>)> {
    let grant = actor.require(Permission::CustomerRead)?;
    let who = who.into();
    let row = crate::scope::read_in_scope(&app.db.conn, &grant, who).await?;
    tokio::try_join!(
        book_of(app, &row, who),
        super::sales::sales_in(app, &app.db.conn, row.id)
    )
}

/// The book of a customer the caller has proven it may read (`row`, read for `who`).
async fn book_of(
    app: &App,
    row: &banyan_store::customers::CustomerRow,
    who: crate::scope::Customer<'_>,
) -> Result<CustomerBook> {
    let c = &app.db.conn;
    let (as_of, mut holdings, accounts) = crate::figures::latest_lines(app, c, row.id).await?;
    let book = &app.policy().book;
    // Open accounts first, then by kind (the catalogue's order) and opening date.
    holdings.sort_by_key(|h| (h.status == AccountStatus::Closed, h.kind, h.opened_on));
    let mut by_kind: BTreeMap<ProductKind, KindTotal> = BTreeMap::new();
    let mut by_risk: BTreeMap<RiskLevel, i64> = BTreeMap::new();
    let (mut aum, mut loans) = (0i64, 0i64);
    for h in holdings
        .iter()
        .filter(|h| h.status != AccountStatus::Closed)
    {
        let amount = if h.kind.is_credit() {
            let out = h.outstanding_cny.unwrap_or(0);
            loans += out;
            out
        } else {
            if h.kind.asset_class().is_some() {
                aum += h.balance_cny;
            }
            h.balance_cny
        };
        let t = by_kind.entry(h.kind).or_insert(KindTotal {
            kind: h.kind,
            accounts: 0,
            total_cny: 0,
        });
        t.accounts += 1;
        t.total_cny += amount;
        if let Some(r) = h.risk_level {
            *by_risk.entry(r).or_default() += h.balance_cny;
        }
    }
    // The rest is read side by side (each its own connection): the page waits for the slowest read, not
    // for their sum (measured with bench/book/page360.sh, docs/benchmarks.md).
    let (assignments, transactions, activity, aum_line) = tokio::try_join!(
        async {
            Ok::<_, crate::error::AppError>(
                crate::scope::assignments_of(c, who)
                    .await?
                    .into_iter()
                    .map(|a| (a.dimension, a.value))
                    .collect::<Vec<(String, String)>>(),
            )
        },
        recent_lines(app, row.id, &accounts),
        async {
            Ok(if super::figures::feeds_transactions(app, c).await? {
                let found = super::figures::activity(app, c, &[row.id], app.today()).await?;
                // No row: no transactions in the windows, every figure zero.
                Some(found.into_iter().next().map_or_else(
                    banyan_domain::book::activity::ActivityFigures::default,
                    |(_, f)| f,
                ))
            } else {
                None
            })
        },
        aum_line(app, row.id.uuid()),
    )?;
    Ok(CustomerBook {
        activity,
        transactions,
        as_of,
        aum_line,
        customer_since: accounts.iter().map(|a| a.opened_on).min(),
        services: book
            .services_for(&assignments)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        holdings,
        by_kind: by_kind.into_values().collect(),
        aum,
        loans,
        by_risk: by_risk
            .into_iter()
            .map(|(risk_level, total_cny)| RiskTotal {
                risk_level,
                total_cny,
            })
            .collect(),
    })
}

/// The customer's latest transactions, each with its account's masked number.
async fn recent_lines(
    app: &App,
    customer: banyan_domain::ids::CustomerId,
    accounts: &[store::AccountRow],
) -> Result<Vec<TransactionLine>> {
    let c = &app.db.conn;
    let book = &app.policy().book;
    let recent =
        banyan_store::book::activity::recent_transactions(c, customer, RECENT_TRANSACTIONS).await?;
    // A transaction's account is one of the customer's, already read; one that has since moved to another
    // customer is read by id.
    let mut numbers: HashMap<Uuid, String> = accounts
        .iter()
        .map(|a| (a.id, mask::account(&a.account_no)))
        .collect();
    let mut moved: Vec<Uuid> = recent
        .iter()
        .map(|t| t.account_id)
        .filter(|id| !numbers.contains_key(id))
        .collect();
    moved.sort_unstable();
    moved.dedup();
    for a in store::accounts_by_ids(c, &moved).await? {
        numbers.insert(a.id, mask::account(&a.account_no));
    }
    let mut transactions = Vec::with_capacity(recent.len());
    for t in recent {
        let Some(account_no) = numbers.get(&t.account_id).cloned() else {
            return Err(crate::error::AppError::internal(format!(
                "transaction {} of {} names account {} that is not stored",
                t.tx_id, t.source, t.account_id
            )));
        };
        transactions.push(TransactionLine {
            account_no,
            at: crate::fmt_us(t.at_us),
            amount: t.amount,
            currency: t.currency.as_str().to_owned(),
            digits: book.currency(t.currency).map_or(2, |c| c.digits),
            amount_cny: t.amount_cny,
            direction: t.direction,
            channel: t.channel,
            counterparty: t.counterparty,
            category: t.category,
            cash: t.cash,
            cross_border: t.cross_border,
        });
    }
    Ok(transactions)
}

/// The last AUM figure of each of the last 12 months that have one (from the metrics the book and the
/// posts wrote), oldest first.
async fn aum_line(app: &App, id: Uuid) -> Result<Vec<AumPoint>> {
    let today = app.today();
    let since = today
        .first_of_month()
        .checked_sub(11.months())
        .unwrap_or(Date::MIN);
    let mut months: BTreeMap<String, i64> = BTreeMap::new();
    for (as_of, aum) in sstore::aum_since(&app.db.conn, id, &since.to_string()).await? {
        // Rows are in date order: the month's last one wins.
        months.insert(as_of.chars().take(7).collect(), aum);
    }
    Ok(months
        .into_iter()
        .map(|(month, aum)| AumPoint { month, aum })
        .collect())
}
