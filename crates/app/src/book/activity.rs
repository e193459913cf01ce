//! Transactions and channel events in: the core system's and digital banking's feeds, by file or API, as
//! loads like holdings. Append-only and idempotent per (source, id): a record already stored counts as
//! unchanged (a resent file writes nothing); a second record with one id in the same load is rejected. A
//! transaction names an account the book holds (its customer is the account's) in the account's currency;
//! an event names a customer. Records older than the policy's retention are removed by the nightly job.

use super::loads::{self, LoadReport, Meta, RowIn, Start, grown, reject};
use crate::App;
use crate::actor::Actor;
use crate::error::Result;
use banyan_domain::FieldErrors;
use banyan_domain::access::Permission;
use banyan_domain::book::activity::{
    ChannelEventRecord, Counterparty, Direction, EventKind, TransactionRecord, TxCategory,
    TxChannel,
};
use banyan_domain::ids::CustomerId;
use banyan_domain::money::{Currency, parse_major};
use banyan_store::ConnectionTrait;
use banyan_store::book::activity::{self as astore, EventRow, TransactionRow};
use banyan_store::book::{self as store, BookLoadRow, BookRejectRow};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Transactions by API.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionsLoad {
    /// The system the records come from (`core`): the accounts' source, and the ids' namespace.
    pub source: String,
    /// The business date the feed covers (not after today).
    #[schema(value_type = String, example = "2026-12-01")]
    pub as_of: Date,
    #[serde(default)]
    pub file_name: Option<String>,
    pub items: Vec<TransactionRecord>,
}

/// Channel events by API.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventsLoad {
    /// The system the events come from (`digital`).
    pub source: String,
    #[schema(value_type = String, example = "2026-12-01")]
    pub as_of: Date,
    #[serde(default)]
    pub file_name: Option<String>,
    pub items: Vec<ChannelEventRecord>,
}

/// The columns of a transactions file; the first eight are required.
pub const TX_COLUMNS: [&str; 12] = [
    "id",
    "account_no",
    "at",
    "amount",
    "currency",
    "direction",
    "channel",
    "counterparty",
    "category",
    "cash",
    "cross_border",
    "description",
];

/// The columns of a channel-events file; the first four are required.
pub const EVENT_COLUMNS: [&str; 5] = ["id", "customer", "at", "kind", "product"];

/// Loads transactions sent as API items.
pub async fn load_transactions(
    app: &App,
    actor: &Actor,
    input: TransactionsLoad,
) -> Result<LoadReport> {
    actor.require(Permission::BookLoad)?;
    let file_name = input.file_name.as_deref().unwrap_or("API");
    let meta = Meta::checked(app, "transactions", &input.source, input.as_of, file_name)?;
    run_transactions(app, actor, Start::New(meta), loads::numbered(input.items)).await
}

/// Loads channel events sent as API items.
pub async fn load_events(app: &App, actor: &Actor, input: EventsLoad) -> Result<LoadReport> {
    actor.require(Permission::BookLoad)?;
    let file_name = input.file_name.as_deref().unwrap_or("API");
    let meta = Meta::checked(app, "events", &input.source, input.as_of, file_name)?;
    run_events(app, actor, Start::New(meta), loads::numbered(input.items)).await
}

/// Records per transaction. Twice a holdings chunk: a feed's rows are narrow and many (a day's file of
/// 1,000,000), and each commit waits for the disk; 1,000 rows of 16 columns stay within SQLite's 32,766
/// parameters per statement.
const FEED_CHUNK: usize = 1000;

/// Which feed a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityFeed {
    Transactions,
    Events,
}

impl ActivityFeed {
    /// The load's kind.
    pub fn kind(self) -> &'static str {
        match self {
            ActivityFeed::Transactions => "transactions",
            ActivityFeed::Events => "events",
        }
    }
}

/// The rows of a feed file.
pub(super) enum FeedRows {
    Transactions(Vec<RowIn<TransactionRecord>>),
    Events(Vec<RowIn<ChannelEventRecord>>),
}

impl FeedRows {
    pub(super) fn len(&self) -> usize {
        match self {
            FeedRows::Transactions(r) => r.len(),
            FeedRows::Events(r) => r.len(),
        }
    }

    /// The rows after the first `n` (those a resumed load committed before).
    pub(super) fn skip(self, n: usize) -> FeedRows {
        match self {
            FeedRows::Transactions(r) => FeedRows::Transactions(r.into_iter().skip(n).collect()),
            FeedRows::Events(r) => FeedRows::Events(r.into_iter().skip(n).collect()),
        }
    }

    /// Loads the rows into a load.
    pub(super) async fn run(self, app: &App, actor: &Actor, start: Start) -> Result<LoadReport> {
        match self {
            FeedRows::Transactions(r) => run_transactions(app, actor, start, r).await,
            FeedRows::Events(r) => run_events(app, actor, start, r).await,
        }
    }
}

/// The rows of a transactions or channel-events file, or why the file cannot load (unreadable, or without
/// the columns it needs).
pub(super) fn rows_of_file(
    app: &App,
    feed: ActivityFeed,
    file_name: &str,
    bytes: &[u8],
) -> std::result::Result<FeedRows, FieldErrors> {
    let src = loads::read_table(file_name, bytes)?;
    let cols: &[&str] = match feed {
        ActivityFeed::Transactions => &TX_COLUMNS,
        ActivityFeed::Events => &EVENT_COLUMNS,
    };
    let required = match feed {
        ActivityFeed::Transactions => 8,
        ActivityFeed::Events => 4,
    };
    let idx: Vec<Option<usize>> = cols
        .iter()
        .map(|c| src.headers.iter().position(|h| h.trim() == *c))
        .collect();
    let mut e = FieldErrors::new();
    for (c, i) in cols.iter().zip(&idx).take(required) {
        if i.is_none() {
            e.push(
                format!("file.{c}"),
                "missing_column",
                "the header row has no such column",
            );
        }
    }
    e.into_result()?;
    let mut tx_rows = Vec::new();
    let mut ev_rows = Vec::new();
    for row in &src.rows {
        let line = i64::try_from(row.line).unwrap_or(i64::MAX);
        let cells = match &row.cells {
            Ok(c) => c,
            Err(_) => {
                let mut e = FieldErrors::new();
                e.push(
                    "",
                    "row_shape",
                    "the row does not have the header's columns",
                );
                match feed {
                    ActivityFeed::Transactions => tx_rows.push((line, Err((String::new(), e)))),
                    ActivityFeed::Events => ev_rows.push((line, Err((String::new(), e)))),
                }
                continue;
            }
        };
        let cell = |i: usize| idx[i].and_then(|k| cells.get(k)).map_or("", |s| s.trim());
        match feed {
            ActivityFeed::Transactions => tx_rows.push((line, transaction_of(app, &cell))),
            ActivityFeed::Events => ev_rows.push((line, event_of(app, &cell))),
        }
    }
    Ok(match feed {
        ActivityFeed::Transactions => FeedRows::Transactions(tx_rows),
        ActivityFeed::Events => FeedRows::Events(ev_rows),
    })
}

/// An instant as a file writes it: RFC 3339 with an offset, or a civil date-time in the bank's time zone
/// (`2026-12-01 09:30:00`).
fn instant(app: &App, s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let civil: jiff::civil::DateTime = s.replace(' ', "T").parse().ok()?;
    civil.to_zoned(app.tz.clone()).ok().map(|z| z.timestamp())
}

/// A yes/no cell (`true`/`false`, `1`/`0`, `是`/`否`; empty is no).
fn flag(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "否" => Some(false),
        "true" | "1" | "yes" | "是" => Some(true),
        _ => None,
    }
}

/// A code cell of an enum, or the rule it breaks (an empty cell is only `required`, said by the caller).
fn code<T>(e: &mut FieldErrors, field: &str, v: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
    let r = parse(v);
    if r.is_none() && !v.is_empty() {
        e.push(field, "unknown", "is not one of the codes in docs/book.md");
    }
    r
}

fn transaction_of<'a>(
    app: &App,
    cell: &dyn Fn(usize) -> &'a str,
) -> std::result::Result<TransactionRecord, (String, FieldErrors)> {
    let mut e = FieldErrors::new();
    for (i, c) in TX_COLUMNS.iter().enumerate().take(8) {
        if cell(i).is_empty() {
            e.push(*c, "required", "is required");
        }
    }
    let at = instant(app, cell(2));
    if at.is_none() && !cell(2).is_empty() {
        e.push(
            "at",
            "date",
            "must be a date and time (2026-12-01T09:30:00+08:00)",
        );
    }
    let currency = Currency::parse(cell(4)).ok();
    let digits = currency.map_or(2, |c| app.currency_digits(c));
    let amount = match parse_major(cell(3), digits) {
        Ok(v) => Some(v),
        Err(m) => {
            if !cell(3).is_empty() {
                e.push("amount", "amount", m);
            }
            None
        }
    };
    let direction = code(&mut e, "direction", cell(5), Direction::parse);
    let channel = code(&mut e, "channel", cell(6), TxChannel::parse);
    let counterparty = code(&mut e, "counterparty", cell(7), Counterparty::parse);
    let category = if cell(8).is_empty() {
        None
    } else {
        code(&mut e, "category", cell(8), TxCategory::parse)
    };
    let (cash, cross_border) = (flag(cell(9)), flag(cell(10)));
    if cash.is_none() {
        e.push("cash", "one_of", "must be true or false");
    }
    if cross_border.is_none() {
        e.push("cross_border", "one_of", "must be true or false");
    }
    match (at, currency, amount, direction, channel, counterparty) {
        (
            Some(at),
            Some(currency),
            Some(amount),
            Some(direction),
            Some(channel),
            Some(counterparty),
        ) if e.is_empty() => Ok(TransactionRecord {
            id: cell(0).to_owned(),
            account_no: cell(1).to_owned(),
            at,
            amount,
            currency,
            direction,
            channel,
            counterparty,
            category,
            cash: cash.unwrap_or(false),
            cross_border: cross_border.unwrap_or(false),
            description: Some(cell(11).to_owned()).filter(|d| !d.is_empty()),
        }),
        _ => Err((cell(0).to_owned(), e)),
    }
}

fn event_of<'a>(
    app: &App,
    cell: &dyn Fn(usize) -> &'a str,
) -> std::result::Result<ChannelEventRecord, (String, FieldErrors)> {
    let mut e = FieldErrors::new();
    for (i, c) in EVENT_COLUMNS.iter().enumerate().take(4) {
        if cell(i).is_empty() {
            e.push(*c, "required", "is required");
        }
    }
    let at = instant(app, cell(2));
    if at.is_none() && !cell(2).is_empty() {
        e.push(
            "at",
            "date",
            "must be a date and time (2026-12-01T09:30:00+08:00)",
        );
    }
    let kind = code(&mut e, "kind", cell(3), EventKind::parse);
    match (at, kind) {
        (Some(at), Some(kind)) if e.is_empty() => Ok(ChannelEventRecord {
            id: cell(0).to_owned(),
            customer: cell(1).to_owned(),
            at,
            kind,
            product: Some(cell(4).to_owned()).filter(|p| !p.is_empty()),
        }),
        _ => Err((cell(0).to_owned(), e)),
    }
}

/// The months (UTC) the records fall in, as partition bounds: (year, month, first µs, end µs).
fn months_of(instants: impl Iterator<Item = Timestamp>) -> Vec<(i16, i8, i64, i64)> {
    let firsts: BTreeSet<Date> = instants
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().first_of_month())
        .collect();
    firsts
        .into_iter()
        .filter_map(|d| {
            let start = d.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
            let end = d
                .checked_add(1.month())
                .ok()?
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()?
                .timestamp();
            Some((
                d.year(),
                d.month(),
                start.as_microsecond(),
                end.as_microsecond(),
            ))
        })
        .collect()
}

async fn run_transactions(
    app: &App,
    actor: &Actor,
    start: Start,
    rows: Vec<RowIn<TransactionRecord>>,
) -> Result<LoadReport> {
    actor.require(Permission::BookLoad)?;
    // Months only for records that can load (a record dated in 2099 makes no partition).
    let now = Timestamp::now();
    let months = months_of(
        rows.iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .filter(|r| r.check(now).is_empty())
            .map(|r| r.at),
    );
    astore::ensure_months(&app.db, "transactions", &months).await?;
    let resumed = start.resumed();
    let mut load = start.open(app, actor, rows.len()).await?;
    // `load` holds the counts committed so far; `counted` those of the chunks checked, one ahead.
    let mut counted = load.clone();
    let mut seen: HashSet<String> = HashSet::new();
    let mut touched: BTreeSet<CustomerId> = BTreeSet::new();
    let mut fresh = super::monitoring::Fresh::default();
    let mut accounts = Accounts::default();
    let outcome = async {
        // Pipelined by one chunk: while a chunk is written (PostgreSQL's or SQLite's work), the next is
        // checked (Banyan's: parse, accounts, known ids, rules). A day's 1,000,000 transactions, measured:
        // docs/benchmarks.md "The book: a day of transactions".
        let mut ready: Option<Ready> = None;
        for (k, chunk) in rows.chunks(FEED_CHUNK).enumerate() {
            let prev = ready.take();
            let mut w = Written {
                load: &mut counted,
                seen: &mut seen,
                touched: &mut touched,
                accounts: &mut accounts,
            };
            let (written, next) = tokio::join!(
                async move {
                    match prev {
                        Some(r) => write_ready(app, r).await.map(Some),
                        None => Ok(None),
                    }
                },
                check_transactions(app, &mut w, chunk),
            );
            if let Some((r, raced)) = written? {
                // The chunk checked meanwhile counted from the counts before the write found some records
                // already there: carry that into the counts that follow.
                counted.loaded -= raced;
                counted.unchanged += raced;
                committed(app, &months, &mut load, &mut fresh, r).await?;
            }
            let (rows, rejects) = next?;
            ready = Some(Ready {
                chunk: k,
                rows,
                rejects,
                load: counted.clone(),
            });
        }
        if let Some(r) = ready.take() {
            let (r, _) = write_ready(app, r).await?;
            committed(app, &months, &mut load, &mut fresh, r).await?;
        }
        if resumed {
            // What the runner before this one committed is read by insights and monitoring too.
            for (customer, id, at) in astore::transactions_of_load(&app.db.conn, load.id).await? {
                touched.insert(customer);
                fresh.add(&id, at);
            }
        }
        let ids: Vec<CustomerId> = touched.iter().copied().collect();
        // The two readings are independent (insights and alerts), so they run side by side: one waits
        // for the database while the other works. How long each takes, for operations (and the book
        // benchmark) to see.
        let started = std::time::Instant::now();
        let timed = |d: std::time::Duration| d.as_millis() as u64;
        let (insights, alerts) = tokio::join!(
            async {
                let n = super::insights::evaluate(app, &ids).await;
                (n, timed(started.elapsed()))
            },
            async {
                let n = super::monitoring::evaluate(app, &load.source, &ids, &fresh).await;
                (n, timed(started.elapsed()))
            },
        );
        let ((insights, insights_ms), (alerts, monitoring_ms)) =
            ((insights.0?, insights.1), (alerts.0?, alerts.1));
        tracing::info!(
            load = %load.id,
            customers = ids.len(),
            insights,
            alerts,
            insights_ms,
            monitoring_ms,
            rules_ms = timed(started.elapsed()),
            "transactions load read by insights and monitoring"
        );
        Ok(0)
    }
    .await;
    // Only rows monitoring has read are marked; otherwise the `book.monitor` sweep reads them.
    if outcome.is_ok() {
        load.monitored_at_us = Some(banyan_store::now_us());
    }
    loads::finish(app, actor, load, outcome).await
}

/// What a transaction needs of its account.
#[derive(Debug, Clone, Copy)]
struct AccountRef {
    id: Uuid,
    customer_id: CustomerId,
    currency: Currency,
}

/// The accounts a load has met so far, by number. A day's file names each account many times (1,000,000
/// transactions of 100,000 accounts: reading the accounts of every chunk took 9 of the load's 89 seconds),
/// so each is read once per load. Numbers not found are not remembered: a holdings load may bring the account
/// while this one runs.
#[derive(Default)]
struct Accounts(HashMap<String, AccountRef>);

impl Accounts {
    /// Reads the accounts of these numbers that are not known yet.
    async fn learn<C: ConnectionTrait>(
        &mut self,
        c: &C,
        source: &str,
        numbers: &[&str],
    ) -> Result<()> {
        let missing: BTreeSet<String> = numbers
            .iter()
            .filter(|n| !self.0.contains_key(**n))
            .map(|n| (*n).to_owned())
            .collect();
        let missing: Vec<String> = missing.into_iter().collect();
        for a in store::accounts_by_number(c, source, &missing).await? {
            let r = AccountRef {
                id: a.id,
                customer_id: a.customer_id,
                currency: a.currency,
            };
            self.0.insert(a.account_no, r);
        }
        Ok(())
    }
}

/// What a transactions load carries from chunk to chunk.
struct Written<'a> {
    load: &'a mut BookLoadRow,
    /// Ids met in this load (a second one is a duplicate).
    seen: &'a mut HashSet<String>,
    /// Customers whose transactions were written, for the insights and monitoring after the load.
    touched: &'a mut BTreeSet<CustomerId>,
    accounts: &'a mut Accounts,
}

/// Checks one chunk: its rows to write and its rejects, counted in the load. Reads outside the write
/// transaction (the chunk before may be being written): an id written by this load is caught by `seen`.
async fn check_transactions(
    app: &App,
    w: &mut Written<'_>,
    rows: &[RowIn<TransactionRecord>],
) -> Result<(Vec<TransactionRow>, Vec<BookRejectRow>)> {
    let c = &app.db.conn;
    let ok: Vec<&TransactionRecord> = rows.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    let numbers: Vec<&str> = ok.iter().map(|r| r.account_no.as_str()).collect();
    w.accounts.learn(c, &w.load.source, &numbers).await?;
    let (load, seen, touched) = (&mut *w.load, &mut *w.seen, &mut *w.touched);
    let accounts = &w.accounts.0;
    let ids: Vec<String> = ok.iter().map(|r| r.id.clone()).collect();
    let known = astore::known_ids(c, "transactions", "tx_id", &load.source, &ids).await?;
    let now = Timestamp::now();
    let (mut out, mut rejects) = (Vec::new(), Vec::new());
    for (line, row) in rows {
        let rec = match row {
            Ok(r) => r,
            Err((id, e)) => {
                rejects.push(reject(load.id, *line, id, e)?);
                continue;
            }
        };
        let mut e = rec.check(now);
        let account = accounts.get(&rec.account_no);
        let cny = app.policy().book.to_cny_minor(rec.amount, rec.currency);
        match account {
            None => e.push(
                "account_no",
                "unknown",
                "no account of this source has this number",
            ),
            // A currency the book does not know is said once, as unknown, not also as the wrong one.
            Some(a) if a.currency != rec.currency && cny.is_some() => e.push(
                "currency",
                "mismatch",
                format!("must be the account's currency {}", a.currency.as_str()),
            ),
            Some(_) => {}
        }
        if cny.is_none() {
            e.push("currency", "unknown", "is not a currency the book accepts");
        }
        if !seen.insert(rec.id.clone()) {
            e.push("id", "duplicate", "appears twice in this load");
        }
        let (Some(a), Some(cny), true) = (account, cny, e.is_empty()) else {
            rejects.push(reject(load.id, *line, &rec.id, &e)?);
            continue;
        };
        if known.contains(&rec.id) {
            load.unchanged += 1;
            continue;
        }
        touched.insert(a.customer_id);
        out.push(TransactionRow {
            source: load.source.clone(),
            tx_id: rec.id.clone(),
            account_id: a.id,
            customer_id: a.customer_id,
            at_us: rec.at.as_microsecond(),
            amount: rec.amount,
            currency: rec.currency,
            amount_cny: cny,
            direction: rec.direction,
            channel: rec.channel,
            counterparty: rec.counterparty,
            category: rec.category,
            cash: rec.cash,
            cross_border: rec.cross_border,
            description: rec.description.clone(),
            load_id: load.id,
        });
    }
    load.loaded += i64::try_from(out.len()).unwrap_or(i64::MAX);
    load.rejected += i64::try_from(rejects.len()).unwrap_or(i64::MAX);
    Ok((out, rejects))
}

/// One checked chunk: its rows, its rejects and the load's counts once it is written.
struct Ready {
    chunk: usize,
    rows: Vec<TransactionRow>,
    rejects: Vec<BookRejectRow>,
    load: BookLoadRow,
}

/// Writes a checked chunk and the load's counts in one transaction; returns it with how many of its rows
/// another load had written since they were checked (counted as unchanged).
async fn write_ready(app: &App, mut r: Ready) -> Result<(Ready, i64)> {
    let tx = app.db.begin_bulk_write().await?;
    let written = astore::insert_transactions(&*tx, &r.rows).await?;
    // Checked as new before this transaction; another load of the same records may have written some since.
    let raced = i64::try_from(r.rows.len() as u64 - written.min(r.rows.len() as u64)).unwrap_or(0);
    r.load.loaded -= raced;
    r.load.unchanged += raced;
    store::insert_rejects(&*tx, &r.rejects).await?;
    loads::advance(&*tx, &mut r.load).await?;
    tx.commit().await?;
    Ok((r, raced))
}

/// After a chunk committed: the load's committed counts, what monitoring reads once the load ends, and the
/// statistics of the months as they grow (only when rows were written: a reload of a known file writes none).
async fn committed(
    app: &App,
    months: &[(i16, i8, i64, i64)],
    load: &mut BookLoadRow,
    fresh: &mut super::monitoring::Fresh,
    r: Ready,
) -> Result<()> {
    *load = r.load;
    for t in &r.rows {
        fresh.add(&t.tx_id, t.at_us);
    }
    if grown(r.chunk) && load.loaded > 0 {
        astore::analyze_months(&app.db, "transactions", months).await?;
    }
    Ok(())
}

async fn run_events(
    app: &App,
    actor: &Actor,
    start: Start,
    rows: Vec<RowIn<ChannelEventRecord>>,
) -> Result<LoadReport> {
    actor.require(Permission::BookLoad)?;
    // Months only for records that can load (a record dated in 2099 makes no partition).
    let now = Timestamp::now();
    let months = months_of(
        rows.iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .filter(|r| r.check(now).is_empty())
            .map(|r| r.at),
    );
    astore::ensure_months(&app.db, "channel_events", &months).await?;
    let products: HashSet<String> = store::all_products(&app.db.conn)
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    let resumed = start.resumed();
    let mut load = start.open(app, actor, rows.len()).await?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut touched: BTreeSet<CustomerId> = BTreeSet::new();
    let outcome = async {
        for (k, chunk) in rows.chunks(FEED_CHUNK).enumerate() {
            let tx = app.db.begin_bulk_write().await?;
            write_events(&*tx, &products, &mut load, &mut seen, &mut touched, chunk).await?;
            loads::advance(&*tx, &mut load).await?;
            tx.commit().await?;
            // Statistics change only when rows were written (a reload of a known file writes none).
            if grown(k) && load.loaded > 0 {
                astore::analyze_months(&app.db, "channel_events", &months).await?;
            }
        }
        if resumed {
            let before = astore::customers_of_load(&app.db.conn, "channel_events", load.id).await?;
            touched.extend(before);
        }
        let ids: Vec<CustomerId> = touched.iter().copied().collect();
        super::insights::evaluate(app, &ids).await?;
        Ok(0)
    }
    .await;
    loads::finish(app, actor, load, outcome).await
}

async fn write_events<C: ConnectionTrait>(
    c: &C,
    products: &HashSet<String>,
    load: &mut BookLoadRow,
    seen: &mut HashSet<String>,
    touched: &mut BTreeSet<CustomerId>,
    rows: &[RowIn<ChannelEventRecord>],
) -> Result<()> {
    let ok: Vec<&ChannelEventRecord> = rows.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    let keys: Vec<&str> = ok.iter().map(|r| r.customer.as_str()).collect();
    let customers = loads::customers_named(c, &keys).await?;
    let ids: Vec<String> = ok.iter().map(|r| r.id.clone()).collect();
    let known = astore::known_ids(c, "channel_events", "event_id", &load.source, &ids).await?;
    let now = Timestamp::now();
    let (mut out, mut rejects) = (Vec::new(), Vec::new());
    for (line, row) in rows {
        let rec = match row {
            Ok(r) => r,
            Err((id, e)) => {
                rejects.push(reject(load.id, *line, id, e)?);
                continue;
            }
        };
        let mut e = rec.check(now);
        let customer = loads::customer_of(&customers, &rec.customer).map(|r| r.id);
        if customer.is_none() {
            e.push("customer", "unknown", "no customer has this number or id");
        }
        if rec.product.as_ref().is_some_and(|p| !products.contains(p)) {
            e.push(
                "product",
                "unknown",
                "no product in the catalogue has this code",
            );
        }
        if !seen.insert(rec.id.clone()) {
            e.push("id", "duplicate", "appears twice in this load");
        }
        let (Some(customer), true) = (customer, e.is_empty()) else {
            rejects.push(reject(load.id, *line, &rec.id, &e)?);
            continue;
        };
        if known.contains(&rec.id) {
            load.unchanged += 1;
            continue;
        }
        touched.insert(customer);
        out.push(EventRow {
            source: load.source.clone(),
            event_id: rec.id.clone(),
            customer_id: customer,
            at_us: rec.at.as_microsecond(),
            kind: rec.kind,
            product: rec.product.clone(),
            load_id: load.id,
        });
    }
    let written = astore::insert_events(c, &out).await?;
    // Checked as new in this transaction; another load of the same events may have written some meanwhile.
    let raced = out.len() as u64 - written.min(out.len() as u64);
    load.loaded += i64::try_from(written).unwrap_or(i64::MAX);
    load.unchanged += i64::try_from(raced).unwrap_or(i64::MAX);
    load.rejected += i64::try_from(rejects.len()).unwrap_or(i64::MAX);
    store::insert_rejects(c, &rejects).await?;
    Ok(())
}

/// What the retention removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retained {
    pub months_dropped: u64,
    pub rows_deleted: u64,
    /// Rejected rows of feed loads older than the policy's `rejects_days`.
    pub rejects_deleted: u64,
}

/// Removes transactions and channel events older than the policy's retention (whole months on
/// PostgreSQL, then what is left before the cut-off), and feeds' rejected rows older than theirs. Safe on
/// several nodes at once.
pub async fn apply_retention(app: &App) -> Result<Retained> {
    let r = &app.policy().book.retention;
    let today = app.today();
    let cuts = [
        (
            "transactions",
            today.checked_sub(i64::from(r.transactions_years).years()),
        ),
        (
            "channel_events",
            today.checked_sub(i64::from(r.events_days).days()),
        ),
    ];
    let mut out = Retained::default();
    // A feed's rejected rows serve the correction of the feed; past that they are account numbers kept for
    // nothing (some perhaps of a person erased since). First, and whatever the rest does.
    match drop_rejects(app, today, r.rejects_days).await {
        Ok(n) => out.rejects_deleted = n,
        Err(e) => {
            tracing::error!(error = %e, "deleting feeds' rejected rows past their retention failed")
        }
    }
    for (table, cut) in cuts {
        let Ok(cut) = cut else { continue };
        let month = cut.first_of_month();
        out.months_dropped +=
            astore::drop_months_before(&app.db, table, month.year(), month.month()).await?;
        let Ok(cut_us) = cut
            .to_zoned(app.tz.clone())
            .map(|z| z.timestamp().as_microsecond())
        else {
            continue;
        };
        let tx = app.db.begin_write().await?;
        out.rows_deleted += astore::delete_before(&*tx, table, cut_us).await?;
        tx.commit().await?;
    }
    Ok(out)
}

/// Rejected rows of the loads begun longer ago than `days`, deleted a batch per transaction (the first
/// run may find a backlog, and SQLite's writers wait for each); answers how many.
async fn drop_rejects(app: &App, today: jiff::civil::Date, days: u32) -> Result<u64> {
    let Ok(cut_us) = today
        .checked_sub(i64::from(days).days())
        .and_then(|d| d.to_zoned(app.tz.clone()))
        .map(|z| z.timestamp().as_microsecond())
    else {
        return Ok(0);
    };
    let mut n = 0;
    loop {
        let tx = app.db.begin_write().await?;
        let gone = astore::delete_rejects_before(&*tx, cut_us, 5_000).await?;
        tx.commit().await?;
        n += gone;
        if gone < 5_000 {
            return Ok(n);
        }
    }
}
