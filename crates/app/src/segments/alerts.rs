//! The one alert queue: the policy engine's early warnings and the book's monitoring alerts. Staff read it
//! within their scope with filters, open an alert with its figures and (for monitoring) the transactions
//! behind it, and dispose of it with a reason; an open alert past its due day escalates once to the
//! supervisors of the customer's branch.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::book::monitoring::HitView;
use crate::error::{AppError, Result};
use banyan_domain::access::{Permission, Role};
use banyan_domain::book::monitoring::{AlertStatus, Criterion, Disposition};
use banyan_domain::segments::Check;
use banyan_store::cases::NoticeRow;
use banyan_store::now_us;
use banyan_store::segments::{self as store, AlertFilter, AlertRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An alert as the queue, the customer's page and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// An early warning's indicator (`aum_drop`) or a monitoring criterion's (`monitor.large_cash`).
    pub indicator: String,
    /// The monitoring criterion, for a monitoring alert.
    pub criterion: Option<Criterion>,
    /// A monitoring alert's day (`YYYY-MM-DD`); empty for an early warning.
    pub subject: String,
    pub status: AlertStatus,
    pub owner_id: Option<Uuid>,
    pub reason: String,
    /// The figures against the thresholds.
    pub checks: Vec<Check>,
    pub due_on: String,
    /// Open and past its due day.
    pub overdue: bool,
    pub created_at: String,
    pub escalated_at: Option<String>,
    pub disposition: Option<Disposition>,
    pub resolution: Option<String>,
    pub closed_at: Option<String>,
}

pub(crate) fn view_of(app: &App, a: AlertRow) -> Result<AlertView> {
    let checks: Vec<Check> = serde_json::from_str(&a.checks)
        .map_err(|e| AppError::internal_from(format!("alerts.checks of {}", a.id), e))?;
    if a.status == AlertStatus::Closed && (a.resolution.is_none() || a.closed_at_us.is_none()) {
        return Err(AppError::internal(format!(
            "alerts {}: closed without what was done or when",
            a.id
        )));
    }
    let today = app.today().to_string();
    Ok(AlertView {
        id: a.id,
        customer_id: a.customer_id,
        criterion: Criterion::of_indicator(&a.indicator),
        overdue: a.status == AlertStatus::Open && a.due_on < today,
        indicator: a.indicator,
        subject: a.subject,
        status: a.status,
        owner_id: a.owner_id,
        reason: a.reason,
        checks,
        due_on: a.due_on,
        created_at: crate::fmt_us(a.created_at_us),
        escalated_at: a.escalated_at_us.map(crate::fmt_us),
        disposition: a.disposition,
        resolution: a.resolution,
        closed_at: a.closed_at_us.map(crate::fmt_us),
    })
}

/// Which source of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Large and unusual transactions.
    Monitoring,
    /// The policy engine's early warnings.
    Warning,
}

/// Which alerts of the queue to show.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// `open` or `closed` (default: both).
    #[serde(default)]
    pub status: Option<AlertStatus>,
    /// `monitoring` or `warning` (default: both).
    #[serde(default)]
    pub kind: Option<AlertKind>,
    /// One indicator (`monitor.large_cash`, `aum_drop`).
    #[serde(default)]
    pub indicator: Option<String>,
    /// Open alerts past their due day only.
    #[serde(default)]
    pub overdue: Option<bool>,
    /// Only the caller's own alerts.
    #[serde(default)]
    pub mine: Option<bool>,
    #[serde(default)]
    #[param(minimum = 0, maximum = 1_000_000)]
    pub offset: Option<u64>,
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

/// An alert in the queue, with its customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueuedAlert {
    pub customer_no: String,
    pub customer_name: String,
    pub alert: AlertView,
}

/// A page of the queue and how many alerts match.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertPage {
    pub total: u64,
    pub offset: u64,
    pub items: Vec<QueuedAlert>,
}

/// The alert queue within the caller's scope: open before closed, the earliest due first.
pub async fn queue(app: &App, actor: &Actor, q: AlertQuery) -> Result<AlertPage> {
    let grant = actor.require(Permission::CustomerRead)?;
    let offset = q.offset.unwrap_or(0);
    if offset > 1_000_000 {
        return Err(AppError::field("offset", "max", "at most 1000000"));
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let f = AlertFilter {
        status: q.status,
        monitoring: q.kind.map(|k| k == AlertKind::Monitoring),
        indicator: q.indicator.filter(|i| !i.is_empty()),
        overdue_on: q.overdue.unwrap_or(false).then(|| app.today().to_string()),
        owner: q.mine.unwrap_or(false).then(|| actor.id.uuid()),
    };
    let (total, rows) = store::alert_queue(&app.db.conn, &grant.scope(), &f, offset, limit).await?;
    let items = rows
        .into_iter()
        .map(|(a, no, name)| {
            Ok(QueuedAlert {
                customer_no: no,
                customer_name: name,
                alert: view_of(app, a)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(AlertPage {
        total,
        offset,
        items,
    })
}

/// An alert with its customer and the transactions behind it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertDetail {
    pub customer_no: String,
    pub customer_name: String,
    pub alert: AlertView,
    pub transactions: Vec<HitView>,
    /// Whether the reader may dispose of it (see [`may_close`]).
    pub may_close: bool,
}

/// One alert (out of scope: not found).
pub async fn detail(app: &App, actor: &Actor, id: Uuid) -> Result<AlertDetail> {
    let grant = actor.require(Permission::CustomerRead)?;
    let a = store::find_alert(&app.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let row = crate::scope::load_in_scope(&app.db.conn, &grant, a.customer_id).await?;
    Ok(AlertDetail {
        customer_no: row.customer_no,
        customer_name: row.display_name,
        transactions: crate::book::monitoring::hits_of(app, a.id).await?,
        may_close: a.status == AlertStatus::Open && may_close(actor, &a),
        alert: view_of(app, a)?,
    })
}

/// Who may dispose of an alert: its owner, or staff who may act on the customer. A large-value alert only
/// compliance may dispose of (staff with `monitoring.report` who may act on customers: the risk officer):
/// the large-value report is theirs, and the manager who serves the customer does not clear their own
/// customer's report.
pub fn may_close(actor: &Actor, a: &AlertRow) -> bool {
    let has = |p| actor.require(p).is_ok();
    if large_value(a) {
        return compliance(has);
    }
    a.owner_id == Some(actor.id.uuid()) || may_act(has)
}

fn large_value(a: &AlertRow) -> bool {
    Criterion::of_indicator(&a.indicator).is_some_and(Criterion::large_value)
}

/// Whoever holds these permissions may act on an alert's customer.
fn may_act(has: impl Fn(Permission) -> bool) -> bool {
    has(Permission::CustomerUpdate) || has(Permission::MetricsWrite)
}

/// Whoever holds these permissions is compliance for large-value alerts: reports them and may act.
fn compliance(has: impl Fn(Permission) -> bool) -> bool {
    has(Permission::MonitoringReport) && may_act(has)
}

/// How an alert is closed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertClose {
    /// What was done (at most 500 characters).
    pub resolution: String,
    /// Required for a monitoring alert; an early warning without one was followed up.
    #[serde(default)]
    pub disposition: Option<Disposition>,
}

/// What was done about an alert (or a partner's warning), trimmed: required, at most 500 characters.
pub(crate) fn resolution_of(input: &AlertClose) -> Result<&str> {
    let resolution = input.resolution.trim();
    if resolution.is_empty() {
        return Err(AppError::field(
            "resolution",
            "required",
            "say what was done about the alert",
        ));
    }
    if resolution.chars().count() > 500 {
        return Err(AppError::field(
            "resolution",
            "max_length",
            "must be at most 500 characters",
        ));
    }
    Ok(resolution)
}

/// Closes an alert with its disposition and what was done (the owner, or staff who may act on the
/// customer); audited.
pub async fn close(app: &App, actor: &Actor, alert_id: Uuid, input: AlertClose) -> Result<()> {
    let read = actor.require(Permission::CustomerRead)?;
    let resolution = resolution_of(&input)?;
    let tx = app.db.begin_write().await?;
    let alert = store::find_alert(&*tx, alert_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::scope::load_in_scope(&*tx, &read, alert.customer_id).await?;
    if !may_close(actor, &alert) {
        return Err(AppError::forbidden(
            "permission_denied",
            "only the alert's owner or staff who may act on the customer can close it; a large-value alert, only compliance",
        ));
    }
    let criterion = Criterion::of_indicator(&alert.indicator);
    let monitoring = criterion.is_some();
    let disposition = match (input.disposition, monitoring) {
        (Some(d), _) if d.fits(criterion) => d,
        (Some(_), _) => {
            return Err(AppError::field(
                "disposition",
                "one_of",
                "is not a disposition of this kind of alert",
            ));
        }
        (None, false) => Disposition::FollowedUp,
        (None, true) => {
            return Err(AppError::field(
                "disposition",
                "required",
                "say how the monitoring alert was disposed of",
            ));
        }
    };
    let now = now_us();
    if !store::close_alert(
        &*tx,
        alert_id,
        actor.id.uuid(),
        disposition,
        resolution,
        now,
    )
    .await?
    {
        return Err(AppError::conflict(
            "invalid_state",
            "the alert is already closed",
            json!({"current_status": alert.status.as_str()}),
        ));
    }
    audit::record(
        app,
        &*tx,
        &read,
        vec![Entry {
            action: "alert.close",
            entity: "alert",
            entity_id: Some(alert_id.to_string()),
            customer_id: Some(alert.customer_id),
            detail: json!({"indicator": alert.indicator, "disposition": disposition.as_str(), "resolution": resolution}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Escalates every open alert past its due day that has not escalated yet: the supervisors of the
/// customer's branch are told — and for a large-value alert the risk officers too (bank-wide or of the
/// branch), who alone may dispose of it — and the audit log says why. Returns how many escalated.
pub async fn escalate_overdue(app: &App) -> Result<u64> {
    let today = app.today().to_string();
    // Read from the store: the cases module reaches the policy engine through notify, and must not be
    // reached back.
    let staff = banyan_store::access::list_staff(&app.db.conn).await?;
    let mut n = 0;
    loop {
        let due = store::overdue_unescalated(&app.db.conn, &today, 200).await?;
        if due.is_empty() {
            break;
        }
        let now = now_us();
        let tx = app.db.begin_write().await?;
        let ids: Vec<Uuid> = due.iter().map(|a| a.customer_id).collect();
        let customers = banyan_store::customers::rows_by_ids(&*tx, &ids).await?;
        let mut notices = Vec::new();
        let mut audits = Vec::new();
        for a in &due {
            if !store::mark_escalated(&*tx, a.id, now).await? {
                continue;
            }
            n += 1;
            let Some(c) = customers.iter().find(|c| c.id.uuid() == a.customer_id) else {
                continue;
            };
            let large_value = large_value(a);
            let branch = Some(c.branch_code.as_str());
            // Compliance by what the role may do, as `may_close` judges it, bank-wide or of the branch.
            let compliance = |s: &banyan_store::access::StaffRow| {
                compliance(|p| s.role.permissions().contains(&p))
                    && (s.branch_code.is_none() || s.branch_code.as_deref() == branch)
            };
            for s in staff.iter().filter(|s| {
                !s.disabled
                    && ((s.role == Role::Supervisor && s.branch_code.as_deref() == branch)
                        || (large_value && compliance(s)))
            }) {
                notices.push(NoticeRow {
                    id: Uuid::now_v7(),
                    staff_id: s.id.uuid(),
                    case_id: None,
                    customer_id: Some(a.customer_id),
                    kind: "alert.escalated".into(),
                    text: format!("{} {}", c.customer_no, c.display_name),
                    created_at_us: now,
                    read_at_us: None,
                });
            }
            audits.push(Entry {
                action: "alert.escalate",
                entity: "alert",
                entity_id: Some(a.id.to_string()),
                customer_id: Some(a.customer_id),
                detail: json!({"indicator": a.indicator, "due_on": a.due_on}),
            });
        }
        banyan_store::cases::insert_notices(&*tx, &notices).await?;
        audit::record_system(app, &*tx, "escalation", audits).await?;
        tx.commit().await?;
    }
    Ok(n)
}
