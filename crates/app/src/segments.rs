//! The policy engine's use cases: metrics in, segments out.
//!
//! Customers are evaluated in the transaction that changes their facts (create, update, verification,
//! metrics) and by a batch over everyone (`banyan policy evaluate --all`, nightly under a lease). Only what
//! changed is written: the current assignment, a history row (old -> new, reason, policy), and an outbox
//! event for later modules; early-warning alerts open when metrics arrive.

use crate::App;
use crate::access::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::customer::{CustomerKind, CustomerStatus};
use banyan_domain::policy::Policy;
use banyan_domain::segments::{Assessment, Assignment, Check, Facts, Metrics, Refusal};
use banyan_store::customers::{self as cstore, CustomerFilter, CustomerRow, Lookup, ScopeFilter};
use banyan_store::segments::{self as store, AlertRow, AssignmentRow, HistoryRow, OutboxRow};
use banyan_store::{ConnectionTrait, misc, now_us};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use uuid::Uuid;

/// The policy a process runs with and its content hash (recorded in `policy_versions`).
pub fn policy_hash(p: &Policy) -> String {
    let digest = crate::crypto::sha256(p.canonical().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Every dimension and its possible values under a policy, for filters.
pub fn dimension_values(p: &Policy) -> Vec<(&'static str, Vec<String>)> {
    let s = &p.segments;
    let ratings = |c: &banyan_domain::segments::Scorecard| {
        c.ratings
            .iter()
            .map(|r| r.rating.clone())
            .collect::<Vec<_>>()
    };
    vec![
        (
            "age_group",
            s.age_groups.iter().map(|g| g.name.clone()).collect(),
        ),
        (
            "asset_tier",
            s.asset_tiers.iter().map(|t| t.name.clone()).collect(),
        ),
        (
            "wealth_tier",
            s.wealth.tiers.iter().map(|t| t.name.clone()).collect(),
        ),
        ("risk_rating", ratings(&s.risk_rating.individual)),
        ("credit_grade", ratings(&s.risk_rating.corporate)),
        (
            "company_size",
            vec![
                s.company_size.small_class.clone(),
                "medium".into(),
                "large".into(),
            ],
        ),
        (
            "lifecycle_stage",
            ["prospect", "new", "stable", "mature", "at_risk"]
                .map(String::from)
                .to_vec(),
        ),
        (
            "value_tier",
            s.value.tiers.iter().map(|t| t.name.clone()).collect(),
        ),
    ]
}

/// Segment filters from a request (`{"wealth_tier": "platinum"}`) as the store takes them; a name that is
/// not a dimension the engine decides is reported as `segments.<name>`.
pub(crate) fn segment_filter(
    segments: &BTreeMap<String, String>,
    errs: &mut banyan_domain::FieldErrors,
) -> Vec<(String, String)> {
    for d in segments.keys() {
        if !banyan_domain::segments::DIMENSIONS.contains(&d.as_str()) {
            errs.push(
                format!("segments.{d}"),
                "unknown_field",
                "is not a segment dimension",
            );
        }
    }
    segments
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
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
}

fn civil_date(app: &App, us: i64) -> Option<Date> {
    jiff::Timestamp::from_microsecond(us)
        .ok()
        .map(|t| t.to_zoned(app.tz.clone()).date())
}

fn parse_kind(s: &str) -> Option<CustomerKind> {
    CustomerKind::parse(s)
}

/// Latest metrics and the earliest within the trend window before them, per customer.
fn split_metrics(
    rows: Vec<store::MetricsRow>,
    window_days: i64,
) -> HashMap<Uuid, (Metrics, Option<Metrics>)> {
    let mut by: HashMap<Uuid, Vec<Metrics>> = HashMap::new();
    for r in rows {
        if let Ok(m) = serde_json::from_str::<Metrics>(&r.data) {
            by.entry(r.customer_id).or_default().push(m);
        }
    }
    by.into_iter()
        .filter_map(|(id, mut ms)| {
            ms.sort_by_key(|m| m.as_of);
            let latest = ms.pop()?;
            let from = latest
                .as_of
                .checked_sub(jiff::Span::new().days(window_days))
                .unwrap_or(latest.as_of);
            let earlier = ms.into_iter().find(|m| m.as_of >= from);
            Some((id, (latest, earlier)))
        })
        .collect()
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
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let today = app.today();
    let window = i64::from(policy.segments.warnings.aum_drop_days);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let since = today
        .checked_sub(jiff::Span::new().days(window * 2))
        .unwrap_or(today)
        .to_string();
    let metrics = split_metrics(store::recent_metrics(c, &ids, &since).await?, window);
    // The latest assessment per customer (rows come oldest first).
    let assessments: HashMap<Uuid, Assessment> = store::assessments_for(c, &ids)
        .await?
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
    let stored = if mode.refresh_reasons {
        store::assignments_for(c, &ids).await?
    } else {
        store::assignment_values_for(c, &ids).await?
    };
    for a in stored {
        current
            .entry(a.customer_id)
            .or_default()
            .insert(a.dimension.clone(), a);
    }
    let now = now_us();
    let mut changes = Vec::new();
    let (mut upserts, mut history, mut outbox, mut alerts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut removals = Vec::new();
    let empty = BTreeMap::new();
    for r in rows {
        let Some(kind) = parse_kind(&r.kind) else {
            continue;
        };
        let cur = current.get(&r.id).unwrap_or(&empty);
        let cur_values: BTreeMap<String, String> = cur
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        let profile: serde_json::Value = serde_json::from_str(&r.profile).unwrap_or_default();
        let money = |k: &str| {
            profile
                .get(k)
                .and_then(|m| m.get("minor"))
                .and_then(|m| m.as_i64())
        };
        let (m, earlier) = match metrics.get(&r.id) {
            Some((m, e)) => (Some(m), e.as_ref()),
            None => (None, None),
        };
        let facts = Facts {
            kind,
            verified: CustomerStatus::parse(&r.status) == Some(CustomerStatus::Verified),
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
            client_since: r.verified_at_us.and_then(|us| civil_date(app, us)),
            metrics: m,
            earlier,
            assessment: assessments.get(&r.id),
            current: &cur_values,
            today,
        };
        let decided: Vec<Assignment> = policy.segments.evaluate(&facts);
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
                    customer_id: r.id,
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
                    customer_id: r.id,
                    dimension: a.dimension.clone(),
                    value: a.value.clone(),
                    reason: a.reason.clone(),
                    checks: serde_json::to_string(&a.checks).unwrap_or_else(|_| "[]".into()),
                    policy_hash: hash.to_owned(),
                    assigned_at_us: now,
                });
            }
        }
        for (dim, old) in cur {
            if !seen.contains(dim) {
                removals.push((r.id, dim.clone()));
                changes.push(Change {
                    customer_id: r.id,
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
            for w in policy.segments.warnings(kind, m, earlier) {
                let due = today
                    .checked_add(
                        jiff::Span::new().days(i64::from(policy.segments.warnings.due_days)),
                    )
                    .unwrap_or(today);
                alerts.push(AlertRow {
                    id: Uuid::now_v7(),
                    customer_id: r.id,
                    indicator: w.indicator.clone(),
                    status: "open".into(),
                    owner_id: r.rm_id,
                    reason: w.reason.clone(),
                    checks: serde_json::to_string(&w.checks).unwrap_or_else(|_| "[]".into()),
                    due_on: due.to_string(),
                    created_at_us: now,
                    closed_at_us: None,
                });
            }
        }
    }
    if !mode.write {
        return Ok(changes);
    }
    for ch in &changes {
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
                "reason": ch.reason,
                "policy_version": policy.version,
                "policy_hash": hash,
            })
            .to_string(),
            created_at_us: now,
            published_at_us: None,
        });
    }
    store::upsert_assignments(c, &upserts).await?;
    for (id, dim) in &removals {
        store::delete_assignment(c, *id, dim).await?;
    }
    store::insert_history(c, &history).await?;
    store::insert_outbox(c, &outbox).await?;
    for a in &alerts {
        let opened = store::open_alerts(c, std::slice::from_ref(a)).await?;
        if opened > 0 {
            store::insert_outbox(
                c,
                &[OutboxRow {
                    id: Uuid::now_v7(),
                    topic: "alert.opened".into(),
                    customer_id: Some(a.customer_id),
                    payload: json!({"customer_id": a.customer_id, "indicator": a.indicator, "owner_id": a.owner_id, "due_on": a.due_on, "reason": a.reason}).to_string(),
                    created_at_us: now,
                    published_at_us: None,
                }],
            )
            .await?;
        }
    }
    Ok(changes)
}

/// Re-evaluates customers whose facts just changed, and plans their contact tasks (a tier change moves
/// the next due date), in the writer's transaction.
pub(crate) async fn on_change<C: ConnectionTrait>(
    app: &App,
    c: &C,
    rows: &[CustomerRow],
) -> Result<()> {
    evaluate_rows(
        app,
        c,
        rows,
        &app.policy,
        &app.policy_hash,
        Mode {
            write: true,
            refresh_reasons: true,
            warnings: false,
        },
    )
    .await?;
    crate::engagement::plan_rows(app, c, rows).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Metrics in
// ---------------------------------------------------------------------------------------------

/// One customer's metrics: the customer by id or customer number.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsInput {
    /// Customer id (UUID) or customer number (`P-BR0001-00000001`).
    pub customer: String,
    pub metrics: Metrics,
}

/// A rejected item of a metrics load.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetricsRejection {
    /// Position in the request (0-based) or line in the file.
    pub index: usize,
    pub customer: String,
    #[schema(value_type = Object)]
    pub errors: serde_json::Value,
}

/// What a metrics load did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetricsReport {
    pub accepted: usize,
    pub rejected: Vec<MetricsRejection>,
    /// Segment changes the new figures caused.
    pub changes: Vec<Change>,
}

/// Loads metrics (validated per item; the valid ones are written with their re-evaluation in one
/// transaction per 500 items) and re-evaluates the customers they belong to.
pub async fn record_metrics(
    app: &App,
    actor: &Actor,
    items: Vec<MetricsInput>,
) -> Result<MetricsReport> {
    actor.require(Permission::MetricsWrite)?;
    let today = app.today();
    let mut rejected = Vec::new();
    let mut ok: Vec<(usize, CustomerRow, Metrics)> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let mut errs = banyan_domain::FieldErrors::new();
        item.metrics.check(&mut errs, "metrics");
        if item.metrics.as_of > today {
            errs.push("metrics.as_of", "not_future", "must not be after today");
        }
        let row = find_customer(app, actor, &item.customer).await?;
        if row.is_none() {
            errs.push("customer", "not_found", "no such customer in your scope");
        }
        match (row, errs.into_result()) {
            (Some(r), Ok(())) => ok.push((i, r, item.metrics)),
            (_, Err(e)) => rejected.push(MetricsRejection {
                index: i,
                customer: item.customer,
                errors: serde_json::to_value(&e.0).unwrap_or_default(),
            }),
            (None, Ok(())) => {}
        }
    }
    let accepted = ok.len();
    let mut changes = Vec::new();
    for chunk in ok.chunks(500) {
        let tx = app.db.begin_write().await?;
        let now = now_us();
        let rows: Vec<store::MetricsRow> = chunk
            .iter()
            .map(|(_, r, m)| store::MetricsRow {
                customer_id: r.id,
                as_of: m.as_of.to_string(),
                aum: m.aum(),
                data: serde_json::to_string(m).unwrap_or_default(),
                recorded_at_us: now,
                recorded_by: actor.id,
            })
            .collect();
        store::upsert_metrics(&*tx, &rows).await?;
        let customers: Vec<CustomerRow> = chunk.iter().map(|(_, r, _)| r.clone()).collect();
        changes.extend(
            evaluate_rows(
                app,
                &*tx,
                &customers,
                &app.policy,
                &app.policy_hash,
                Mode {
                    write: true,
                    refresh_reasons: true,
                    warnings: true,
                },
            )
            .await?,
        );
        crate::engagement::plan_rows(app, &*tx, &customers).await?;
        let entries = chunk
            .iter()
            .map(|(_, r, m)| Entry {
                action: "metrics.record",
                entity: "customer_metrics",
                entity_id: Some(format!("{}:{}", r.id, m.as_of)),
                customer_id: Some(r.id),
                detail: json!({"as_of": m.as_of.to_string(), "aum": m.aum()}),
            })
            .collect();
        audit::record(&*tx, actor, entries).await?;
        tx.commit().await?;
    }
    Ok(MetricsReport {
        accepted,
        rejected,
        changes,
    })
}

/// A customer by id or number, within the actor's scope.
async fn find_customer(app: &App, actor: &Actor, key: &str) -> Result<Option<CustomerRow>> {
    let key = key.trim();
    let row = match key.parse::<Uuid>() {
        Ok(id) => cstore::find_customer(&app.db.conn, id).await?,
        Err(_) => {
            let f = CustomerFilter {
                lookups: vec![Lookup::CustomerNo(key.to_ascii_uppercase())],
                ..CustomerFilter::scoped(ScopeFilter::All, 1)
            };
            cstore::list_customers(&app.db.conn, &f).await?.pop()
        }
    };
    Ok(row.filter(|r| actor.can_see(&r.branch_code, r.rm_id)))
}

// ---------------------------------------------------------------------------------------------
// Segments out
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub dimension: String,
    pub value: String,
    pub reason: String,
    pub checks: Vec<Check>,
    pub assigned_at: String,
    pub policy_hash: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryView {
    pub dimension: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: String,
    pub policy_hash: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasuresView {
    /// `risk_rating` (individuals) or `credit_grade` (corporates and institutions).
    pub dimension: String,
    /// `None` until the customer has been rated (metrics needed).
    pub rating: Option<String>,
    pub measures: Vec<String>,
    /// Actions refused for this rating.
    pub blocked: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub indicator: String,
    pub status: String,
    pub owner_id: Option<Uuid>,
    pub reason: String,
    pub due_on: String,
    pub created_at: String,
}

/// A customer's segments with their reasons, history, measures and alerts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SegmentsView {
    pub customer_id: Uuid,
    pub policy_version: String,
    pub policy_hash: String,
    pub assignments: Vec<AssignmentView>,
    pub history: Vec<HistoryView>,
    pub measures: MeasuresView,
    pub alerts: Vec<AlertView>,
}

async fn in_scope(app: &App, actor: &Actor, id: Uuid) -> Result<CustomerRow> {
    actor.require(Permission::CustomerRead)?;
    crate::customers::load_in_scope(&app.db.conn, actor, id).await
}

fn measures_of(policy: &Policy, kind: &str, assignments: &[AssignmentRow]) -> MeasuresView {
    let dimension = if kind == "individual" {
        "risk_rating"
    } else {
        "credit_grade"
    };
    let rating = assignments
        .iter()
        .find(|a| a.dimension == dimension)
        .map(|a| a.value.clone());
    let m = rating
        .as_deref()
        .and_then(|r| policy.segments.measures_for(r));
    MeasuresView {
        dimension: dimension.into(),
        measures: m.map(|m| m.measures.clone()).unwrap_or_default(),
        blocked: m.map(|m| m.blocked.clone()).unwrap_or_default(),
        rating,
    }
}

pub async fn segments(app: &App, actor: &Actor, id: Uuid) -> Result<SegmentsView> {
    let row = in_scope(app, actor, id).await?;
    let c = &app.db.conn;
    let assignments = store::assignments_for(c, &[id]).await?;
    let history = store::history_for(c, id, 100).await?;
    let alerts = store::alerts_for(c, id).await?;
    Ok(SegmentsView {
        customer_id: id,
        policy_version: app.policy.version.clone(),
        policy_hash: app.policy_hash.clone(),
        measures: measures_of(&app.policy, &row.kind, &assignments),
        assignments: assignments
            .into_iter()
            .map(|a| AssignmentView {
                checks: serde_json::from_str(&a.checks).unwrap_or_default(),
                assigned_at: crate::fmt_us(a.assigned_at_us),
                dimension: a.dimension,
                value: a.value,
                reason: a.reason,
                policy_hash: a.policy_hash,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| HistoryView {
                at: crate::fmt_us(h.at_us),
                dimension: h.dimension,
                old: h.old_value,
                new: h.new_value,
                reason: h.reason,
                policy_hash: h.policy_hash,
            })
            .collect(),
        alerts: alerts
            .into_iter()
            .map(|a| AlertView {
                id: a.id,
                customer_id: a.customer_id,
                created_at: crate::fmt_us(a.created_at_us),
                indicator: a.indicator,
                status: a.status,
                owner_id: a.owner_id,
                reason: a.reason,
                due_on: a.due_on,
            })
            .collect(),
    })
}

pub async fn measures(app: &App, actor: &Actor, id: Uuid) -> Result<MeasuresView> {
    let row = in_scope(app, actor, id).await?;
    let assignments = store::assignments_for(&app.db.conn, &[id]).await?;
    Ok(measures_of(&app.policy, &row.kind, &assignments))
}

/// Whether the customer's rating permits `action`; later modules call this before they act. A refusal is
/// a 403 whose message gives the rating and the policy key.
pub async fn permits(app: &App, actor: &Actor, id: Uuid, action: &str) -> Result<()> {
    let m = measures(app, actor, id).await?;
    banyan_domain::segments::permits(&app.policy.segments, m.rating.as_deref(), action).map_err(
        |Refusal { reason, .. }| AppError::Forbidden {
            code: "policy_measure",
            message: reason,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Batch: evaluate everyone, or a dry run of another policy
// ---------------------------------------------------------------------------------------------

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
    let total = u64::try_from(cstore::count_customers(&app.db.conn).await?).unwrap_or(0);
    let mut report = BatchReport::default();
    let mut after = None;
    let result: Result<()> = async {
        loop {
            let page = page_of_customers(app, after).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let tx = app.db.begin_write().await?;
            let changes = evaluate_rows(
                app,
                &*tx,
                &page,
                &app.policy,
                &app.policy_hash,
                Mode {
                    write: true,
                    refresh_reasons: false,
                    warnings: false,
                },
            )
            .await?;
            tx.commit().await?;
            report.customers += page.len() as u64;
            report.add(changes);
            progress(report.customers, total);
            let now = now_us();
            if !misc::take_lease(&app.db.conn, LEASE, &app.node_id, now, lease_for(now)).await? {
                return Err(AppError::Internal("the evaluation lease was lost".into()));
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
    let total = u64::try_from(cstore::count_customers(&app.db.conn).await?).unwrap_or(0);
    let other_hash = policy_hash(other);
    let dry = Mode {
        write: false,
        refresh_reasons: false,
        warnings: false,
    };
    let mut report = BatchReport::default();
    let mut after = None;
    loop {
        let page = page_of_customers(app, after).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let c = &app.db.conn;
        let now = evaluate_rows(app, c, &page, &app.policy, &app.policy_hash, dry).await?;
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
            .map(|r| (r.id, r.customer_no.as_str()))
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
                (Some(o), Some(n)) => match (rank(other, &k.1, n), rank(&app.policy, &k.1, o)) {
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
    let ids: Vec<Uuid> = page.iter().map(|r| r.id).collect();
    Ok(store::assignments_for(&app.db.conn, &ids)
        .await?
        .into_iter()
        .map(|a| ((a.customer_id, a.dimension), Some(a.value)))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Metrics from a file (CSV or XLSX)
// ---------------------------------------------------------------------------------------------

/// Money columns of a metrics file, in CNY (yuan, up to two decimals).
const MONEY_COLUMNS: [&str; 13] = [
    "avg_deposits",
    "loans",
    "fee_income",
    "contribution",
    "income",
    "debts",
    "total_assets",
    "total_liabilities",
    "current_assets",
    "current_liabilities",
    "revenue",
    "net_profit",
    "assets.*",
];
const COUNT_COLUMNS: [&str; 6] = [
    "investment_count",
    "transactions_90d",
    "product_count",
    "overdue_count",
    "qualitative_points",
    "employees",
];

/// Yuan with up to two decimals (`1234.5`, `1,234.56`) as minor units.
fn yuan(s: &str) -> std::result::Result<i64, &'static str> {
    let t: String = s.trim().chars().filter(|c| *c != ',').collect();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_owned()),
        None => (false, t),
    };
    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err("must be an amount in CNY with at most two decimals");
    }
    let whole: i64 = int.parse().map_err(|_| "is too large")?;
    let cents: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    let v = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or("is too large")?;
    Ok(if neg { -v } else { v })
}

/// What a metrics file held: the items to load (with their file line) and the rows that could not be read.
#[derive(Debug, Default)]
pub struct MetricsFile {
    pub items: Vec<(usize, MetricsInput)>,
    pub rejected: Vec<crate::io::Rejected>,
    pub ignored_columns: Vec<String>,
}

/// Reads a metrics table: a `customer` column (customer number or id), `as_of` (`YYYY-MM-DD`), `assets.<class>`
/// columns and any of the named money (CNY) and count columns. Each bad cell rejects its row, naming the
/// column and the rule.
pub fn metrics_from_table(src: crate::io::Source) -> MetricsFile {
    let col = |name: &str| src.headers.iter().position(|h| h.trim() == name);
    let mut out = MetricsFile {
        ignored_columns: src
            .headers
            .iter()
            .filter(|h| {
                let h = h.trim();
                !(h == "customer"
                    || h == "as_of"
                    || h == "income_unstable"
                    || h.starts_with("assets.")
                    || MONEY_COLUMNS.contains(&h)
                    || COUNT_COLUMNS.contains(&h))
            })
            .cloned()
            .collect(),
        ..Default::default()
    };
    let (Some(customer_col), Some(as_of_col)) = (col("customer"), col("as_of")) else {
        out.rejected.push(crate::io::Rejected {
            line: 1,
            reason: "the header row needs `customer` and `as_of` columns".into(),
            cells: Vec::new(),
        });
        return out;
    };
    for row in src.rows {
        let cells = match row.cells {
            Ok(c) => c,
            Err(reason) => {
                out.rejected.push(crate::io::Rejected {
                    line: row.line,
                    reason,
                    cells: Vec::new(),
                });
                continue;
            }
        };
        let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
        let mut errors = Vec::new();
        let mut m = Metrics::default();
        match cell(as_of_col).parse::<Date>() {
            Ok(d) => m.as_of = d,
            Err(_) => errors.push("as_of: must be a date YYYY-MM-DD".to_owned()),
        }
        for (i, h) in src.headers.iter().enumerate() {
            let h = h.trim();
            let v = cell(i);
            if v.is_empty() || i == customer_col || i == as_of_col {
                continue;
            }
            if let Some(class) = h.strip_prefix("assets.") {
                match yuan(v) {
                    Ok(x) => {
                        m.assets.insert(class.to_owned(), x);
                    }
                    Err(e) => errors.push(format!("{h}: {e}")),
                }
            } else if MONEY_COLUMNS.contains(&h) {
                match yuan(v) {
                    Ok(x) => match h {
                        "avg_deposits" => m.avg_deposits = x,
                        "loans" => m.loans = x,
                        "fee_income" => m.fee_income = x,
                        "contribution" => m.contribution = x,
                        "income" => m.income = x,
                        "debts" => m.debts = x,
                        "total_assets" => m.total_assets = Some(x),
                        "total_liabilities" => m.total_liabilities = Some(x),
                        "current_assets" => m.current_assets = Some(x),
                        "current_liabilities" => m.current_liabilities = Some(x),
                        "revenue" => m.revenue = Some(x),
                        _ => m.net_profit = Some(x),
                    },
                    Err(e) => errors.push(format!("{h}: {e}")),
                }
            } else if COUNT_COLUMNS.contains(&h) {
                match v.parse::<u32>() {
                    Ok(x) => match h {
                        "investment_count" => m.investment_count = x,
                        "transactions_90d" => m.transactions_90d = x,
                        "product_count" => m.product_count = x,
                        "overdue_count" => m.overdue_count = x,
                        "qualitative_points" => m.qualitative_points = x,
                        _ => m.employees = Some(x),
                    },
                    Err(_) => errors.push(format!("{h}: must be a whole number of at least 0")),
                }
            } else if h == "income_unstable" {
                match v.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" | "是" => m.income_unstable = true,
                    "false" | "0" | "no" | "否" => m.income_unstable = false,
                    _ => errors.push(format!("{h}: must be true or false")),
                }
            }
        }
        if cell(customer_col).is_empty() {
            errors.push("customer: is required".into());
        }
        if errors.is_empty() {
            out.items.push((
                row.line,
                MetricsInput {
                    customer: cell(customer_col).to_owned(),
                    metrics: m,
                },
            ));
        } else {
            out.rejected.push(crate::io::Rejected {
                line: row.line,
                reason: errors.join("; "),
                cells: cells.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn yuan_amounts_become_minor_units() {
        assert_eq!(yuan("1,234.5"), Ok(123_450));
        assert_eq!(yuan("3200000"), Ok(320_000_000));
        assert_eq!(yuan("-0.05"), Ok(-5));
        assert!(yuan("1.234").is_err());
        assert!(yuan("abc").is_err());
    }

    #[test]
    fn a_metrics_file_names_the_bad_cell() {
        let csv = "customer,as_of,assets.deposits,investment_count,contribution,colour\n\
                   P-BR0001-00000001,2026-11-20,3200000,6,12000,blue\n\
                   P-BR0001-00000002,2026-13-01,x,-1,5,red\n";
        let f = metrics_from_table(crate::io::read_csv(csv.as_bytes()).unwrap());
        assert_eq!(f.ignored_columns, vec!["colour"]);
        assert_eq!(f.items.len(), 1);
        let (line, item) = &f.items[0];
        assert_eq!(*line, 2);
        assert_eq!(item.metrics.aum(), 320_000_000);
        assert_eq!(item.metrics.contribution, 1_200_000);
        assert_eq!(f.rejected.len(), 1);
        let r = &f.rejected[0].reason;
        assert!(
            r.contains("as_of") && r.contains("assets.deposits") && r.contains("investment_count"),
            "{r}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Risk appetite questionnaire
// ---------------------------------------------------------------------------------------------

/// A completed questionnaire.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// Question key -> answer key.
    pub answers: BTreeMap<String, String>,
    /// `branch` (face to face; required for a first assessment by Chinese practice) or `online`.
    pub channel: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentView {
    pub customer_id: Uuid,
    pub score: u32,
    /// `conservative` / `balanced` / `aggressive`, or `C1`-`C5` in five-level mode.
    pub level: String,
    pub assessed_on: String,
    pub expires_on: String,
    pub channel: String,
    /// (question, answer, points).
    pub points: Vec<(String, String, u32)>,
}

/// Records a risk-appetite assessment and re-evaluates the customer in the same transaction.
pub async fn record_assessment(
    app: &App,
    actor: &Actor,
    id: Uuid,
    input: AssessmentInput,
) -> Result<AssessmentView> {
    actor.require(Permission::CustomerUpdate)?;
    let q = &app.policy.segments.risk_questionnaire;
    let mut errs = banyan_domain::FieldErrors::new();
    if !["branch", "online"].contains(&input.channel.as_str()) {
        errs.push("channel", "one_of", "must be branch or online");
    }
    let scored = q.score(&input.answers);
    if let Err(e) = &scored {
        errs.0.extend(e.0.clone());
    }
    errs.into_result()?;
    let banyan_domain::segments::Scored {
        score,
        level,
        points,
    } = scored?;
    let tx = app.db.begin_write().await?;
    let row = crate::customers::lock_in_scope(&*tx, actor, id).await?;
    if row.kind != "individual" {
        return Err(AppError::field(
            "customer",
            "kind",
            "risk-appetite questionnaires are for individuals",
        ));
    }
    let today = app.today();
    let expires = q.expiry(today);
    store::insert_assessment(
        &*tx,
        &store::AssessmentRow {
            id: Uuid::now_v7(),
            customer_id: id,
            answers: serde_json::to_string(&input.answers).unwrap_or_default(),
            score: i32::try_from(score).unwrap_or(i32::MAX),
            level: level.clone(),
            assessed_on: today.to_string(),
            expires_on: expires.to_string(),
            channel: input.channel.clone(),
            assessed_by: actor.id,
            at_us: now_us(),
        },
    )
    .await?;
    audit::record(
        &*tx,
        actor,
        vec![Entry {
            action: "risk_assessment.record",
            entity: "risk_assessment",
            entity_id: Some(id.to_string()),
            customer_id: Some(id),
            detail: json!({"score": score, "level": level, "channel": input.channel, "expires_on": expires.to_string()}),
        }],
    )
    .await?;
    on_change(app, &*tx, &[row]).await?;
    tx.commit().await?;
    Ok(AssessmentView {
        customer_id: id,
        score,
        level,
        assessed_on: today.to_string(),
        expires_on: expires.to_string(),
        channel: input.channel,
        points,
    })
}

/// Closes an early-warning alert with what was done (the owner, or staff who may act on the customer).
pub async fn close_alert(app: &App, actor: &Actor, alert_id: Uuid, resolution: &str) -> Result<()> {
    let resolution = resolution.trim();
    if resolution.is_empty() {
        return Err(AppError::field(
            "resolution",
            "required",
            "say what was done about the alert",
        ));
    }
    let tx = app.db.begin_write().await?;
    let alert = store::find_alert(&*tx, alert_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::customers::load_in_scope(&*tx, actor, alert.customer_id).await?;
    if alert.owner_id != Some(actor.id)
        && !actor.role.has(Permission::CustomerUpdate)
        && !actor.role.has(Permission::MetricsWrite)
    {
        return Err(AppError::forbidden(
            "permission_denied",
            "only the alert's owner or staff who may act on the customer can close it",
        ));
    }
    if !store::close_alert(&*tx, alert_id, actor.id, resolution, now_us()).await? {
        return Err(AppError::conflict(
            "invalid_state",
            "the alert is already closed",
            json!({"status": alert.status}),
        ));
    }
    audit::record(
        &*tx,
        actor,
        vec![Entry {
            action: "alert.close",
            entity: "alert",
            entity_id: Some(alert_id.to_string()),
            customer_id: Some(alert.customer_id),
            detail: json!({"indicator": alert.indicator, "resolution": resolution}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
