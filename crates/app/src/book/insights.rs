//! Insights: after each load, the policy's rules (`[[book.insights]]`) are read over the transactions,
//! channel events, holdings and contacts of the customers the load touched (and after a contact is logged,
//! over that customer's); a rule met makes an insight with its
//! figures and the records behind it (at most ten), and tells the customer's manager. A rule does not
//! repeat itself for a customer within its window. The manager marks an insight acted on or sets it aside
//! (with a note); an open insight past its expiry reads as expired.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::book::activity::Direction;
use banyan_domain::book::insight::{
    Evidence, InsightFacts, InsightRule, InsightSource, InsightStatus, InsightStep,
};
use banyan_domain::book::{AccountStatus, ProductKind, RiskLevel};
use banyan_domain::ids::CustomerId;
use banyan_store::book::activity::{self as astore, EventRow, TransactionRow};
use banyan_store::book::insights::{self as istore, EvidenceList, InsightRow};
use banyan_store::book::{self as store, AccountRow, ProductRow};
use banyan_store::cases::NoticeRow;
use banyan_store::customers as cstore;
use banyan_store::engagement::{self as estore, InteractionRow, TaskRow};
use banyan_store::now_us;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

const DAY_US: i64 = 86_400_000_000;
/// Records shown with an insight.
const EVIDENCE: usize = 10;

/// An insight as the customer's page and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InsightView {
    pub id: Uuid,
    /// The rule's code (`cross_border_need`).
    pub key: String,
    /// What the rule read (none when the policy no longer has the rule).
    pub source: Option<InsightSource>,
    /// A holdings rule that weighed the holdings against the customer's risk assessment (its evidence:
    /// the products above it), not maturities.
    pub above_risk_appetite: bool,
    pub status: InsightStatus,
    /// Open but past its expiry.
    pub expired: bool,
    pub facts: InsightFacts,
    pub evidence: Vec<Evidence>,
    pub created_at: String,
    pub expires_at: String,
    /// Who acted on it or set it aside (display name), when, and why.
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    pub version: i32,
    /// The follow-up task the insight opened, as it stands now.
    pub task: Option<FollowUpView>,
}

/// The task an insight opened.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    /// `call`, `visit`, `meeting` or `message`.
    pub method: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// `open`, `done` or `cancelled`.
    pub status: String,
}

impl From<&TaskRow> for FollowUpView {
    fn from(t: &TaskRow) -> Self {
        FollowUpView {
            id: t.id,
            method: t.method.clone(),
            due_on: t.due_on.clone(),
            status: t.status.clone(),
        }
    }
}

/// The follow-up an insight opens: a task for the customer's manager (the insight reads as acted on).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpInput {
    /// The insight's version as read.
    pub version: i32,
    /// `call`, `visit`, `meeting` or `message`.
    pub method: String,
    /// The day it is due (`YYYY-MM-DD`), from today to 90 days ahead.
    pub due_on: String,
    /// What to raise with the customer.
    #[serde(default)]
    pub note: Option<String>,
}

/// The furthest a follow-up may be due.
pub const FOLLOW_UP_DAYS: i64 = 90;

/// The manager's step on an insight, at the version read.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsightDecision {
    pub version: i32,
    /// What was done, or why it is set aside (required to set it aside).
    #[serde(default)]
    pub note: Option<String>,
}

/// What a rule found for one customer.
struct Found {
    facts: InsightFacts,
    evidence: Vec<Evidence>,
}

fn tx_matches(r: &InsightRule, t: &TransactionRow, since_us: i64) -> bool {
    t.at_us >= since_us
        && r.category.is_none_or(|c| t.category == Some(c))
        && r.direction.is_none_or(|d| t.direction == d)
        && r.counterparty.is_none_or(|c| t.counterparty == c)
}

/// Whether an inflow is at least `days` old and the customer's debits since it came in — up to now, so money
/// paid out after the idle days does not count as waiting — took at most the rule's share of it.
fn stayed_idle(
    r: &InsightRule,
    t: &TransactionRow,
    days: u32,
    all: &[&TransactionRow],
    now: i64,
) -> bool {
    if t.at_us + i64::from(days) * DAY_US > now {
        return false;
    }
    let out: i64 = all
        .iter()
        .filter(|o| o.direction == Direction::Debit && o.at_us > t.at_us && o.at_us <= now)
        .map(|o| o.amount_cny)
        .sum();
    i128::from(out) * 100 <= i128::from(t.amount_cny) * i128::from(r.max_outflow_percent)
}

fn from_transactions(r: &InsightRule, txs: &[&TransactionRow], now: i64) -> Option<Found> {
    let since = now - i64::from(r.window_days) * DAY_US;
    let mut hits: Vec<&&TransactionRow> = txs
        .iter()
        .filter(|t| tx_matches(r, t, since))
        .filter(|t| r.idle_days.is_none_or(|d| stayed_idle(r, t, d, txs, now)))
        .collect();
    let count = u32::try_from(hits.len()).unwrap_or(u32::MAX);
    let total: i64 = hits.iter().map(|t| t.amount_cny).sum();
    let single = hits.iter().map(|t| t.amount_cny).max().unwrap_or(0);
    if count < r.min_count || total < r.min_total * 100 || single < r.min_single * 100 {
        return None;
    }
    hits.sort_by_key(|t| std::cmp::Reverse(t.at_us));
    Some(Found {
        facts: InsightFacts {
            count,
            total_cny: total,
            window_days: r.window_days,
        },
        evidence: hits
            .iter()
            .take(EVIDENCE)
            .map(|t| Evidence {
                at: crate::fmt_us(t.at_us),
                amount_cny: Some(if t.direction == Direction::Debit {
                    -t.amount_cny
                } else {
                    t.amount_cny
                }),
                what: t.category.map_or_else(
                    || t.direction.as_str().to_owned(),
                    |c| c.as_str().to_owned(),
                ),
            })
            .collect(),
    })
}

fn from_events(r: &InsightRule, events: &[&EventRow], now: i64) -> Option<Found> {
    let since = now - i64::from(r.window_days) * DAY_US;
    let hits = events
        .iter()
        .filter(|e| e.at_us >= since && r.event.is_none_or(|k| e.kind == k))
        .map(|e| {
            let what = e
                .product
                .clone()
                .unwrap_or_else(|| e.kind.as_str().to_owned());
            (e.at_us, what)
        })
        .collect();
    counted(r, hits)
}

/// The contacts that met an interactions rule: each shown by its time and method, never by what was said
/// (the needs are the manager's notes, read on the customer's page by those who may).
fn from_interactions(r: &InsightRule, contacts: &[&InteractionRow], now: i64) -> Option<Found> {
    let since = now - i64::from(r.window_days) * DAY_US;
    let hits = contacts
        .iter()
        .filter(|i| i.occurred_at_us >= since)
        .filter(|i| r.contact_matches(&i.method, i.satisfaction, i.needs.as_deref()))
        .map(|i| (i.occurred_at_us, i.method.clone()))
        .collect();
    counted(r, hits)
}

/// A rule met by a count of records, each (instant, code): at least the rule's count, the newest shown.
fn counted(r: &InsightRule, hits: Vec<(i64, String)>) -> Option<Found> {
    counted_by(r, hits, crate::fmt_us)
}

/// [`counted`] for records dated by any ordered value (an instant, a day), shown by `shown`.
fn counted_by<T: Ord + Copy>(
    r: &InsightRule,
    mut hits: Vec<(T, String)>,
    shown: impl Fn(T) -> String,
) -> Option<Found> {
    let count = u32::try_from(hits.len()).unwrap_or(u32::MAX);
    if count < r.min_count {
        return None;
    }
    hits.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    Some(Found {
        facts: InsightFacts {
            count,
            total_cny: 0,
            window_days: r.window_days,
        },
        evidence: hits
            .into_iter()
            .take(EVIDENCE)
            .map(|(at, what)| Evidence {
                at: shown(at),
                amount_cny: None,
                what,
            })
            .collect(),
    })
}

/// The next maturity of a term product opened on `opened` (an auto-renewed deposit matures every term).
fn next_maturity(opened: Date, term_months: i32, today: Date) -> Option<Date> {
    let mut k = 1i32;
    loop {
        let d = opened.checked_add((k * term_months).months()).ok()?;
        if d >= today {
            return Some(d);
        }
        k += 1;
        if k > 1200 {
            return None;
        }
    }
}

/// The open accounts of products above `ceiling` (the highest level the customer's latest risk
/// assessment allows; none: never assessed, nothing to weigh), each by its opening day and product code.
fn above_appetite(
    r: &InsightRule,
    accounts: &[&AccountRow],
    products: &HashMap<Uuid, ProductRow>,
    ceiling: Option<RiskLevel>,
) -> Option<Found> {
    let ceiling = ceiling?;
    let hits: Vec<(Date, String)> = accounts
        .iter()
        .filter(|a| a.status != AccountStatus::Closed)
        .filter_map(|a| {
            let p = products.get(&a.product_id)?;
            (p.risk_level? > ceiling).then(|| (a.opened_on, p.code.clone()))
        })
        .collect();
    // A rule asks for at least one (validated), so none found is never met.
    counted_by(r, hits, |on| on.to_string())
}

fn from_holdings(
    r: &InsightRule,
    accounts: &[&AccountRow],
    products: &HashMap<Uuid, ProductRow>,
    today: Date,
) -> Option<Found> {
    let within = i64::from(r.matures_within_days?);
    let kind: ProductKind = r.product_kind?;
    let horizon = today.checked_add(within.days()).ok()?;
    let mut hits: Vec<(Date, String)> = accounts
        .iter()
        .filter(|a| a.status != AccountStatus::Closed)
        .filter_map(|a| {
            let p = products.get(&a.product_id).filter(|p| p.kind == kind)?;
            let m = next_maturity(a.opened_on, p.term_months?, today)?;
            (m <= horizon).then(|| (m, p.code.clone()))
        })
        .collect();
    if u32::try_from(hits.len()).unwrap_or(u32::MAX) < r.min_count {
        return None;
    }
    hits.sort();
    Some(Found {
        facts: InsightFacts {
            count: u32::try_from(hits.len()).unwrap_or(u32::MAX),
            total_cny: 0,
            window_days: r.window_days,
        },
        evidence: hits
            .into_iter()
            .take(EVIDENCE)
            .map(|(m, code)| Evidence {
                at: m.to_string(),
                amount_cny: None,
                what: code,
            })
            .collect(),
    })
}

/// The insights' rules over contacts, read for this customer once a contact is logged (wired as the app's
/// contact hook): only those, and so only the contacts, are read — the other sources have not changed.
pub(crate) async fn after_contact(app: &App, customer_id: Uuid) {
    after(app, customer_id, |r| {
        r.source == InsightSource::Interactions
    })
    .await;
}

/// The rules that weigh holdings against the risk assessment, read for this customer once an assessment
/// is recorded (wired as the app's assessment hook): a client re-assessed lower may now hold too much risk.
pub(crate) async fn after_assessment(app: &App, customer_id: Uuid) {
    after(app, customer_id, |r| r.above_risk_appetite).await;
}

/// The rules `which` picks, read for one customer after something was recorded of them. What was recorded
/// stands whatever this finds: a failure is logged (without the customer), and the rules are read again at
/// the customer's next such record or book load.
async fn after(app: &App, customer_id: Uuid, which: fn(&InsightRule) -> bool) {
    let policy = app.policy();
    let rules: Vec<&InsightRule> = policy.book.insights.iter().filter(|r| which(r)).collect();
    if let Err(e) = evaluate_rules(app, &[CustomerId::from_uuid(customer_id)], &rules).await {
        tracing::warn!(error = %e, "insights after a customer's record were not read");
    }
}

/// Reads the policy's rules for these customers and makes the insights they meet; returns how many.
pub(crate) async fn evaluate(app: &App, customers: &[CustomerId]) -> Result<u64> {
    let policy = app.policy();
    let rules: Vec<&InsightRule> = policy.book.insights.iter().collect();
    evaluate_rules(app, customers, &rules).await
}

/// A chunk of customers' records over the longest window, of the sources the rules read (none read for
/// a source no rule uses).
#[derive(Default)]
struct Sources {
    txs: Vec<TransactionRow>,
    events: Vec<EventRow>,
    contacts: Vec<InteractionRow>,
    accounts: Vec<AccountRow>,
    /// The highest product level each customer's latest risk assessment allows (holdings rules that weigh
    /// holdings against it).
    ceilings: HashMap<Uuid, RiskLevel>,
}

async fn read_sources(
    app: &App,
    rules: &[&InsightRule],
    chunk: &[CustomerId],
    since: i64,
) -> Result<Sources> {
    let c = &app.db.conn;
    let uses = |s: InsightSource| rules.iter().any(|r| r.source == s);
    let mut got = Sources::default();
    if uses(InsightSource::Transactions) {
        got.txs = astore::transactions_since(c, chunk, since).await?;
    }
    if uses(InsightSource::Events) {
        got.events = astore::events_since(c, chunk, since).await?;
    }
    if uses(InsightSource::Interactions) {
        let uuids: Vec<Uuid> = chunk.iter().map(|c| c.uuid()).collect();
        got.contacts = estore::interactions_since(c, &uuids, since).await?;
    }
    if uses(InsightSource::Holdings) {
        got.accounts = store::customer_accounts(c, chunk).await?;
    }
    if rules.iter().any(|r| r.above_risk_appetite) {
        let uuids: Vec<Uuid> = chunk.iter().map(|c| c.uuid()).collect();
        let policy = app.policy();
        // Oldest first per customer: the last one read is the latest.
        for a in banyan_store::segments::assessments_for(c, &uuids).await? {
            match policy.wealth.ceiling(&a.level) {
                Some(level) => got.ceilings.insert(a.customer_id, level),
                None => got.ceilings.remove(&a.customer_id),
            };
        }
    }
    Ok(got)
}

/// [`evaluate`] with these of the policy's rules.
async fn evaluate_rules(
    app: &App,
    customers: &[CustomerId],
    rules: &[&InsightRule],
) -> Result<u64> {
    if rules.is_empty() || customers.is_empty() {
        return Ok(0);
    }
    let now = now_us();
    let today = app.today();
    let longest = rules.iter().map(|r| r.window_days).max().unwrap_or(0);
    let since = now - i64::from(longest) * DAY_US;
    let products: HashMap<Uuid, ProductRow> =
        if rules.iter().any(|r| r.source == InsightSource::Holdings) {
            store::all_products(&app.db.conn)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect()
        } else {
            HashMap::new()
        };
    let mut made = 0u64;
    for chunk in customers.chunks(500) {
        let c = &app.db.conn;
        let Sources {
            txs,
            events,
            contacts,
            accounts,
            ceilings,
        } = read_sources(app, rules, chunk, since).await?;
        let uuids: Vec<Uuid> = chunk.iter().map(|c| c.uuid()).collect();
        let recent = istore::recent_insight_keys(c, chunk, since).await?;
        let rows = cstore::rows_by_ids(c, &uuids).await?;
        let mut new = Vec::new();
        let mut notices = Vec::new();
        let (txs_of, events_of) = (
            super::by_customer(&txs, |t| t.customer_id),
            super::by_customer(&events, |e| e.customer_id),
        );
        let accounts_of = super::by_customer(&accounts, |a| a.customer_id);
        let contacts_of = super::by_customer(&contacts, |i| CustomerId::from_uuid(i.customer_id));
        // A merged, restricted or erased record is not processed: no insight, no notice naming it.
        for row in rows.iter().filter(|r| r.status.is_processed()) {
            let my_tx: &[&TransactionRow] = txs_of.get(&row.id).map_or(&[], Vec::as_slice);
            let my_ev: &[&EventRow] = events_of.get(&row.id).map_or(&[], Vec::as_slice);
            let my_acc: &[&AccountRow] = accounts_of.get(&row.id).map_or(&[], Vec::as_slice);
            let my_contacts: &[&InteractionRow] =
                contacts_of.get(&row.id).map_or(&[], Vec::as_slice);
            for r in rules.iter().copied() {
                let window_start = now - i64::from(r.window_days) * DAY_US;
                let repeated = recent.iter().any(|(cid, key, at)| {
                    *cid == row.id.uuid() && *key == r.key && *at >= window_start
                });
                if repeated {
                    continue;
                }
                let found = match r.source {
                    InsightSource::Transactions => from_transactions(r, my_tx, now),
                    InsightSource::Events => from_events(r, my_ev, now),
                    InsightSource::Holdings if r.above_risk_appetite => {
                        let ceiling = ceilings.get(&row.id.uuid()).copied();
                        above_appetite(r, my_acc, &products, ceiling)
                    }
                    InsightSource::Holdings => from_holdings(r, my_acc, &products, today),
                    InsightSource::Interactions => from_interactions(r, my_contacts, now),
                };
                let Some(f) = found else { continue };
                let id = Uuid::now_v7();
                new.push(InsightRow {
                    id,
                    customer_id: row.id,
                    key: r.key.clone(),
                    status: InsightStatus::Open,
                    facts: f.facts,
                    evidence: EvidenceList(f.evidence),
                    created_at_us: now,
                    expires_at_us: now + i64::from(r.expires_days) * DAY_US,
                    decided_by: None,
                    decided_at_us: None,
                    note: None,
                    version: 1,
                    task_id: None,
                });
                if let Some(rm) = row.rm_id {
                    notices.push(NoticeRow {
                        id: Uuid::now_v7(),
                        staff_id: rm.uuid(),
                        case_id: None,
                        customer_id: Some(row.id.uuid()),
                        kind: "book.insight".into(),
                        text: format!("{} {}", row.customer_no, row.display_name),
                        created_at_us: now,
                        read_at_us: None,
                    });
                }
            }
        }
        if new.is_empty() {
            continue;
        }
        made += new.len() as u64;
        let tx = app.db.begin_write().await?;
        istore::insert_insights(&*tx, &new).await?;
        banyan_store::cases::insert_notices(&*tx, &notices).await?;
        tx.commit().await?;
    }
    Ok(made)
}

fn view_of(
    app: &App,
    r: InsightRow,
    by: Option<String>,
    task: Option<&TaskRow>,
    now: i64,
) -> InsightView {
    let policy = app.policy();
    let rule = policy.book.insights.iter().find(|x| x.key == r.key);
    InsightView {
        task: task.map(FollowUpView::from),
        id: r.id,
        source: rule.map(|x| x.source),
        above_risk_appetite: rule.is_some_and(|x| x.above_risk_appetite),
        key: r.key,
        status: r.status,
        expired: r.status == InsightStatus::Open && r.expires_at_us < now,
        facts: r.facts,
        evidence: r.evidence.0,
        created_at: crate::fmt_us(r.created_at_us),
        expires_at: crate::fmt_us(r.expires_at_us),
        decided_by: by,
        decided_at: r.decided_at_us.map(crate::fmt_us),
        note: r.note,
        version: r.version,
    }
}

/// A customer's insights, newest first (within the caller's scope; out of scope: not found).
pub async fn customer_insights(
    app: &App,
    actor: &Actor,
    who: impl Into<crate::scope::Customer<'_>>,
) -> Result<Vec<InsightView>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let row = crate::scope::read_in_scope(&app.db.conn, &grant, who.into()).await?;
    let now = now_us();
    let rows = istore::insights_of(&app.db.conn, row.id).await?;
    let task_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.task_id).collect();
    let tasks: HashMap<Uuid, TaskRow> = estore::tasks_by_ids(&app.db.conn, &task_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut out = Vec::new();
    for r in rows {
        let by = match r.decided_by {
            Some(s) => super::staff_name(app, s).await?,
            None => None,
        };
        let task = match r.task_id {
            Some(t) => Some(tasks.get(&t).ok_or_else(|| {
                AppError::internal(format!("the follow-up task of insight {} is missing", r.id))
            })?),
            None => None,
        };
        out.push(view_of(app, r, by, task, now));
    }
    Ok(out)
}

/// A manager's step on an insight as written: the step, the version read, the note, the task it opened.
struct Move {
    step: InsightStep,
    version: i32,
    note: Option<String>,
    task_id: Option<Uuid>,
}

/// Moves an insight by `step` at the version read, within the caller's scope (out of scope: not found), in
/// the caller's transaction; returns the insight as written and its customer.
async fn step_on<C: sea_orm::ConnectionTrait>(
    c: &C,
    grant: &crate::actor::Granted<'_>,
    actor: &Actor,
    id: Uuid,
    Move {
        step,
        version,
        note,
        task_id,
    }: Move,
) -> Result<(InsightRow, cstore::CustomerRow)> {
    let Some(old) = istore::find_insight(c, id).await? else {
        return Err(AppError::NotFound);
    };
    let customer = crate::scope::lock_in_scope(c, grant, old.customer_id.uuid()).await?;
    let Some(status) = old.status.apply(step) else {
        return Err(AppError::conflict(
            "invalid_state",
            "this insight was already acted on or set aside",
            json!({"current_status": old.status.as_str()}),
        ));
    };
    // An expired insight is a stale lead: neither followed up nor counted as acted on.
    if old.expires_at_us < now_us() {
        return Err(AppError::conflict(
            "expired",
            "this insight has expired",
            json!({"expires_at": crate::fmt_us(old.expires_at_us)}),
        ));
    }
    if version != old.version {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version),
            since: json!([]),
        });
    }
    let new = InsightRow {
        status,
        decided_by: Some(actor.id),
        decided_at_us: Some(now_us()),
        note,
        version: old.version + 1,
        task_id,
        ..old.clone()
    };
    if !istore::update_insight(c, &new, old.version).await? {
        return Err(AppError::VersionConflict {
            current_version: i64::from(old.version) + 1,
            since: json!([]),
        });
    }
    Ok((new, customer))
}

/// Marks an insight acted on (`act`) or sets it aside (`dismiss`, with the reason), at the version read;
/// audited. Needs the right to edit the customer, within scope.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: Uuid,
    step: InsightStep,
    d: InsightDecision,
) -> Result<InsightView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let note = super::note(d.note)?;
    if step == InsightStep::Dismiss && note.is_none() {
        return Err(AppError::field(
            "note",
            "required",
            "say why it is set aside",
        ));
    }
    let tx = app.db.begin_write().await?;
    let m = Move {
        step,
        version: d.version,
        note,
        task_id: None,
    };
    let (new, _) = step_on(&*tx, &grant, actor, id, m).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry::customer(
            match step {
                InsightStep::Act => "insight.act",
                InsightStep::Dismiss => "insight.dismiss",
            },
            new.customer_id.uuid(),
            json!({"insight": new.key}),
        )],
    )
    .await?;
    tx.commit().await?;
    let by = super::staff_name(app, actor.id).await?;
    Ok(view_of(app, new, by, None, now_us()))
}

/// Opens the follow-up of an insight: a task (kind `insight`, the rule's key as its plan) for the customer's
/// manager — or the caller when the customer has none — due on the day given, carried out like any task by
/// logging the contact with it; the insight reads as acted on. Audited; a retry with the same
/// Idempotency-Key opens one task.
pub async fn follow_up(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: FollowUpInput,
) -> Result<InsightView> {
    let grant = actor.require(Permission::CustomerUpdate)?;
    let mut errs = banyan_domain::FieldErrors::new();
    banyan_domain::engagement::check_method(&mut errs, "method", &input.method);
    let today = app.today();
    let last = today
        .checked_add(FOLLOW_UP_DAYS.days())
        .map_err(|e| AppError::internal_from("the last follow-up day", e))?;
    let due = match input.due_on.trim().parse::<Date>() {
        Ok(d) if d >= today && d <= last => Some(d),
        Ok(_) => {
            errs.push(
                "due_on",
                "range",
                format!("must be from today to {FOLLOW_UP_DAYS} days ahead"),
            );
            None
        }
        Err(_) => {
            errs.push("due_on", "format", "must be a date (YYYY-MM-DD)");
            None
        }
    };
    let note = match super::note(input.note) {
        Ok(n) => n,
        Err(AppError::Validation(e)) => {
            errs.0.extend(e.0);
            None
        }
        Err(e) => return Err(e),
    };
    errs.into_result()?;
    let due = due.ok_or_else(|| AppError::internal("a checked due day is missing"))?;
    let tx = app.db.begin_write().await?;
    let task_id = Uuid::now_v7();
    let m = Move {
        step: InsightStep::Act,
        version: input.version,
        note: note.clone(),
        task_id: Some(task_id),
    };
    let (new, customer) = step_on(&*tx, &grant, actor, id, m).await?;
    let now = now_us();
    let task = TaskRow {
        id: task_id,
        customer_id: new.customer_id.uuid(),
        owner_id: Some(customer.rm_id.map_or(actor.id.uuid(), |r| r.uuid())),
        kind: "insight".into(),
        plan_key: Some(new.key.clone()),
        method: input.method,
        due_on: due.to_string(),
        status: "open".into(),
        note,
        purpose: None,
        scheduled_at_us: None,
        key_customer: false,
        created_at_us: now,
        done_at_us: None,
        interaction_id: None,
        on_time: None,
    };
    estore::insert_tasks(&*tx, std::slice::from_ref(&task)).await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry::customer(
            "insight.follow_up",
            new.customer_id.uuid(),
            json!({"insight": new.key, "task_id": task.id, "method": task.method, "due_on": task.due_on, "owner_id": task.owner_id}),
        )],
    )
    .await?;
    let by = super::staff_name(app, actor.id).await?;
    let view = view_of(app, new, by, Some(&task), now);
    crate::idempotency::commit(tx, actor, 201, &view).await?;
    Ok(view)
}

/// An open insight on one of the caller's customers, for the home page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenInsight {
    pub customer_id: Uuid,
    pub customer_no: String,
    pub customer_name: String,
    pub insight: InsightView,
}

/// Open, unexpired insights on the customers in the caller's scope, newest first (at most `limit`).
pub async fn open_insights(app: &App, actor: &Actor, limit: u64) -> Result<Vec<OpenInsight>> {
    let grant = actor.require(Permission::CustomerRead)?;
    let now = now_us();
    let rows =
        istore::open_in_scope(&app.db.conn, &grant.scope(), now, limit.clamp(1, 100)).await?;
    Ok(rows
        .into_iter()
        .map(|(r, no, name)| OpenInsight {
            customer_id: r.customer_id.uuid(),
            customer_no: no,
            customer_name: name,
            insight: view_of(app, r, None, None, now),
        })
        .collect())
}

/// One rule's figures in the insight report (or the total, with `key` `total`).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct InsightReportLine {
    pub key: String,
    pub made: i64,
    /// Still open and not yet expired.
    pub open: i64,
    pub acted: i64,
    pub dismissed: i64,
    pub expired: i64,
    /// Follow-up tasks opened from the insights, and how many were done.
    pub tasks: i64,
    pub tasks_done: i64,
    /// Of those made, the sales opportunities: the base of `converted_pct` (all of a sales rule's, none of
    /// another's; in the total, the sum).
    pub offered: i64,
    /// Insights followed by a sale the gate let through within the conversion window; none for a rule that
    /// is not a sales opportunity (`sales_opportunity = false`: a suitability review, a care lead), where a
    /// sale is no measure of it. In the total: the converted of the rules that are.
    pub converted: Option<i64>,
    /// Acted on as a share of those made (percent, one decimal; none when none were made).
    pub acted_pct: Option<f64>,
    /// Converted as a share of those made; in the total, of those made by sales opportunities.
    pub converted_pct: Option<f64>,
}

/// The insight report: per rule and in total, for the insights made on the days asked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InsightReport {
    #[schema(value_type = String)]
    pub from: Date,
    #[schema(value_type = String)]
    pub to: Date,
    /// Days after an insight in which a sale counts it as converted (policy
    /// `book.insight_conversion_days`).
    pub conversion_days: u32,
    pub lines: Vec<InsightReportLine>,
    pub total: InsightReportLine,
}

fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// Fills in the open count and the shares.
fn finish_line(mut l: InsightReportLine) -> InsightReportLine {
    l.open = l.made - l.acted - l.dismissed - l.expired;
    l.acted_pct = pct(l.acted, l.made);
    l.converted_pct = l.converted.and_then(|c| pct(c, l.offered));
    l
}

/// How many insights were made on the days `from..=to` (at most 366 days) on the customers in the caller's
/// scope, and what became of them: acted on, set aside, expired, follow-ups opened and done, converted (a
/// sale or application the gate let through within `book.insight_conversion_days`).
pub async fn report(app: &App, actor: &Actor, from: Date, to: Date) -> Result<InsightReport> {
    let grant = actor.require(Permission::CustomerRead)?;
    super::report_days(from, to)?;
    let (since, until) = app.day_bounds(from, to)?;
    // One policy for the window and the rules' kinds, whatever is applied meanwhile.
    let policy = app.policy();
    let days = policy.book.insight_conversion_days;
    // Lag-tolerant: the replica serves it when configured and close enough behind.
    let rows = istore::report(
        app.db.reader(),
        &grant.scope(),
        since,
        until,
        now_us(),
        i64::from(days) * DAY_US,
    )
    .await?;
    // A key the policy in force no longer has (a bank dropped or renamed the rule) is weighed as the shipped
    // default weighs it — a care lead stays no sale after the rule is gone — and otherwise as a sale.
    let shipped = std::cell::OnceCell::new();
    let kind_in = |p: &banyan_domain::policy::Policy, key: &str| {
        p.book
            .insights
            .iter()
            .find(|r| r.key == key)
            .map(|r| r.sales_opportunity)
    };
    let sells = |key: &str| {
        kind_in(&policy, key)
            .or_else(|| {
                kind_in(
                    shipped.get_or_init(banyan_domain::policy::Policy::default_policy),
                    key,
                )
            })
            .unwrap_or(true)
    };
    let mut total = InsightReportLine {
        key: "total".into(),
        ..Default::default()
    };
    let mut converted = 0;
    let lines = rows
        .into_iter()
        .map(|r| {
            total.made += r.made;
            total.acted += r.acted;
            total.dismissed += r.dismissed;
            total.expired += r.expired;
            total.tasks += r.tasks;
            total.tasks_done += r.tasks_done;
            let sale = sells(&r.key);
            if sale {
                total.offered += r.made;
                converted += r.converted;
            }
            finish_line(InsightReportLine {
                key: r.key,
                made: r.made,
                offered: if sale { r.made } else { 0 },
                acted: r.acted,
                dismissed: r.dismissed,
                expired: r.expired,
                tasks: r.tasks,
                tasks_done: r.tasks_done,
                converted: sale.then_some(r.converted),
                ..Default::default()
            })
        })
        .collect();
    total.converted = (total.offered > 0).then_some(converted);
    Ok(InsightReport {
        from,
        to,
        conversion_days: days,
        lines,
        total: finish_line(total),
    })
}
