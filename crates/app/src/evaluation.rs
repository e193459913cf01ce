//! Evaluation (the policy engine's core, used by the segments use cases and by the reactions to a customer
//! change): customers under a policy, compared with their current assignments; what changed is written
//! (assignment, history with reason and policy, outbox event) in the caller's transaction. The batch runs
//! over everyone under a lease, or as a dry run of another policy.

use crate::App;
use crate::error::{AppError, Result};
use banyan_domain::customer::CustomerStatus;
use banyan_domain::policy::Policy;
use banyan_domain::segments::{Assessment, Assignment, Facts, Metrics};
use banyan_store::customers::{self as cstore, CustomerFilter, CustomerRow, ScopeFilter};
use banyan_store::segments::{self as store, AlertRow, AssignmentRow, HistoryRow, OutboxRow};
use banyan_store::{ConnectionTrait, misc, now_us};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

/// The policy a process runs with and its content hash (recorded in `policy_versions`).
pub fn policy_hash(p: &Policy) -> String {
    let digest = crate::crypto::sha256(p.canonical().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Dimensions whose values are ordered (listed from highest to lowest in the policy), so a change is an
/// upgrade or a downgrade.
fn rank(p: &Policy, dimension: &str, value: &str) -> Option<usize> {
    let s = &p.segments;
    match dimension {
        "asset_tier" => s.asset_tiers.iter().position(|t| t.name == value),
        "wealth_tier" => s.wealth.tiers.iter().position(|t| t.name == value),
        "value_tier" => s.value.tiers.iter().position(|t| t.name == value),
        // Ratings are listed from lowest risk; a higher position is a worse rating.
        "risk_rating" => s
            .risk_rating
            .individual
            .ratings
            .iter()
            .rev()
            .position(|r| r.rating == value),
        "credit_grade" => s
            .risk_rating
            .corporate
            .ratings
            .iter()
            .rev()
            .position(|r| r.rating == value),
        _ => None,
    }
}

/// One change an evaluation made (or, in a dry run, would make).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Change {
    pub customer_id: Uuid,
    pub customer_no: String,
    pub dimension: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// `upgrade`, `downgrade`, `change`, `assign` or `remove`.
    pub direction: String,
    pub reason: String,
}

/// What to do besides deciding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mode {
    /// Write changes (false: a dry run).
    pub write: bool,
    /// Also rewrite reasons whose value did not change (when new metrics arrived), so the reason shows
    /// today's figures; the nightly batch leaves unchanged assignments alone.
    pub refresh_reasons: bool,
    /// Open early-warning alerts (when metrics arrive).
    pub warnings: bool,
    /// The customers were created in the caller's transaction: nothing is stored about them yet (figures,
    /// assessments, assignments), so nothing is read (a bulk load's every chunk had read three empty answers).
    pub fresh: bool,
}

fn civil_date(app: &App, us: i64) -> Option<Date> {
    jiff::Timestamp::from_microsecond(us)
        .ok()
        .map(|t| t.to_zoned(app.tz.clone()).date())
}

/// Latest metrics and the earliest within the trend window before them, per customer. A stored metrics
/// document that does not parse is an error naming the customer and the date, never skipped: evaluating
/// without it would assign tiers from older figures.
/// Per customer: the latest metrics, the earliest within `window_days` before them (early warnings) and the
/// earliest within `trend_days` before them (the lifecycle trend).
type Split = (Metrics, Option<Metrics>, Option<Metrics>);

fn split_metrics(
    rows: Vec<store::MetricsRow>,
    window_days: i64,
    trend_days: i64,
) -> Result<HashMap<Uuid, Split>> {
    let mut by: HashMap<Uuid, Vec<Metrics>> = HashMap::new();
    for r in rows {
        let m = serde_json::from_str::<Metrics>(&r.data).map_err(|e| {
            AppError::internal_from(
                format!(
                    "customer_metrics of customer {} as of {} is unreadable",
                    r.customer_id, r.as_of
                ),
                e,
            )
        })?;
        by.entry(r.customer_id).or_default().push(m);
    }
    Ok(by
        .into_iter()
        .filter_map(|(id, mut ms)| {
            ms.sort_by_key(|m| m.as_of);
            let latest = ms.pop()?;
            let first_since = |days: i64| {
                let from = latest
                    .as_of
                    .checked_sub(jiff::Span::new().days(days))
                    .unwrap_or(latest.as_of);
                ms.iter().find(|m| m.as_of >= from).cloned()
            };
            let (earlier, trend) = (first_since(window_days), first_since(trend_days));
            Some((id, (latest, earlier, trend)))
        })
        .collect())
}

/// Evaluates customers under `policy`, compares with their current assignments and (in write mode)
/// writes what changed in the caller's transaction. Returns the changes.
pub(crate) async fn evaluate_rows<C: ConnectionTrait>(
    app: &App,
    c: &C,
    rows: &[CustomerRow],
    policy: &Policy,
    hash: &str,
    mode: Mode,
) -> Result<Vec<Change>> {
    // A merged record no longer stands (its figures count on the survivor), nor does a restricted or erased
    // one (a deletion request): none holds segments.
    let live: Vec<CustomerRow>;
    let rows = if rows.iter().any(|r| !r.status.is_processed()) {
        live = rows
            .iter()
            .filter(|r| r.status.is_processed())
            .cloned()
            .collect();
        &live[..]
    } else {
        rows
    };
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let today = app.today();
    let window = i64::from(policy.segments.warnings.aum_drop_days);
    let trend = i64::from(policy.segments.lifecycle.at_risk_window_days);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.uuid()).collect();
    let since = today
        .checked_sub(jiff::Span::new().days(window.max(trend) * 2))
        .unwrap_or(today)
        .to_string();
    let (figures, assessed, stored) = if mode.fresh {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        (
            store::recent_metrics(c, &ids, &since).await?,
            store::assessments_for(c, &ids).await?,
            if mode.refresh_reasons {
                store::assignments_for(c, &ids).await?
            } else {
                store::assignment_values_for(c, &ids).await?
            },
        )
    };
    let metrics = split_metrics(figures, window, trend)?;
    // The latest assessment per customer (rows come oldest first).
    let assessments: HashMap<Uuid, Assessment> = assessed
        .into_iter()
        .filter_map(|a| {
            Some((
                a.customer_id,
                Assessment {
                    level: a.level,
                    score: u32::try_from(a.score).ok()?,
                    assessed_on: a.assessed_on.parse().ok()?,
                    expires_on: a.expires_on.parse().ok()?,
                },
            ))
        })
        .collect();
    let mut current: HashMap<Uuid, BTreeMap<String, AssignmentRow>> = HashMap::new();
    for a in stored {
        current
            .entry(a.customer_id)
            .or_default()
            .insert(a.dimension.clone(), a);
    }
    let now = now_us();
    let mut changes = Vec::new();
    let (mut upserts, mut alerts) = (Vec::new(), Vec::new());
    let mut removals = Vec::new();
    let empty = BTreeMap::new();
    for r in rows {
        let kind = r.kind;
        let cur = current.get(&r.id.uuid()).unwrap_or(&empty);
        let cur_values: BTreeMap<String, String> = cur
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        let profile: serde_json::Value = serde_json::from_str(&r.profile).map_err(|e| {
            AppError::internal_from(
                format!("profile of customer {} is unreadable", r.customer_no),
                e,
            )
        })?;
        let money = |k: &str| {
            profile
                .get(k)
                .and_then(|m| m.get("minor"))
                .and_then(|m| m.as_i64())
        };
        let (m, earlier, trend_earlier) = match metrics.get(&r.id.uuid()) {
            Some((m, e, t)) => (Some(m), e.as_ref(), t.as_ref()),
            None => (None, None, None),
        };
        let facts = Facts {
            kind,
            verified: r.status == CustomerStatus::Verified,
            birth_date: r.birth_date.as_deref().and_then(|d| d.parse().ok()),
            industry: profile
                .get("industry")
                .and_then(|i| i.as_str())
                .and_then(|i| i.chars().next()),
            employees: profile
                .get("employees")
                .and_then(|e| e.as_u64())
                .and_then(|e| u32::try_from(e).ok()),
            revenue: money("annual_revenue"),
            total_assets: money("total_assets"),
            client_since: client_since(r.verified_at_us.and_then(|us| civil_date(app, us)), m),
            metrics: m,
            earlier,
            trend_earlier,
            assessment: assessments.get(&r.id.uuid()),
            current: &cur_values,
            today,
        };
        let decided: Vec<Assignment> = policy.segments.evaluate(&facts);
        let seen = compare(
            r,
            decided,
            cur,
            policy,
            hash,
            mode,
            now,
            &mut changes,
            &mut upserts,
        )?;
        for (dim, old) in cur {
            if !seen.contains(dim) {
                removals.push((r.id, dim.clone()));
                changes.push(Change {
                    customer_id: r.id.uuid(),
                    customer_no: r.customer_no.clone(),
                    dimension: dim.clone(),
                    old: Some(old.value.clone()),
                    new: None,
                    direction: "remove".into(),
                    reason: "the facts this dimension needs are no longer present".into(),
                });
            }
        }
        if mode.warnings
            && let Some(m) = m
        {
            alerts.extend(alerts_for(policy, r, m, earlier, today, now)?);
        }
    }
    if !mode.write {
        return Ok(changes);
    }
    let (history, outbox) = history_and_outbox(&changes, policy, hash, now);
    store::upsert_assignments(c, &upserts).await?;
    for (id, dim) in &removals {
        store::delete_assignment(c, (*id).uuid(), dim).await?;
    }
    store::insert_history(c, &history).await?;
    store::insert_outbox(c, &outbox).await?;
    open_alerts(c, &alerts, now).await?;
    Ok(changes)
}

/// What a batch did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchReport {
    pub customers: u64,
    /// Changes per dimension.
    pub changed: BTreeMap<String, u64>,
    /// The first changes, for a report (at most 100).
    pub sample: Vec<Change>,
    /// Customers whose assignments changed.
    pub customers_changed: u64,
}

impl BatchReport {
    fn add(&mut self, changes: Vec<Change>) {
        let mut seen = std::collections::HashSet::new();
        for c in changes {
            *self.changed.entry(c.dimension.clone()).or_default() += 1;
            if seen.insert(c.customer_id) {
                self.customers_changed += 1;
            }
            if self.sample.len() < 100 {
                self.sample.push(c);
            }
        }
    }
}

const LEASE: &str = "policy.evaluate";

const PAGE: u64 = 1000;

/// Re-evaluates every customer, a page at a time (one transaction per page), under a database lease so two
/// nodes never run it together. Returns `None` when another node holds the lease.
pub async fn evaluate_all(app: &App, progress: impl Fn(u64, u64)) -> Result<Option<BatchReport>> {
    let lease_for = |now: i64| now + 10 * 60 * 1_000_000;
    let now = now_us();
    if !misc::take_lease(&app.db.conn, LEASE, &app.node_id, now, lease_for(now)).await? {
        return Ok(None);
    }
    // One policy for the whole run, taken once the lease is held (the newest in force by then), though
    // another node may put a new one in force meanwhile.
    let policy = app.policy();
    let total = u64::try_from(cstore::count_customers(&app.db.conn).await?).unwrap_or(0);
    let mut report = BatchReport::default();
    let mut after = None;
    let result: Result<()> = async {
        loop {
            let page = page_of_customers(app, after).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.uuid());
            let tx = app.db.begin_write().await?;
            let changes = evaluate_rows(
                app,
                &*tx,
                &page,
                &policy,
                &policy.hash,
                Mode {
                    write: true,
                    refresh_reasons: false,
                    warnings: false,
                    fresh: false,
                },
            )
            .await?;
            tx.commit().await?;
            report.customers += page.len() as u64;
            report.add(changes);
            progress(report.customers, total);
            let now = now_us();
            if !misc::take_lease(&app.db.conn, LEASE, &app.node_id, now, lease_for(now)).await? {
                return Err(AppError::internal("the evaluation lease was lost"));
            }
        }
        Ok(())
    }
    .await;
    misc::release_lease(&app.db.conn, LEASE, &app.node_id).await?;
    result?;
    Ok(Some(report))
}

async fn page_of_customers(app: &App, after: Option<Uuid>) -> Result<Vec<CustomerRow>> {
    let f = CustomerFilter {
        after: after.map(cstore::Cursor::Id),
        ..CustomerFilter::scoped(ScopeFilter::All, PAGE)
    };
    Ok(cstore::list_customers(&app.db.conn, &f).await?)
}

/// A dry run: how many customers would change tier, rating or stage under `other` compared with the
/// policy in force, and which (first 100). Writes nothing.
pub async fn diff(app: &App, other: &Policy, progress: impl Fn(u64, u64)) -> Result<BatchReport> {
    // One policy for the whole run, though another node may put a new one in force meanwhile.
    let policy = app.policy();
    let total = u64::try_from(cstore::count_customers(&app.db.conn).await?).unwrap_or(0);
    let other_hash = policy_hash(other);
    let dry = Mode {
        write: false,
        refresh_reasons: false,
        warnings: false,
        fresh: false,
    };
    let mut report = BatchReport::default();
    let mut after = None;
    loop {
        let page = page_of_customers(app, after).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.uuid());
        let c = &app.db.conn;
        let now = evaluate_rows(app, c, &page, &policy, &policy.hash, dry).await?;
        let then = evaluate_rows(app, c, &page, other, &other_hash, dry).await?;
        let stored = stored_values(app, &page).await?;
        // The values each file ends with: what is stored, changed by that file's evaluation.
        let settle = |changes: &[Change]| {
            let mut m = stored.clone();
            for c in changes {
                m.insert((c.customer_id, c.dimension.clone()), c.new.clone());
            }
            m
        };
        let (a, b) = (settle(&now), settle(&then));
        let numbers: HashMap<Uuid, &str> = page
            .iter()
            .map(|r| (r.id.uuid(), r.customer_no.as_str()))
            .collect();
        let reasons: HashMap<(Uuid, String), &str> = then
            .iter()
            .map(|c| ((c.customer_id, c.dimension.clone()), c.reason.as_str()))
            .collect();
        let mut keys: Vec<&(Uuid, String)> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        let mut diffs = Vec::new();
        for k in keys {
            let (old, new) = (a.get(k).cloned().flatten(), b.get(k).cloned().flatten());
            if old == new {
                continue;
            }
            let direction = match (&old, &new) {
                (None, _) => "assign",
                (_, None) => "remove",
                (Some(o), Some(n)) => match (rank(other, &k.1, n), rank(&policy, &k.1, o)) {
                    (Some(nr), Some(or)) if nr < or => "upgrade",
                    (Some(nr), Some(or)) if nr > or => "downgrade",
                    _ => "change",
                },
            };
            diffs.push(Change {
                customer_id: k.0,
                customer_no: numbers.get(&k.0).copied().unwrap_or_default().to_owned(),
                dimension: k.1.clone(),
                old,
                new,
                direction: direction.into(),
                reason: reasons.get(k).copied().unwrap_or_default().to_owned(),
            });
        }
        report.customers += page.len() as u64;
        report.add(diffs);
        progress(report.customers, total);
    }
    Ok(report)
}

/// The stored value per (customer, dimension).
async fn stored_values(
    app: &App,
    page: &[CustomerRow],
) -> Result<HashMap<(Uuid, String), Option<String>>> {
    let ids: Vec<Uuid> = page.iter().map(|r| r.id.uuid()).collect();
    Ok(store::assignments_for(&app.db.conn, &ids)
        .await?
        .into_iter()
        .map(|a| ((a.customer_id, a.dimension), Some(a.value)))
        .collect())
}

/// The history row and the outbox event of each change, written with it.
fn history_and_outbox(
    changes: &[Change],
    policy: &Policy,
    hash: &str,
    now: i64,
) -> (Vec<HistoryRow>, Vec<OutboxRow>) {
    let (mut history, mut outbox) = (Vec::new(), Vec::new());
    for ch in changes {
        history.push(HistoryRow {
            id: Uuid::now_v7(),
            customer_id: ch.customer_id,
            dimension: ch.dimension.clone(),
            old_value: ch.old.clone(),
            new_value: ch.new.clone(),
            reason: ch.reason.clone(),
            policy_hash: hash.to_owned(),
            at_us: now,
        });
        outbox.push(OutboxRow {
            id: Uuid::now_v7(),
            topic: format!("segment.{}", ch.direction),
            customer_id: Some(ch.customer_id),
            payload: json!({
                "customer_id": ch.customer_id,
                "customer_no": ch.customer_no,
                "dimension": ch.dimension,
                "old": ch.old,
                "new": ch.new,
                "direction": ch.direction,
                "policy_version": policy.version,
                "policy_hash": hash,
            })
            .to_string(),
            created_at_us: now,
            published_at_us: None,
            seq: None,
        });
    }
    (history, outbox)
}

/// Early-warning alerts a customer's metrics call for, due after the policy's days, for the manager.
fn alerts_for(
    policy: &Policy,
    r: &CustomerRow,
    m: &Metrics,
    earlier: Option<&Metrics>,
    today: Date,
    now: i64,
) -> Result<Vec<AlertRow>> {
    let due = today
        .checked_add(jiff::Span::new().days(i64::from(policy.segments.warnings.due_days)))
        .unwrap_or(today);
    policy
        .segments
        .warnings(r.kind, m, earlier)
        .into_iter()
        .map(|w| {
            Ok(AlertRow {
                id: Uuid::now_v7(),
                customer_id: r.id.uuid(),
                indicator: w.indicator.clone(),
                subject: String::new(),
                status: banyan_domain::book::monitoring::AlertStatus::Open,
                owner_id: r.rm_id.map(Into::into),
                reason: w.reason.clone(),
                checks: crate::json::to_stored(
                    &w.checks,
                    format_args!("the checks of alert {}", w.indicator),
                )?,
                due_on: due.to_string(),
                created_at_us: now,
                closed_at_us: None,
                closed_by: None,
                resolution: None,
                disposition: None,
                escalated_at_us: None,
            })
        })
        .collect()
}

/// Opens the alerts (one open alert per indicator: an indicator already open is not opened again) and
/// announces each one opened in the outbox.
async fn open_alerts<C: ConnectionTrait>(c: &C, alerts: &[AlertRow], now: i64) -> Result<()> {
    for a in alerts {
        let opened = store::open_alerts(c, std::slice::from_ref(a)).await?;
        if opened > 0 {
            store::insert_outbox(
                c,
                &[OutboxRow {
                    id: Uuid::now_v7(),
                    topic: "alert.opened".into(),
                    customer_id: Some(a.customer_id),
                    // What opened, not why in figures (the reason quotes the customer's numbers; the alert's page
                    // shows it to those who may read it).
                    payload: json!({"alert_id": a.id, "customer_id": a.customer_id, "indicator": a.indicator, "owner_id": a.owner_id, "due_on": a.due_on}).to_string(),
                    created_at_us: now,
                    published_at_us: None,
                    seq: None,
                }],
            )
            .await?;
        }
    }
    Ok(())
}

/// Compares one customer's decided assignments with the current ones: a change for each new value (with
/// its direction), a rewrite when the value, the policy or (on new metrics) the reason changed. Returns the
/// dimensions decided.
#[allow(clippy::too_many_arguments)]
fn compare(
    r: &CustomerRow,
    decided: Vec<Assignment>,
    cur: &BTreeMap<String, AssignmentRow>,
    policy: &Policy,
    hash: &str,
    mode: Mode,
    now: i64,
    changes: &mut Vec<Change>,
    upserts: &mut Vec<AssignmentRow>,
) -> Result<Vec<String>> {
    let mut seen = Vec::new();
    for a in decided {
        seen.push(a.dimension.clone());
        let old = cur.get(&a.dimension);
        let value_changed = old.is_none_or(|o| o.value != a.value);
        let rewrite = value_changed
            || old.is_some_and(|o| o.policy_hash != hash)
            || (mode.refresh_reasons && old.is_some_and(|o| o.reason != a.reason));
        if value_changed {
            let direction = match (old, rank(policy, &a.dimension, &a.value)) {
                (None, _) => "assign",
                (Some(o), Some(new_rank)) => match rank(policy, &a.dimension, &o.value) {
                    Some(old_rank) if new_rank < old_rank => "upgrade",
                    Some(old_rank) if new_rank > old_rank => "downgrade",
                    _ => "change",
                },
                (Some(_), None) => "change",
            };
            changes.push(Change {
                customer_id: r.id.uuid(),
                customer_no: r.customer_no.clone(),
                dimension: a.dimension.clone(),
                old: old.map(|o| o.value.clone()),
                new: Some(a.value.clone()),
                direction: direction.into(),
                reason: a.reason.clone(),
            });
        }
        if rewrite {
            upserts.push(AssignmentRow {
                customer_id: r.id.uuid(),
                dimension: a.dimension.clone(),
                value: a.value.clone(),
                reason: a.reason.clone(),
                checks: crate::json::to_stored(
                    &a.checks,
                    format_args!("the checks of {}", a.dimension),
                )?,
                policy_hash: hash.to_owned(),
                assigned_at_us: now,
            });
        }
    }
    Ok(seen)
}

/// Writes figures (one row per customer and date: the later item wins), re-evaluates the customers they
/// belong to and plans their contacts, in the caller's transaction. The hand-posted metrics and the figures
/// derived from the book both come in here.
pub(crate) async fn write_figures<C: ConnectionTrait>(
    app: &App,
    tx: &C,
    recorded_by: Uuid,
    items: &[(CustomerRow, Metrics)],
) -> Result<Vec<Change>> {
    let policy = app.policy();
    let now = now_us();
    // Several items for one customer in a request are normal (a history), and PostgreSQL refuses an upsert
    // that touches one row twice; each customer is evaluated once.
    let mut by_key: BTreeMap<(Uuid, String), store::MetricsRow> = BTreeMap::new();
    let mut customers: Vec<CustomerRow> = Vec::new();
    for (r, m) in items {
        by_key.insert(
            (r.id.uuid(), m.as_of.to_string()),
            store::MetricsRow {
                customer_id: r.id.uuid(),
                as_of: m.as_of.to_string(),
                aum: m.aum(),
                data: serde_json::to_string(m)
                    .map_err(|e| AppError::internal_from("metrics as JSON", e))?,
                recorded_at_us: now,
                recorded_by,
            },
        );
        if !customers.iter().any(|c| c.id == r.id) {
            customers.push(r.clone());
        }
    }
    let rows: Vec<store::MetricsRow> = by_key.into_values().collect();
    store::upsert_metrics(tx, &rows).await?;
    let changes = evaluate_rows(
        app,
        tx,
        &customers,
        &policy,
        &policy.hash,
        Mode {
            write: true,
            refresh_reasons: true,
            warnings: true,
            fresh: false,
        },
    )
    .await?;
    crate::engagement::plan_rows(app, tx, &customers).await?;
    Ok(changes)
}

/// When the customer became a client: verified in Banyan, or earlier when the book's first account says so.
/// Only a verified customer has a tenure at all (a prospect with an account fed in stays a prospect).
fn client_since(verified: Option<Date>, m: Option<&Metrics>) -> Option<Date> {
    let verified = verified?;
    Some(match m.and_then(|m| m.client_since) {
        Some(first) if first < verified => first,
        _ => verified,
    })
}
