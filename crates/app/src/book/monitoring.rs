//! Monitoring: after each transactions load, the policy's criteria (`[book.monitoring]`) are read over the
//! customers the load touched — the new transactions with the history the criteria need. A criterion met
//! opens an alert in the one alert queue (beside the policy engine's early warnings) for the customer's
//! manager, due after the policy's days, or adds to the open one of the same customer, criterion and day;
//! the transactions behind it are kept as hits, once per transaction and criterion, so that loading a file
//! again raises nothing. The large-value hits make the compliance team's large-value report.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use crate::tabular::Words;
use banyan_domain::access::Permission;
use banyan_domain::book::AccountStatus;
use banyan_domain::book::monitoring::{self as m, AlertStatus, Criterion, Hit, Subject, Tx};
use banyan_domain::customer::CustomerKind;
use banyan_domain::ids::CustomerId;
use banyan_domain::money::Currency;
use banyan_store::book::activity::{self as astore, TransactionRow};
use banyan_store::book::monitoring::{self as mstore, HitRow};
use banyan_store::book::{self as store, AccountRow};
use banyan_store::cases::NoticeRow;
use banyan_store::customers as cstore;
use banyan_store::now_us;
use banyan_store::segments::{self as sstore, AlertRow, OutboxRow};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

const DAY_US: i64 = 86_400_000_000;

/// The transactions a load wrote, for monitoring: their ids (of the load's source) and the earliest instant.
#[derive(Debug, Default)]
pub(crate) struct Fresh {
    pub ids: HashSet<String>,
    pub earliest_us: Option<i64>,
}

impl Fresh {
    pub(crate) fn add(&mut self, id: &str, at_us: i64) {
        self.ids.insert(id.to_owned());
        self.earliest_us = Some(self.earliest_us.map_or(at_us, |e| e.min(at_us)));
    }
}

/// One transaction as monitoring reads it.
fn tx_of(app: &App, idx: usize, t: &TransactionRow, fresh: &HashSet<String>, source: &str) -> Tx {
    let usd_cents = if t.currency == Currency::CNY {
        None
    } else if t.currency == Currency::USD {
        Some(t.amount)
    } else {
        // Another currency's US-dollar equivalent through the reference rates (none configured for USD:
        // the CNY threshold is the one that holds).
        app.policy()
            .book
            .to_cny_minor(100, Currency::USD)
            .filter(|f| *f > 0)
            .map(|fen_per_usd| t.amount_cny * 100 / fen_per_usd)
    };
    Tx {
        idx,
        account: t.account_id,
        at_us: t.at_us,
        day: app.date_of_us(t.at_us),
        amount_cny: t.amount_cny,
        usd_cents,
        direction: t.direction,
        counterparty: t.counterparty,
        cash: t.cash,
        cross_border: t.cross_border,
        new: t.source == source && fresh.contains(&t.tx_id),
    }
}

/// Reads the criteria for these customers over the load's new transactions; returns how many alerts
/// opened.
pub(crate) async fn evaluate(
    app: &App,
    source: &str,
    customers: &[CustomerId],
    fresh: &Fresh,
) -> Result<u64> {
    let Some(earliest) = fresh.earliest_us else {
        return Ok(0);
    };
    let p = &app.policy().book.monitoring;
    // The whole bank day of the earliest new transaction, and the history before it.
    let since = earliest - p.history_days() * DAY_US;
    let mut opened = 0;
    for chunk in customers.chunks(200) {
        let c = &app.db.conn;
        let txs = astore::transactions_since(c, chunk, since).await?;
        let ids: Vec<Uuid> = chunk.iter().map(|c| c.uuid()).collect();
        let rows = cstore::rows_by_ids(c, &ids).await?;
        let accounts = store::customer_accounts(c, chunk).await?;
        let mut segs: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
        for a in sstore::assignments_for(c, &ids).await? {
            segs.entry(a.customer_id)
                .or_default()
                .push((a.dimension, a.value));
        }
        // Customers in the care programme are read against lower thresholds, and their team hears of it.
        let care = crate::care::teams_of_registered(c, chunk).await?;
        let txs_of = super::by_customer(&txs, |t| t.customer_id);
        let accounts_of = super::by_customer(&accounts, |a| a.customer_id);
        let tx = app.db.begin_bulk_write().await?;
        for row in &rows {
            let team = care.get(&row.id);
            let mine: &[&TransactionRow] = txs_of.get(&row.id).map_or(&[], Vec::as_slice);
            let my_accounts: &[&AccountRow] = accounts_of.get(&row.id).map_or(&[], Vec::as_slice);
            let list: Vec<Tx> = mine
                .iter()
                .enumerate()
                .map(|(i, t)| tx_of(app, i, t, &fresh.ids, source))
                .collect();
            let subject = Subject {
                person: row.kind == CustomerKind::Individual,
                limits: p.limits(
                    segs.get(&row.id.uuid()).map_or(&[][..], |v| v.as_slice()),
                    team.is_some(),
                ),
                opened: my_accounts.iter().map(|a| (a.id, a.opened_on)).collect(),
                dormant: my_accounts
                    .iter()
                    .filter(|a| a.status == AccountStatus::Dormant)
                    .map(|a| a.id)
                    .collect(),
                history_days: p.history_days(),
            };
            for hit in m::detect(p, &subject, &list) {
                let n = raise(app, &*tx, row, &hit, mine).await?;
                if n > 0
                    && let Some(team) = team
                {
                    let now = now_us();
                    let notices: Vec<NoticeRow> = team
                        .iter()
                        .filter(|s| Some(**s) != row.rm_id)
                        .map(|s| NoticeRow {
                            id: Uuid::now_v7(),
                            staff_id: s.uuid(),
                            case_id: None,
                            customer_id: Some(row.id.uuid()),
                            kind: "care.alert".into(),
                            text: row.customer_no.clone(),
                            created_at_us: now,
                            read_at_us: None,
                        })
                        .collect();
                    banyan_store::cases::insert_notices(&*tx, &notices).await?;
                }
                opened += n;
            }
        }
        tx.commit().await?;
    }
    Ok(opened)
}

/// The sweep's lease and how long one holding lasts.
pub const LEASE: &str = "book.monitor";
pub const LEASE_US: i64 = 180_000_000;

/// A load still marked running this long after it started has lost its node.
const STALE_RUNNING_US: i64 = 2 * 3600 * 1_000_000;

/// Monitoring that did not happen: a transactions load whose node ended (or whose monitoring failed) after
/// its rows were committed left them unread, and reloading the file finds them known. This reads them now —
/// the insights and the monitoring criteria over their customers, as the load would have — and marks the
/// load monitored; a load still marked running long after it started is recorded as stopped. Run by the
/// `book.monitor` job under its lease; returns how many loads it caught up.
pub async fn sweep(app: &App) -> Result<u64> {
    let now = now_us();
    let loads = store::unmonitored_loads(&app.db.conn, now - STALE_RUNNING_US, 20).await?;
    let mut done = 0;
    for mut load in loads {
        // Each load renews the sweep's lease, so that a long pass is not taken over by another node.
        let now = now_us();
        let held =
            banyan_store::misc::take_lease(&app.db.conn, LEASE, &app.node_id, now, now + LEASE_US)
                .await?;
        if !held {
            break;
        }
        if load.status == banyan_domain::imports::ImportStatus::Running {
            super::loads::stopped(&mut load)?;
            load.finished_at_us = Some(now);
            let tx = app.db.begin_write().await?;
            // A runner that renewed its claim meanwhile goes on; the sweep leaves that load to it.
            if !store::update_load(&*tx, &load).await? {
                continue;
            }
            let entry = super::loads::load_entry(&load);
            crate::audit::record_system(app, &*tx, "book.monitor", vec![entry]).await?;
            tx.commit().await?;
        }
        let rows = astore::transactions_of_load(&app.db.conn, load.id).await?;
        let mut fresh = Fresh::default();
        let mut customers: Vec<CustomerId> = Vec::new();
        for (customer, id, at) in &rows {
            fresh.add(id, *at);
            customers.push(*customer);
        }
        customers.sort_unstable_by_key(|c| c.uuid());
        customers.dedup();
        let read = async {
            super::insights::evaluate(app, &customers).await?;
            evaluate(app, &load.source, &customers, &fresh).await?;
            store::mark_monitored(&app.db.conn, load.id, now_us()).await?;
            Ok::<(), AppError>(())
        };
        // One load that fails is logged and retried next time; it does not hold up the others.
        match read.await {
            Ok(()) => {
                tracing::info!(load = %load.id, transactions = rows.len(), "unmonitored load caught up");
                done += 1;
            }
            Err(e) => {
                tracing::error!(load = %load.id, error = %e.chain(), "catching up a load failed");
            }
        }
    }
    Ok(done)
}

/// The day an alert opened today is due: `due_days` working days on (the large-value report is due within
/// five working days), by the calendar of the customer's branch or the bank's. Past the calendar's years
/// (next year's holidays not yet published) weekends only are skipped, as a case's deadline does.
fn due_day(app: &App, branch: &str) -> Result<jiff::civil::Date> {
    let n = app.policy().book.monitoring.due_days;
    let today = app.today();
    let name = &app.policy().feedback.calendar;
    let calendar = app.calendars.for_branch_or(branch, name).ok_or_else(|| {
        AppError::internal(format!("the working-day calendar `{name}` is not loaded"))
    })?;
    calendar
        .add_working_days(today, n)
        .or_else(|| calendar.lenient().add_working_days(today, n))
        .ok_or_else(|| AppError::internal("an alert's due day is out of range"))
}

/// Records one hit: into the open alert of its customer, criterion and day, or a new one for the manager
/// (told by a notice and announced in the outbox). Returns 1 when an alert opened. Transactions already
/// recorded for the criterion are not recorded again, and a hit with none new raises nothing.
async fn raise<C: sea_orm::ConnectionTrait>(
    app: &App,
    c: &C,
    row: &cstore::CustomerRow,
    hit: &Hit,
    txs: &[&TransactionRow],
) -> Result<u64> {
    let now = now_us();
    let indicator = hit.criterion.indicator();
    let subject = hit.day.to_string();
    let due = due_day(app, &row.branch_code)?;
    let alert = AlertRow {
        id: Uuid::now_v7(),
        customer_id: row.id.uuid(),
        indicator: indicator.clone(),
        subject: subject.clone(),
        status: AlertStatus::Open,
        owner_id: row.rm_id.map(Into::into),
        reason: format!(
            "{} {} {}",
            hit.criterion.as_str(),
            subject,
            hit.direction.as_str()
        ),
        checks: serde_json::to_string(&hit.checks)
            .map_err(|e| AppError::internal_from("an alert's checks", e))?,
        due_on: due.to_string(),
        created_at_us: now,
        closed_at_us: None,
        closed_by: None,
        resolution: None,
        disposition: None,
        escalated_at_us: None,
    };
    // Only transactions not yet recorded for the criterion count: a re-read (the sweep, a reload) whose
    // transactions are all recorded raises nothing, even when the day's alert was closed since.
    let ids: Vec<(String, String)> = hit
        .txs
        .iter()
        .filter_map(|i| txs.get(*i))
        .map(|t| (t.source.clone(), t.tx_id.clone()))
        .collect();
    let known = mstore::recorded(c, hit.criterion.as_str(), &ids).await?;
    let new: Vec<&&TransactionRow> = hit
        .txs
        .iter()
        .filter_map(|i| txs.get(*i))
        .filter(|t| !known.contains(&(t.source.clone(), t.tx_id.clone())))
        .collect();
    if new.is_empty() {
        return Ok(0);
    }
    // The open alert of the customer, criterion and day, or a new one; when another node opens it at the
    // same moment, the unique index keeps theirs and the hits join it.
    let (alert_id, opened) =
        match sstore::open_alert(c, alert.customer_id, &indicator, &subject).await? {
            // Joined: the alert's figures become this reading's, which counts the day's transactions so
            // far (compliance reads the day's total, not the first one that crossed the line).
            Some(a) => {
                sstore::refresh_alert(c, a.id, &alert.reason, &alert.checks).await?;
                (a.id, false)
            }
            None if sstore::open_alerts(c, std::slice::from_ref(&alert)).await? == 1 => {
                (alert.id, true)
            }
            None => {
                let a = sstore::open_alert(c, alert.customer_id, &indicator, &subject)
                    .await?
                    .ok_or_else(|| AppError::internal("an open alert refused and not found"))?;
                (a.id, false)
            }
        };
    let hits: Vec<HitRow> = new
        .iter()
        .map(|t| HitRow {
            id: Uuid::now_v7(),
            source: t.source.clone(),
            tx_id: t.tx_id.clone(),
            criterion: hit.criterion,
            alert_id,
            customer_id: row.id,
            day: hit.day,
            direction: t.direction,
            at_us: t.at_us,
            amount_cny: t.amount_cny,
        })
        .collect();
    mstore::insert_hits(c, &hits).await?;
    if !opened {
        return Ok(0);
    }
    sstore::insert_outbox(
        c,
        &[OutboxRow {
            id: Uuid::now_v7(),
            topic: "alert.opened".into(),
            customer_id: Some(alert.customer_id),
            payload: json!({"alert_id": alert.id, "customer_id": alert.customer_id, "indicator": indicator, "owner_id": alert.owner_id, "due_on": alert.due_on, "day": subject}).to_string(),
            created_at_us: now,
            published_at_us: None,
            seq: None,
        }],
    )
    .await?;
    if let Some(rm) = row.rm_id {
        banyan_store::cases::insert_notices(
            c,
            &[NoticeRow {
                id: Uuid::now_v7(),
                staff_id: rm.uuid(),
                case_id: None,
                customer_id: Some(row.id.uuid()),
                kind: "book.alert".into(),
                text: format!("{} {}", row.customer_no, row.display_name),
                created_at_us: now,
                read_at_us: None,
            }],
        )
        .await?;
    }
    Ok(1)
}

/// A transaction behind a monitoring alert.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HitView {
    pub tx_id: String,
    pub at: String,
    pub direction: banyan_domain::book::activity::Direction,
    /// CNY fen.
    pub amount_cny: i64,
}

/// The transactions behind an alert (none for an early warning).
pub(crate) async fn hits_of(app: &App, alert: Uuid) -> Result<Vec<HitView>> {
    Ok(mstore::hits_of_alert(&app.db.conn, alert)
        .await?
        .into_iter()
        .map(|h| HitView {
            tx_id: h.tx_id,
            at: crate::fmt_us(h.at_us),
            direction: h.direction,
            amount_cny: h.amount_cny,
        })
        .collect())
}

/// One line of the large-value report: a customer's large-value transactions of one day, criterion and
/// side.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LargeValueLine {
    pub day: String,
    pub customer_no: String,
    pub customer_name: String,
    pub criterion: Criterion,
    pub direction: banyan_domain::book::activity::Direction,
    pub count: i64,
    /// CNY fen.
    pub total_cny: i64,
}

/// The most lines one report holds (a longer period is asked for in parts).
pub const REPORT_LINES: u64 = 50_000;

/// The large-value report of the days `from..=to` (at most 366 days), within the caller's scope; audited
/// as an export.
pub async fn large_value_report(
    app: &App,
    actor: &Actor,
    from: Date,
    to: Date,
) -> Result<Vec<LargeValueLine>> {
    let grant = actor.require(Permission::MonitoringReport)?;
    super::report_days(from, to)?;
    let lines =
        mstore::large_value_report(&app.db.conn, &grant.scope(), from, to, REPORT_LINES + 1)
            .await?;
    if lines.len() as u64 > REPORT_LINES {
        return Err(AppError::field(
            "to",
            "too_many",
            "more than 50000 lines: ask for fewer days",
        ));
    }
    let out = lines
        .into_iter()
        .map(|l| {
            let corrupt =
                |what: &str| AppError::internal(format!("a stored {what} does not parse"));
            Ok(LargeValueLine {
                criterion: Criterion::parse(&l.criterion).ok_or_else(|| corrupt("criterion"))?,
                direction: banyan_domain::book::activity::Direction::parse(&l.direction)
                    .ok_or_else(|| corrupt("direction"))?,
                day: l.day,
                customer_no: l.customer_no,
                customer_name: l.display_name,
                count: l.count,
                total_cny: l.total_cny,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let tx = app.db.begin_write().await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "monitoring.large_value_report",
            entity: "report",
            entity_id: None,
            customer_id: None,
            detail: json!({"from": from.to_string(), "to": to.to_string(), "lines": out.len()}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// The report's columns, each a heading in the reader's words.
pub const REPORT_COLUMNS: [&str; 7] = [
    "day",
    "customer_no",
    "customer_name",
    "criterion",
    "direction",
    "count",
    "total_cny",
];

/// The large-value report as a CSV file in the reader's words (every cell neutralised).
pub async fn large_value_file(
    app: &App,
    actor: &Actor,
    from: Date,
    to: Date,
    words: &(dyn Words + Sync),
    money: &(dyn Fn(i64) -> String + Sync),
) -> Result<Vec<u8>> {
    let lines = large_value_report(app, actor, from, to).await?;
    let rows: Vec<Vec<String>> = lines
        .into_iter()
        .map(|l| {
            vec![
                l.day,
                l.customer_no,
                l.customer_name,
                l.criterion.as_str().to_owned(),
                l.direction.as_str().to_owned(),
                l.count.to_string(),
                money(l.total_cny),
            ]
        })
        .collect();
    crate::tabular::write_csv_for(words, &REPORT_COLUMNS, rows)
}
