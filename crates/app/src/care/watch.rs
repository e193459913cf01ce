//! What the book tells about a registered care customer (seed 003 §四 理财规划调整, §五 风险控制; the rules
//! are `banyan_domain::care::watch`): investment holdings above the capacity the hardship left, and credit in
//! arrears or drawn near its limit. The record's page shows them to its team and supervisors; each kind sets
//! its task once while the last one is open — a rebalancing review for the wealth manager, a personal contact
//! by the risk specialist (gentle collection: a named person, never an automated reminder) — when the customer
//! is registered and after every holdings load that touched them.

use crate::App;
use crate::audit::{self, Entry};
use crate::error::Result;
use crate::figures::{HoldingLine, latest_lines};
use banyan_domain::book::{AccountStatus, RiskLevel};
use banyan_domain::care::team::{CareRole, CareTaskKind, add_days};
use banyan_domain::care::watch::above_capacity;
use banyan_domain::care::{Adjustment, CareStatus};
use banyan_domain::ids::{CareTaskId, CustomerId};
use banyan_store::care::{self as store, CareRow, CareTaskRow};
use banyan_store::now_us;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// What the book tells of a registered customer's capacity, as the record's page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CareWatch {
    /// The book's latest business date for the customer (none: the book holds nothing for them).
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<jiff::civil::Date>,
    /// The highest product risk level the customer should now hold (from the financial impact).
    pub capacity: RiskLevel,
    /// Investment holdings above it.
    pub above_capacity: Vec<HoldingLine>,
    /// Credit past due by the policy's days or more.
    pub arrears: Vec<HoldingLine>,
    /// Credit drawn to the policy's share of its limit or more (and not in arrears).
    pub stretched: Vec<HoldingLine>,
    /// Arrears are handled by a named person, no automated reminders (the record's adjustment).
    pub gentle_collection: bool,
    /// Who that named person is: the holder of the policy's `collection_part` (the risk specialist).
    pub named_person: Option<String>,
}

impl CareWatch {
    fn needs(&self, kind: CareTaskKind) -> bool {
        match kind {
            CareTaskKind::Rebalance => !self.above_capacity.is_empty(),
            CareTaskKind::ArrearsContact => !self.arrears.is_empty() || !self.stretched.is_empty(),
            _ => false,
        }
    }
}

/// The watch of a registered record (none for a record not registered, or without its financial impact).
pub(crate) async fn watch_of<C: ConnectionTrait>(
    app: &App,
    c: &C,
    r: &CareRow,
    named_person: Option<String>,
) -> Result<Option<CareWatch>> {
    let (Some(impact), CareStatus::Registered) = (r.impact, r.status) else {
        return Ok(None);
    };
    let p = &app.policy().care.watch;
    let capacity = p.capacity(impact);
    let (as_of, lines, _) = latest_lines(app, c, r.customer_id).await?;
    let mut w = CareWatch {
        as_of,
        capacity,
        above_capacity: Vec::new(),
        arrears: Vec::new(),
        stretched: Vec::new(),
        gentle_collection: r.adjustments.contains(&Adjustment::GentleCollection),
        named_person,
    };
    for h in lines
        .into_iter()
        .filter(|h| h.status != AccountStatus::Closed)
    {
        if h.kind.is_credit() {
            if p.in_arrears(h.days_past_due) {
                w.arrears.push(h);
            } else if let (Some(out), Some(limit)) = (h.outstanding, h.credit_limit)
                && p.stretched(out, limit)
            {
                w.stretched.push(h);
            }
        } else if h.balance > 0 && above_capacity(h.risk_level, capacity) {
            w.above_capacity.push(h);
        }
    }
    Ok(Some(w))
}

/// Sets the watch's tasks for the registered records of `customers` (in the caller's transaction): a kind
/// the book calls for and that has no open task gets one, held by the team's part for it (unheld until the
/// part is named), and its holder is told (the customer's number only). Returns how many were set.
pub(crate) async fn sweep<C: ConnectionTrait>(
    app: &App,
    c: &C,
    customers: &[CustomerId],
) -> Result<usize> {
    let records = store::registered_of(c, customers).await?;
    let mut set = 0;
    for r in &records {
        let Some(w) = watch_of(app, c, r, None).await? else {
            continue;
        };
        let open: Vec<CareTaskKind> = store::tasks_of(c, r.id)
            .await?
            .into_iter()
            .filter(|t| t.done_at_us.is_none())
            .map(|t| t.kind)
            .collect();
        let due = [CareTaskKind::Rebalance, CareTaskKind::ArrearsContact]
            .into_iter()
            .filter(|k| w.needs(*k) && !open.contains(k))
            .collect::<Vec<_>>();
        if due.is_empty() {
            continue;
        }
        let team = store::team_of(c, r.id).await?;
        let holder = |role: CareRole| team.iter().find(|m| m.role == role).map(|m| m.staff_id);
        let due_on = add_days(app.today(), app.policy().care.watch.task_days);
        // The personal contact goes to the part the policy names for gentle collection.
        let part = |k: CareTaskKind| match k {
            CareTaskKind::ArrearsContact => app.policy().care.watch.collection_part,
            k => k.role(),
        };
        let tasks: Vec<CareTaskRow> = due
            .iter()
            .map(|k| CareTaskRow {
                id: CareTaskId::new(),
                record_id: r.id,
                kind: *k,
                role: part(*k),
                staff_id: holder(part(*k)),
                due_on,
                done_at_us: None,
                done_by: None,
            })
            .collect();
        store::insert_tasks(c, &tasks).await?;
        let Some(cust) = banyan_store::customers::find_customer(c, r.customer_id).await? else {
            return Err(crate::error::AppError::internal(format!(
                "care record {}: customer missing",
                r.id
            )));
        };
        let now = now_us();
        let notices: Vec<_> = tasks
            .iter()
            .filter_map(|t| t.staff_id)
            .map(|s| super::notice(s, "care.watch", &cust, now))
            .collect();
        banyan_store::cases::insert_notices(c, &notices).await?;
        let kinds: Vec<&str> = due.iter().map(|k| k.as_str()).collect();
        audit::record_system(
            app,
            c,
            "care.watch",
            vec![Entry {
                action: "care.watch",
                entity: "care",
                entity_id: Some(r.id.to_string()),
                customer_id: Some(r.customer_id.uuid()),
                detail: json!({
                    "tasks": kinds,
                    "above_capacity": w.above_capacity.len(),
                    "arrears": w.arrears.len(),
                    "stretched": w.stretched.len(),
                }),
            }],
        )
        .await?;
        set += tasks.len();
    }
    Ok(set)
}

/// After a holdings load: the watch of the registered customers among those the load touched, a chunk of
/// customers per transaction.
pub async fn after_load(app: &App, customers: &[CustomerId]) -> Result<usize> {
    let mut set = 0;
    for chunk in customers.chunks(500) {
        // Most loads touch no care customer: one read finds that before a transaction is opened.
        if store::registered_of(&app.db.conn, chunk).await?.is_empty() {
            continue;
        }
        let tx = app.db.begin_write().await?;
        set += sweep(app, &*tx, chunk).await?;
        tx.commit().await?;
    }
    Ok(set)
}

/// A registered customer whose arrears are handled gently: the core system's collection reads these and
/// sends them no automated reminder; the named person contacts them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CollectionHold {
    pub customer_id: CustomerId,
    pub customer_no: String,
    /// The holder of the policy's `collection_part` (none until the part is named: the supervisor sees to it).
    pub named_person: Option<String>,
    pub named_person_id: Option<banyan_domain::ids::StaffId>,
    /// Since the registration.
    pub since: String,
}

/// The gentle-collection holds of the customers in the supervisor's scope (`care.manage`): registered with
/// the adjustment, each with its named person. The adjustment is what to do, never why; the read is audited.
pub async fn collection_holds(
    app: &App,
    actor: &crate::actor::Actor,
) -> Result<Vec<CollectionHold>> {
    let grant = actor.require(banyan_domain::access::Permission::CareManage)?;
    let tx = app.db.begin_write().await?;
    let f = store::CareFilter {
        staff: actor.id(),
        scope: grant.scope(),
        statuses: vec![CareStatus::Registered],
        customer: None,
    };
    let records: Vec<CareRow> = super::records_in_scope(&*tx, &f)
        .await?
        .into_iter()
        .filter(|r| r.adjustments.contains(&Adjustment::GentleCollection))
        .collect();
    let ids: Vec<_> = records.iter().map(|r| r.id).collect();
    let members = store::team_of_many(&*tx, &ids).await?;
    let customers = banyan_store::customers::rows_by_ids(
        &*tx,
        &records
            .iter()
            .map(|r| r.customer_id.uuid())
            .collect::<Vec<_>>(),
    )
    .await?;
    let names = super::names(app).await?;
    let mut out = Vec::with_capacity(records.len());
    for r in &records {
        let cust = customers
            .iter()
            .find(|c| c.id == r.customer_id)
            .ok_or_else(|| {
                crate::error::AppError::internal(format!("care {}: customer missing", r.id))
            })?;
        let named = members
            .iter()
            .find(|m| m.record_id == r.id && m.role == app.policy().care.watch.collection_part)
            .map(|m| m.staff_id);
        out.push(CollectionHold {
            customer_id: r.customer_id,
            customer_no: cust.customer_no.clone(),
            named_person: super::opt_name(&names, named, "hold")?,
            named_person_id: named,
            since: super::opt_us(r.registered_at_us).ok_or_else(|| {
                crate::error::AppError::internal(format!("care {}: registered without a day", r.id))
            })?,
        });
    }
    out.sort_by(|a, b| a.customer_no.cmp(&b.customer_no));
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "care.holds_read",
            entity: "care",
            entity_id: None,
            customer_id: None,
            detail: json!({"holds": out.len()}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
